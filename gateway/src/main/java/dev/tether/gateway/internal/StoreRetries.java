package dev.tether.gateway.internal;

import dev.tether.protocol.session.SessionStoreException;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.util.retry.Retry;

/** Store calls tried again with backoff while the store fails retryably, each for at most a time budget. */
final class StoreRetries {

    /** First wait before a store call that failed is tried again. */
    static final Duration BACKOFF_MIN = Duration.ofMillis(50);
    /** Longest wait between tries of a store call. */
    static final Duration BACKOFF_MAX = Duration.ofSeconds(1);

    private final Scheduler scheduler;

    StoreRetries(Scheduler scheduler) {
        this.scheduler = scheduler;
    }

    /** {@code call}, tried again with backoff while the store fails retryably, for at most {@code budget}. */
    <T> Mono<T> retried(Mono<T> call, Duration budget) {
        return Mono.defer(() -> {
            long deadline = now() + budget.toNanos();
            return call.retryWhen(Retry.backoff(Long.MAX_VALUE, BACKOFF_MIN)
                    .maxBackoff(BACKOFF_MAX)
                    .scheduler(scheduler)
                    .filter(e -> e instanceof SessionStoreException failure && failure.isRetryable()
                            && now() - deadline < 0));
        });
    }

    private long now() {
        return scheduler.now(TimeUnit.NANOSECONDS);
    }
}
