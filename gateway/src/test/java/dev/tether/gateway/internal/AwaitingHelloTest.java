package dev.tether.gateway.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import reactor.core.Disposable;
import reactor.core.scheduler.Scheduler;
import reactor.test.scheduler.VirtualTimeScheduler;

/** The connections awaiting hello on virtual time: their limit, their deadlines, and the one timer they share. */
class AwaitingHelloTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(5);

    private final VirtualTimeScheduler time = VirtualTimeScheduler.create();
    private final CountingScheduler timers = new CountingScheduler(time);
    private final List<Integer> expired = new CopyOnWriteArrayList<>();

    @AfterEach
    void close() {
        time.dispose();
    }

    @Test
    void refusesBeyondTheLimitUntilOneLeaves() {
        AwaitingHello awaiting = new AwaitingHello(2, TIMEOUT, timers);
        AwaitingHello.Waiter first = awaiting.enter(() -> expired.add(1));
        awaiting.enter(() -> expired.add(2));

        assertThat(awaiting.enter(() -> expired.add(3))).as("the limit is reached").isNull();
        assertThat(awaiting.leave(first)).isTrue();
        assertThat(awaiting.enter(() -> expired.add(4))).isNotNull();
        assertThat(awaiting.count()).isEqualTo(2);
    }

    @Test
    void aConnectionStillWaitingAtItsDeadlineExpiresAndOneThatLeftDoesNot() {
        AwaitingHello awaiting = new AwaitingHello(10, TIMEOUT, timers);
        AwaitingHello.Waiter left = awaiting.enter(() -> expired.add(1));
        awaiting.enter(() -> expired.add(2));
        awaiting.leave(left);

        time.advanceTimeBy(TIMEOUT.minusMillis(1));
        assertThat(expired).isEmpty();
        time.advanceTimeBy(Duration.ofMillis(1));

        assertThat(expired).containsExactly(2);
        assertThat(awaiting.count()).isZero();
        assertThat(awaiting.leave(left)).as("gone already").isFalse();
    }

    @Test
    void aStormOfSilentConnectionsSharesOneTimerAndEachExpiresWithinTheResolution() {
        AwaitingHello awaiting = new AwaitingHello(100_000, TIMEOUT, timers);
        int connections = 10_000;
        long[] expiredAt = new long[connections];
        for (int i = 0; i < connections; i++) {
            int id = i;
            awaiting.enter(() -> expiredAt[id] = time.now(TimeUnit.MILLISECONDS));
            // Arrivals spread over one second.
            time.advanceTimeBy(Duration.ofNanos(100_000));
        }

        time.advanceTimeBy(TIMEOUT.plusSeconds(1));

        long resolution = AwaitingHello.SWEEP_RESOLUTION.toMillis();
        for (int i = 0; i < connections; i++) {
            long deadline = i / 10 + TIMEOUT.toMillis();
            assertThat(expiredAt[i]).as("connection %d", i).isBetween(deadline, deadline + resolution);
        }
        assertThat(timers.scheduled.get()).as("one sweep per resolution, not one timer per connection")
                .isLessThanOrEqualTo(1 + (int) (1000 / resolution) + 1);
        assertThat(awaiting.count()).isZero();
    }

    @Test
    void aDisposedNodeTakesNoMoreAndSweepsNoMore() {
        AwaitingHello awaiting = new AwaitingHello(10, TIMEOUT, timers);
        awaiting.enter(() -> expired.add(1));

        awaiting.dispose();
        time.advanceTimeBy(TIMEOUT);

        assertThat(expired).isEmpty();
        assertThat(awaiting.enter(() -> expired.add(2))).isNull();
    }

    /** Counts the delayed tasks scheduled through it. */
    private static final class CountingScheduler implements Scheduler {
        final AtomicInteger scheduled = new AtomicInteger();
        private final Scheduler delegate;

        CountingScheduler(Scheduler delegate) {
            this.delegate = delegate;
        }

        @Override
        public Disposable schedule(Runnable task) {
            return delegate.schedule(task);
        }

        @Override
        public Disposable schedule(Runnable task, long delay, TimeUnit unit) {
            scheduled.incrementAndGet();
            return delegate.schedule(task, delay, unit);
        }

        @Override
        public long now(TimeUnit unit) {
            return delegate.now(unit);
        }

        @Override
        public Worker createWorker() {
            return delegate.createWorker();
        }
    }
}
