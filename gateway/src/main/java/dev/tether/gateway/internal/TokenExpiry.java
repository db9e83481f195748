package dev.tether.gateway.internal;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import reactor.core.Disposable;
import reactor.core.Disposables;
import reactor.core.scheduler.Scheduler;

/**
 * The end of one connection's credential: one timer, set for the deadline of the token presented last and moved by
 * every accepted refresh, that runs {@code expired} once if no refresh came in time.
 *
 * <p>The deadline is wall-clock time (a token's {@code exp}), read from the injected {@link Clock}; the wait is
 * measured on the injected {@link Scheduler}, so that both run on virtual time in tests. On firing, the timer looks
 * at the clock again and waits for what is left if a refresh moved the deadline meanwhile.
 */
final class TokenExpiry implements Disposable {

    private final Scheduler scheduler;
    private final Clock clock;
    private final Runnable expired;
    private final Disposable.Swap timer = Disposables.swap();
    private volatile Instant deadline;

    /** @param expired ends the connection; runs at most once */
    TokenExpiry(Scheduler scheduler, Clock clock, Runnable expired) {
        this.scheduler = scheduler;
        this.clock = clock;
        this.expired = expired;
    }

    /** Sets the deadline to {@code deadline}, earlier or later than the one set before. */
    void until(Instant deadline) {
        this.deadline = deadline;
        check();
    }

    /** The deadline set last, or {@code null} before the first. */
    Instant deadline() {
        return deadline;
    }

    private void check() {
        if (timer.isDisposed()) {
            return;
        }
        Duration left = Duration.between(clock.instant(), deadline);
        if (left.isNegative() || left.isZero()) {
            dispose();
            expired.run();
        } else {
            timer.update(scheduler.schedule(this::check, left.toNanos(), TimeUnit.NANOSECONDS));
        }
    }

    @Override
    public void dispose() {
        timer.dispose();
    }

    @Override
    public boolean isDisposed() {
        return timer.isDisposed();
    }
}
