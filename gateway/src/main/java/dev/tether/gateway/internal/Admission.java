package dev.tether.gateway.internal;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import reactor.core.Disposable;
import reactor.core.publisher.Mono;
import reactor.core.publisher.MonoSink;
import reactor.core.scheduler.Scheduler;

/**
 * Bounds the handshakes in progress on one node (from the WebSocket upgrade to {@code welcome}), so that a
 * reconnection storm cannot knock the node over.
 *
 * <p>Beyond the limit a connection waits in a bounded queue, without a thread, for a place: the node keeps working at
 * full speed through a storm instead of idling between refusals. Only when the queue is full, or a place does not
 * come within the longest wait, is the connection refused; the client is then told to come back after a random
 * time between the retry-after hint and twice it, which spreads the storm out.
 */
final class Admission {

    private static final int WAITING = 0;
    private static final int GRANTED = 1;
    private static final int GONE = 2;

    private final int limit;
    private final int queueLimit;
    private final Duration maxWait;
    private final Duration retryAfter;
    private final Scheduler scheduler;
    private final ArrayDeque<Waiter> queue = new ArrayDeque<>();
    private final LongAdder refused = new LongAdder();
    private int inProgress;

    Admission(int limit, int queueLimit, Duration maxWait, Duration retryAfter, Scheduler scheduler) {
        this.limit = limit;
        this.queueLimit = queueLimit;
        this.maxWait = maxWait;
        this.retryAfter = retryAfter;
        this.scheduler = scheduler;
    }

    /**
     * Emits {@code true} once the caller holds a place (give it back with {@link #release()}), or {@code false} when
     * it is refused. Cancelling gives back a place that was granted but not yet delivered.
     */
    Mono<Boolean> acquire() {
        return Mono.create(sink -> {
            Waiter waiter;
            synchronized (this) {
                if (inProgress < limit) {
                    inProgress++;
                    sink.success(true);
                    return;
                }
                if (queue.size() >= queueLimit) {
                    refused.increment();
                    sink.success(false);
                    return;
                }
                waiter = new Waiter(sink);
                queue.addLast(waiter);
            }
            Disposable timer = scheduler.schedule(() -> {
                if (waiter.leave()) {
                    refused.increment();
                    sink.success(false);
                }
            }, maxWait.toMillis(), TimeUnit.MILLISECONDS);
            sink.onCancel(() -> {
                timer.dispose();
                if (!waiter.leave() && waiter.state.get() == GRANTED) {
                    // Granted while being cancelled: the place never reached the caller, so pass it on.
                    release();
                }
            });
        });
    }

    /** Gives back a place: to the longest waiting connection, if any. */
    void release() {
        while (true) {
            Waiter next;
            synchronized (this) {
                next = queue.pollFirst();
                if (next == null) {
                    inProgress--;
                    return;
                }
            }
            // The place passes to the next waiter unless it has just timed out or gone.
            if (next.state.compareAndSet(WAITING, GRANTED)) {
                next.sink.success(true);
                return;
            }
        }
    }

    /** The hint for a refused client: between the configured retry-after and twice it. */
    Duration retryAfter() {
        long base = retryAfter.toMillis();
        return Duration.ofMillis(base + ThreadLocalRandom.current().nextLong(base + 1));
    }

    int limit() {
        return limit;
    }

    synchronized int inProgress() {
        return inProgress;
    }

    synchronized int queued() {
        return queue.size();
    }

    long refused() {
        return refused.sum();
    }

    private final class Waiter {
        final MonoSink<Boolean> sink;
        final AtomicInteger state = new AtomicInteger(WAITING);

        Waiter(MonoSink<Boolean> sink) {
            this.sink = sink;
        }

        /** Leaves the queue if still waiting; {@code false} if a place was granted or it left already. */
        boolean leave() {
            if (!state.compareAndSet(WAITING, GONE)) {
                return false;
            }
            synchronized (Admission.this) {
                queue.remove(this);
            }
            return true;
        }
    }
}
