package dev.tether.gateway;

import dev.tether.protocol.Checks;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;

/**
 * The application's backend of the {@code http} handler: where it is, the secret that signs each call, and how long
 * and how often a call is tried. Immutable; build with {@link #builder()}.
 */
public final class BackendOptions {

    /** Shortest accepted signing secret: 32 bytes (UTF-8). */
    public static final int MIN_SECRET_BYTES = 32;
    /** Default wait for a call's first part (or an event call's answer): 60 seconds. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(60);
    /** Default number of retries of a call that failed before its first part: 2. */
    public static final int DEFAULT_RETRIES = 2;
    /** Default number of history messages sent: {@value HistoryLimits#DEFAULT_MAX_MESSAGES}. */
    public static final int DEFAULT_MAX_HISTORY = HistoryLimits.DEFAULT_MAX_MESSAGES;
    /** Default number of history characters sent: {@value HistoryLimits#DEFAULT_MAX_CHARS}. */
    public static final int DEFAULT_MAX_HISTORY_CHARS = HistoryLimits.DEFAULT_MAX_CHARS;

    private static final BackendOptions DEFAULTS = new BackendOptions(null, null, DEFAULT_TIMEOUT, DEFAULT_RETRIES,
            DEFAULT_MAX_HISTORY, DEFAULT_MAX_HISTORY_CHARS);

    private final URI url;
    private final String secret;
    private final Duration timeout;
    private final int retries;
    private final int maxHistory;
    private final int maxHistoryChars;

    private BackendOptions(URI url, String secret, Duration timeout, int retries, int maxHistory,
                           int maxHistoryChars) {
        this.url = url;
        this.secret = secret;
        this.timeout = Checks.between("timeout", timeout, Duration.ofMillis(1), Duration.ofHours(1));
        this.retries = Checks.between("retries", retries, 0, 10);
        this.maxHistory = Checks.between("maxHistory", maxHistory, 0, HistoryLimits.MAX_MESSAGES);
        this.maxHistoryChars = Checks.between("maxHistoryChars", maxHistoryChars, 0, HistoryLimits.MAX_CHARS);
    }

    /** No backend configured, every other setting at its default. */
    public static BackendOptions defaults() {
        return DEFAULTS;
    }

    public static Builder builder() {
        return new Builder(DEFAULTS);
    }

    /** A builder starting from these options. */
    public Builder toBuilder() {
        return new Builder(this);
    }

    /** The URL every call is posted to; empty when none is configured. */
    public Optional<URI> url() {
        return Optional.ofNullable(url);
    }

    /** The secret of the {@code X-Tether-Signature} HMAC; empty when none is configured. */
    public Optional<String> secret() {
        return Optional.ofNullable(secret);
    }

    /** How long a call may take to send its first part; default {@link #DEFAULT_TIMEOUT}. */
    public Duration timeout() {
        return timeout;
    }

    /** Retries of a call that failed before its first part; default {@value #DEFAULT_RETRIES}. */
    public int retries() {
        return retries;
    }

    /** The most history messages sent with a user message; default {@value #DEFAULT_MAX_HISTORY}. */
    public int maxHistory() {
        return maxHistory;
    }

    /** The most history characters sent with a user message; default {@value #DEFAULT_MAX_HISTORY_CHARS}. */
    public int maxHistoryChars() {
        return maxHistoryChars;
    }

    /** The bounds of the history sent with a user message. */
    public HistoryLimits history() {
        return new HistoryLimits(maxHistory, maxHistoryChars);
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof BackendOptions o && Objects.equals(url, o.url) && Objects.equals(secret, o.secret)
                && timeout.equals(o.timeout) && retries == o.retries && maxHistory == o.maxHistory
                && maxHistoryChars == o.maxHistoryChars;
    }

    @Override
    public int hashCode() {
        return Objects.hash(url, secret, timeout, retries, maxHistory, maxHistoryChars);
    }

    @Override
    public String toString() {
        // The secret is a credential: never its value.
        return "BackendOptions[url=" + (url == null ? "none" : url) + ", secret=" + (secret == null ? "none" : "***")
                + ", timeout=" + timeout + ", retries=" + retries + ", maxHistory=" + maxHistory
                + ", maxHistoryChars=" + maxHistoryChars + "]";
    }

    /** Builds {@link BackendOptions}; each setter validates its argument. */
    public static final class Builder {
        private BackendOptions o;

        private Builder(BackendOptions options) {
            this.o = options;
        }

        /** The backend's URL, {@code http} or {@code https} with a host. */
        public Builder url(URI url) {
            Objects.requireNonNull(url, "url");
            String scheme = url.getScheme() == null ? "" : url.getScheme().toLowerCase(Locale.ROOT);
            if (!scheme.equals("http") && !scheme.equals("https") || url.getHost() == null) {
                throw new IllegalArgumentException("url must be an http or https URL with a host, got " + url);
            }
            o = new BackendOptions(url, o.secret, o.timeout, o.retries, o.maxHistory, o.maxHistoryChars);
            return this;
        }

        /** The backend's URL as text; see {@link #url(URI)}. */
        public Builder url(String url) {
            try {
                return url(URI.create(Objects.requireNonNull(url, "url").trim()));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(e.getMessage().startsWith("url must")
                        ? e.getMessage() : "url must be an http or https URL, got \"" + url + "\"", e);
            }
        }

        /** The signing secret, at least {@link #MIN_SECRET_BYTES} bytes in UTF-8. */
        public Builder secret(String secret) {
            int bytes = secret == null ? 0 : secret.getBytes(StandardCharsets.UTF_8).length;
            if (bytes < MIN_SECRET_BYTES) {
                // The secret is a credential: its length, never its value, goes into the message.
                throw new IllegalArgumentException("secret must be at least " + MIN_SECRET_BYTES + " bytes, got "
                        + (secret == null ? "none" : bytes));
            }
            o = new BackendOptions(o.url, secret, o.timeout, o.retries, o.maxHistory, o.maxHistoryChars);
            return this;
        }

        /** How long a call may take to send its first part, 1 millisecond to 1 hour. */
        public Builder timeout(Duration timeout) {
            o = new BackendOptions(o.url, o.secret, timeout, o.retries, o.maxHistory, o.maxHistoryChars);
            return this;
        }

        /** Retries of a call that failed before its first part, 0 to 10. */
        public Builder retries(int retries) {
            o = new BackendOptions(o.url, o.secret, o.timeout, retries, o.maxHistory, o.maxHistoryChars);
            return this;
        }

        /** The most history messages sent, 0 to {@value HistoryLimits#MAX_MESSAGES}. */
        public Builder maxHistory(int maxHistory) {
            o = new BackendOptions(o.url, o.secret, o.timeout, o.retries, maxHistory, o.maxHistoryChars);
            return this;
        }

        /** The most history characters sent, 0 to {@value HistoryLimits#MAX_CHARS}. */
        public Builder maxHistoryChars(int maxHistoryChars) {
            o = new BackendOptions(o.url, o.secret, o.timeout, o.retries, o.maxHistory, maxHistoryChars);
            return this;
        }

        public BackendOptions build() {
            return o;
        }
    }
}
