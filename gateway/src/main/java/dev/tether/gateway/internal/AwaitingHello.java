package dev.tether.gateway.internal;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.concurrent.TimeUnit;
import reactor.core.Disposable;
import reactor.core.scheduler.Scheduler;

/**
 * The connections of one node that are upgraded but have not sent {@code hello} yet: at most a limit of them, each
 * for at most the hello timeout.
 *
 * <p>They hold no handshake place (that is taken at {@code hello}), so silent connections cannot starve clients that
 * speak. Their deadlines cost one timer for the whole node, not one per connection: all wait the same time, so the
 * order of arrival is the order of the deadlines, and one sweep at the oldest deadline expires every connection due
 * and sets itself for the next, at least {@link #SWEEP_RESOLUTION} later: a storm of silent connections costs a
 * bounded number of sweeps per second, each connection being closed at most that much after its deadline.
 */
final class AwaitingHello implements Disposable {

    /** The least time between two sweeps, and so the most a connection waits beyond its deadline. */
    static final Duration SWEEP_RESOLUTION = Duration.ofMillis(100);

    private final int limit;
    private final long timeoutNanos;
    private final Scheduler scheduler;
    /** In order of arrival, which is the order of their deadlines. Guarded by this. */
    private final LinkedHashSet<Waiter> waiting = new LinkedHashSet<>();
    /** The sweep set for the oldest deadline, or null when none is. Guarded by this. */
    private Disposable sweep;
    private boolean disposed;

    /** One connection waiting for its {@code hello}. */
    static final class Waiter {
        private final long deadline;
        private final Runnable expire;

        private Waiter(long deadline, Runnable expire) {
            this.deadline = deadline;
            this.expire = expire;
        }
    }

    AwaitingHello(int limit, Duration timeout, Scheduler scheduler) {
        this.limit = limit;
        this.timeoutNanos = timeout.toNanos();
        this.scheduler = scheduler;
    }

    /**
     * Counts in a connection just upgraded; {@code expire} runs once if it is still waiting at its deadline. Returns
     * null when the node already has its limit of connections waiting: refuse this one.
     */
    synchronized Waiter enter(Runnable expire) {
        if (disposed || waiting.size() >= limit) {
            return null;
        }
        Waiter waiter = new Waiter(scheduler.now(TimeUnit.NANOSECONDS) + timeoutNanos, expire);
        waiting.add(waiter);
        if (sweep == null) {
            sweep = scheduler.schedule(this::sweep, timeoutNanos, TimeUnit.NANOSECONDS);
        }
        return waiter;
    }

    /**
     * Counts out a connection that sent {@code hello} or ended; {@code false} if it was no longer waiting (it
     * expired, and is being closed).
     */
    synchronized boolean leave(Waiter waiter) {
        return waiting.remove(waiter);
    }

    synchronized int count() {
        return waiting.size();
    }

    int limit() {
        return limit;
    }

    private void sweep() {
        List<Waiter> expired = new ArrayList<>();
        synchronized (this) {
            sweep = null;
            if (disposed) {
                return;
            }
            long now = scheduler.now(TimeUnit.NANOSECONDS);
            Iterator<Waiter> oldestFirst = waiting.iterator();
            while (oldestFirst.hasNext()) {
                Waiter waiter = oldestFirst.next();
                long left = waiter.deadline - now;
                if (left > 0) {
                    sweep = scheduler.schedule(this::sweep, Math.max(left, SWEEP_RESOLUTION.toNanos()),
                            TimeUnit.NANOSECONDS);
                    break;
                }
                oldestFirst.remove();
                expired.add(waiter);
            }
        }
        // Outside the lock: closing a connection must not hold up the connections arriving meanwhile.
        expired.forEach(waiter -> waiter.expire.run());
    }

    @Override
    public synchronized void dispose() {
        disposed = true;
        if (sweep != null) {
            sweep.dispose();
            sweep = null;
        }
    }

    @Override
    public synchronized boolean isDisposed() {
        return disposed;
    }
}
