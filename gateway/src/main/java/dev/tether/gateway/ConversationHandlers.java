package dev.tether.gateway;

import dev.tether.gateway.internal.openai.OpenAi;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.ServiceLoader;
import java.util.TreeMap;
import reactor.core.scheduler.Schedulers;

/** The built-in conversation handlers, and lookup of every handler by name. */
public final class ConversationHandlers {

    /** The name of {@link #echo(Duration)}. */
    public static final String ECHO = "echo";
    /** The name of the handler that streams from an OpenAI-compatible chat server ({@link GatewayConfig#llm()}). */
    public static final String OPENAI = "openai";

    private ConversationHandlers() {
    }

    /** Streams the user's text back word by word, pausing {@code delay} before each word. */
    public static ConversationHandler echo(Duration delay) {
        Objects.requireNonNull(delay, "delay");
        if (delay.isNegative()) {
            throw new IllegalArgumentException("delay must be >= 0, got " + delay);
        }
        return new EchoHandler(delay, Schedulers.parallel());
    }

    /** The names of every handler available: the built-ins and those found by {@link ServiceLoader}. */
    public static List<String> names() {
        return new ArrayList<>(providers().keySet());
    }

    /**
     * The handler called {@code name}, configured from {@code config}.
     *
     * @throws IllegalArgumentException when no handler has that name
     */
    public static ConversationHandler named(String name, GatewayConfig config) {
        ConversationHandlerProvider provider = providers().get(name);
        if (provider == null) {
            throw new IllegalArgumentException("unknown handler \"" + name + "\"; available: "
                    + String.join(", ", names()));
        }
        return provider.create(config);
    }

    private static TreeMap<String, ConversationHandlerProvider> providers() {
        TreeMap<String, ConversationHandlerProvider> providers = new TreeMap<>();
        providers.put(ECHO, new EchoProvider());
        providers.put(OPENAI, new OpenAiProvider());
        for (ConversationHandlerProvider provider : ServiceLoader.load(ConversationHandlerProvider.class)) {
            providers.putIfAbsent(provider.name(), provider);
        }
        return providers;
    }

    private static final class EchoProvider implements ConversationHandlerProvider {
        @Override
        public String name() {
            return ECHO;
        }

        @Override
        public ConversationHandler create(GatewayConfig config) {
            return echo(config.handler().echoDelay());
        }
    }

    private static final class OpenAiProvider implements ConversationHandlerProvider {
        @Override
        public String name() {
            return OPENAI;
        }

        @Override
        public ConversationHandler create(GatewayConfig config) {
            return OpenAi.handler(config.llm(), Schedulers.parallel());
        }
    }
}
