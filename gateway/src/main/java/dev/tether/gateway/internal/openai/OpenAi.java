package dev.tether.gateway.internal.openai;

import dev.tether.gateway.ConversationHandler;
import dev.tether.gateway.LlmOptions;
import java.util.Objects;
import reactor.core.scheduler.Scheduler;

/** Makes the {@code openai} handler. May change without notice. */
public final class OpenAi {

    private OpenAi() {
    }

    /**
     * A handler streaming from the server {@code options} name, timing retries and timeouts on {@code scheduler}. It
     * is {@link AutoCloseable} (its connection pool) and a Micrometer
     * {@link io.micrometer.core.instrument.binder.MeterBinder}.
     *
     * @throws IllegalArgumentException when the server's URL or the model is missing
     */
    public static ConversationHandler handler(LlmOptions options, Scheduler scheduler) {
        Objects.requireNonNull(options, "options");
        Objects.requireNonNull(scheduler, "scheduler");
        if (options.url() == null || options.model() == null) {
            throw new IllegalArgumentException("the openai handler needs --llm-url and --llm-model");
        }
        return new OpenAiHandler(options, scheduler);
    }
}
