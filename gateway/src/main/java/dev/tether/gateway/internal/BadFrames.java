package dev.tether.gateway.internal;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;
import reactor.core.scheduler.Scheduler;

/** Counts the bad frames of one connection within a sliding window, to close a client that keeps sending them. */
final class BadFrames {

    private final long windowNanos;
    private final Scheduler scheduler;
    /** When the bad frames within the window arrived (scheduler nanos), oldest first. */
    private final ArrayDeque<Long> arrivals = new ArrayDeque<>();

    BadFrames(Duration window, Scheduler scheduler) {
        this.windowNanos = window.toNanos();
        this.scheduler = scheduler;
    }

    /** Counts one more bad frame; returns how many arrived within the window, this one included. */
    synchronized int add() {
        long now = scheduler.now(TimeUnit.NANOSECONDS);
        arrivals.addLast(now);
        long oldest = now - windowNanos;
        while (!arrivals.isEmpty() && arrivals.peekFirst() - oldest <= 0) {
            arrivals.pollFirst();
        }
        return arrivals.size();
    }
}
