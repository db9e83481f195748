package dev.tether.gateway.internal.openai;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * The model server's meters: tokens by kind, time to first token, requests by outcome and status. Recording before
 * {@link #bindTo} (no registry yet) records nothing.
 */
final class LlmMetrics implements MeterBinder {

    private volatile MeterRegistry registry;
    private volatile Counter promptTokens;
    private volatile Counter completionTokens;
    private volatile Timer firstToken;

    @Override
    public void bindTo(MeterRegistry registry) {
        this.promptTokens = tokens(registry, "prompt");
        this.completionTokens = tokens(registry, "completion");
        this.firstToken = Timer.builder("tether.llm.first.token")
                .description("request sent to the first token received, retries included")
                .serviceLevelObjectives(Duration.ofMillis(100), Duration.ofMillis(250), Duration.ofMillis(500),
                        Duration.ofSeconds(1), Duration.ofSeconds(2), Duration.ofSeconds(5), Duration.ofSeconds(10),
                        Duration.ofSeconds(30))
                .publishPercentileHistogram(false)
                .register(registry);
        this.registry = registry;
    }

    private static Counter tokens(MeterRegistry registry, String kind) {
        return Counter.builder("tether.llm.tokens").description("tokens the model server counted, by kind")
                .tag("kind", kind).register(registry);
    }

    void tokens(long prompt, long completion) {
        if (registry != null) {
            promptTokens.increment(prompt);
            completionTokens.increment(completion);
        }
    }

    void firstToken(long nanos) {
        if (registry != null) {
            firstToken.record(nanos, TimeUnit.NANOSECONDS);
        }
    }

    /** One HTTP exchange with the server ended: {@code complete}, {@code failed} or {@code cancelled}. */
    void request(String outcome, int status) {
        MeterRegistry current = registry;
        if (current != null) {
            current.counter("tether.llm.requests", "outcome", outcome, "status",
                    status == 0 ? "none" : Integer.toString(status)).increment();
        }
    }
}
