package dev.tether.gateway;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.tether.protocol.Checks;
import java.net.URI;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * The language model the {@code openai} handler streams from: any server of the OpenAI Chat Completions protocol
 * (Ollama, vLLM, llama.cpp's server, LM Studio, OpenAI). Immutable; build with {@link #builder()}. The API key never
 * appears in {@link #toString()}.
 *
 * @param url               base URL, the request going to {@code {url}/chat/completions}; null until set
 * @param model             the model's name; null until set
 * @param apiKey            sent as {@code Authorization: Bearer}; null for none
 * @param system            the system prompt, sent first; empty for none
 * @param maxHistory        turns of history sent at most; default {@link HistoryLimits#DEFAULT_MAX_MESSAGES}
 * @param maxHistoryChars   characters of history sent at most; default {@link HistoryLimits#DEFAULT_MAX_CHARS}
 * @param firstTokenTimeout longest wait for the first token, retries included; default
 *                          {@link #DEFAULT_FIRST_TOKEN_TIMEOUT}
 * @param retries           tries again before the first token after a connection error, 429 or 5xx; default
 *                          {@link #DEFAULT_RETRIES}
 * @param maxConnections    connections to the server at most, the pool's bound; default
 *                          {@link #DEFAULT_MAX_CONNECTIONS}
 * @param params            more request fields, such as {@code temperature}, in order
 * @param continueMode      how a reply taken over from a dead node is continued; default {@link #DEFAULT_CONTINUE}
 */
public record LlmOptions(URI url, String model, String apiKey, String system, int maxHistory, int maxHistoryChars,
                         Duration firstTokenTimeout, int retries, int maxConnections, Map<String, JsonNode> params,
                         Continue continueMode) {

    /**
     * How the {@code openai} handler continues a reply whose node died: by sending the conversation with the reply's
     * text so far as the last, assistant message, for the model to complete it.
     */
    public enum Continue {
        /**
         * The partial reply as the final assistant message, which servers such as vLLM and llama.cpp's complete as a
         * prefilled answer.
         */
        PREFILL,
        /** The same, followed by a short user message asking the model to go on without repeating itself. */
        INSTRUCT,
        /** Not continued: the reply ends {@code interrupted}. */
        OFF;

        /** The value as a flag writes it: {@code prefill}, {@code instruct} or {@code off}. */
        public String flagName() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }

        /** The value of a flag, case-insensitive. */
        public static Continue fromFlag(String text) {
            for (Continue value : values()) {
                if (value.flagName().equalsIgnoreCase(text.trim())) {
                    return value;
                }
            }
            throw new IllegalArgumentException("continue must be one of prefill, instruct, off, got \"" + text
                    + "\"");
        }
    }

    /** Default way of continuing a reply taken over: {@link Continue#PREFILL}. */
    public static final Continue DEFAULT_CONTINUE = Continue.PREFILL;

    /** Default longest wait for the first token: 60 seconds. */
    public static final Duration DEFAULT_FIRST_TOKEN_TIMEOUT = Duration.ofSeconds(60);
    /** Default number of retries before the first token: {@value}. */
    public static final int DEFAULT_RETRIES = 2;
    /** Default bound of the connection pool: {@value}. */
    public static final int DEFAULT_MAX_CONNECTIONS = 256;
    /** Request fields the handler sets itself, which a parameter may not replace. */
    public static final Set<String> RESERVED_PARAMS = Set.of("model", "messages", "stream", "stream_options");

    private static final ObjectMapper JSON = new ObjectMapper();

    public LlmOptions {
        if (url != null) {
            String scheme = url.getScheme();
            if (!url.isAbsolute() || url.getHost() == null
                    || !("http".equalsIgnoreCase(scheme) || "https".equalsIgnoreCase(scheme))) {
                throw new IllegalArgumentException("url must be an http or https URL, got \"" + url + "\"");
            }
        }
        if (model != null) {
            Checks.nonBlank("model", model);
        }
        if (apiKey != null && apiKey.isBlank()) {
            throw new IllegalArgumentException("apiKey must not be blank");
        }
        Objects.requireNonNull(system, "system");
        Checks.between("maxHistory", maxHistory, 0, HistoryLimits.MAX_MESSAGES);
        Checks.between("maxHistoryChars", maxHistoryChars, 0, HistoryLimits.MAX_CHARS);
        Checks.between("firstTokenTimeout", firstTokenTimeout, Duration.ofMillis(1), Duration.ofHours(1));
        Checks.between("retries", retries, 0, 10);
        Checks.between("maxConnections", maxConnections, 1, 100_000);
        Objects.requireNonNull(continueMode, "continueMode");
        params = Collections.unmodifiableMap(new LinkedHashMap<>(Objects.requireNonNull(params, "params")));
    }

    /** The defaults: no server yet. */
    public static LlmOptions defaults() {
        return new LlmOptions(null, null, null, "", HistoryLimits.DEFAULT_MAX_MESSAGES,
                HistoryLimits.DEFAULT_MAX_CHARS, DEFAULT_FIRST_TOKEN_TIMEOUT, DEFAULT_RETRIES, DEFAULT_MAX_CONNECTIONS,
                Map.of(), DEFAULT_CONTINUE);
    }

    public static Builder builder() {
        return new Builder(defaults());
    }

    /** A builder starting from these options. */
    public Builder toBuilder() {
        return new Builder(this);
    }

    /** The bounds of the history sent. */
    public HistoryLimits historyLimits() {
        return new HistoryLimits(maxHistory, maxHistoryChars);
    }

    /**
     * A request field's value as written on a command line, typed: JSON numbers, booleans, {@code null}, objects,
     * arrays and quoted strings as they are, anything else as a string. So {@code temperature=0.2} sends a number and
     * {@code stop=END} a string.
     */
    public static JsonNode paramValue(String text) {
        Objects.requireNonNull(text, "text");
        try {
            JsonNode value = JSON.readTree(text);
            if (value != null && !value.isMissingNode()) {
                return value;
            }
        } catch (JsonProcessingException notJson) {
            // A bare word: a string.
        }
        return TextNode.valueOf(text);
    }

    @Override
    public String toString() {
        return "LlmOptions[url=" + url + ", model=" + model + ", apiKey=" + (apiKey == null ? "none" : "***")
                + ", system=" + system.length() + " chars, maxHistory=" + maxHistory + ", maxHistoryChars="
                + maxHistoryChars + ", firstTokenTimeout=" + firstTokenTimeout + ", retries=" + retries
                + ", maxConnections=" + maxConnections + ", params=" + params.keySet() + ", continueMode="
                + continueMode.flagName() + "]";
    }

    /** Builds {@link LlmOptions}; each setter validates its argument. */
    public static final class Builder {
        private LlmOptions o;

        private Builder(LlmOptions options) {
            this.o = options;
        }

        /** The server's base URL, such as {@code http://127.0.0.1:11434/v1}; http or https. */
        public Builder url(String url) {
            Objects.requireNonNull(url, "url");
            URI uri;
            try {
                uri = URI.create(url.endsWith("/") ? url.substring(0, url.length() - 1) : url);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("url must be an http or https URL, got \"" + url + "\"", e);
            }
            o = new LlmOptions(uri, o.model, o.apiKey, o.system, o.maxHistory, o.maxHistoryChars,
                    o.firstTokenTimeout, o.retries, o.maxConnections, o.params, o.continueMode);
            return this;
        }

        /** The model's name, non-blank. */
        public Builder model(String model) {
            o = new LlmOptions(o.url, Objects.requireNonNull(model, "model"), o.apiKey, o.system, o.maxHistory,
                    o.maxHistoryChars, o.firstTokenTimeout, o.retries, o.maxConnections, o.params, o.continueMode);
            return this;
        }

        /** The API key, non-blank. */
        public Builder apiKey(String apiKey) {
            o = new LlmOptions(o.url, o.model, Objects.requireNonNull(apiKey, "apiKey"), o.system, o.maxHistory,
                    o.maxHistoryChars, o.firstTokenTimeout, o.retries, o.maxConnections, o.params, o.continueMode);
            return this;
        }

        /** The system prompt; empty for none. */
        public Builder system(String system) {
            o = new LlmOptions(o.url, o.model, o.apiKey, system, o.maxHistory, o.maxHistoryChars,
                    o.firstTokenTimeout, o.retries, o.maxConnections, o.params, o.continueMode);
            return this;
        }

        /** Turns of history sent at most, 0 to {@link HistoryLimits#MAX_MESSAGES}. */
        public Builder maxHistory(int maxHistory) {
            o = new LlmOptions(o.url, o.model, o.apiKey, o.system, maxHistory, o.maxHistoryChars,
                    o.firstTokenTimeout, o.retries, o.maxConnections, o.params, o.continueMode);
            return this;
        }

        /** Characters of history sent at most, 0 to {@link HistoryLimits#MAX_CHARS}. */
        public Builder maxHistoryChars(int maxHistoryChars) {
            o = new LlmOptions(o.url, o.model, o.apiKey, o.system, o.maxHistory, maxHistoryChars,
                    o.firstTokenTimeout, o.retries, o.maxConnections, o.params, o.continueMode);
            return this;
        }

        /** Longest wait for the first token, retries included, 1 ms to 1 hour. */
        public Builder firstTokenTimeout(Duration firstTokenTimeout) {
            o = new LlmOptions(o.url, o.model, o.apiKey, o.system, o.maxHistory, o.maxHistoryChars,
                    firstTokenTimeout, o.retries, o.maxConnections, o.params, o.continueMode);
            return this;
        }

        /** Retries before the first token, 0 to 10. */
        public Builder retries(int retries) {
            o = new LlmOptions(o.url, o.model, o.apiKey, o.system, o.maxHistory, o.maxHistoryChars,
                    o.firstTokenTimeout, retries, o.maxConnections, o.params, o.continueMode);
            return this;
        }

        /** Connections to the server at most, 1 to 100,000. */
        public Builder maxConnections(int maxConnections) {
            o = new LlmOptions(o.url, o.model, o.apiKey, o.system, o.maxHistory, o.maxHistoryChars,
                    o.firstTokenTimeout, o.retries, maxConnections, o.params, o.continueMode);
            return this;
        }

        /** Sets request field {@code name} to {@code value}; not one of {@link #RESERVED_PARAMS}. */
        public Builder param(String name, JsonNode value) {
            Checks.nonBlank("param name", name);
            Objects.requireNonNull(value, "value");
            if (RESERVED_PARAMS.contains(name)) {
                throw new IllegalArgumentException("param " + name + " is set by the handler itself");
            }
            Map<String, JsonNode> params = new LinkedHashMap<>(o.params);
            params.put(name, value);
            o = new LlmOptions(o.url, o.model, o.apiKey, o.system, o.maxHistory, o.maxHistoryChars,
                    o.firstTokenTimeout, o.retries, o.maxConnections, params, o.continueMode);
            return this;
        }

        /** Sets a request field from {@code name=value}, the value typed by {@link #paramValue}. */
        public Builder param(String assignment) {
            Objects.requireNonNull(assignment, "assignment");
            int equals = assignment.indexOf('=');
            if (equals < 1) {
                throw new IllegalArgumentException("param must be name=value, got \"" + assignment + "\"");
            }
            return param(assignment.substring(0, equals).trim(), paramValue(assignment.substring(equals + 1).trim()));
        }

        /** How a reply taken over from a dead node is continued. */
        public Builder continueMode(Continue continueMode) {
            o = new LlmOptions(o.url, o.model, o.apiKey, o.system, o.maxHistory, o.maxHistoryChars,
                    o.firstTokenTimeout, o.retries, o.maxConnections, o.params,
                    Objects.requireNonNull(continueMode, "continueMode"));
            return this;
        }

        public LlmOptions build() {
            return o;
        }
    }
}
