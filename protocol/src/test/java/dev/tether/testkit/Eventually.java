package dev.tether.testkit;

import java.time.Duration;
import java.util.function.BooleanSupplier;

/**
 * Waits, bounded, for something a real process does in real time (a key expiring, a server starting to listen, a
 * socket being forgotten). Not for logic that can run on virtual time.
 */
public final class Eventually {

    /** How often {@link #await(String, Duration, BooleanSupplier)} asks again: 20 ms. */
    public static final Duration POLL_INTERVAL = Duration.ofMillis(20);

    private Eventually() {
    }

    /** Asks {@code condition} every {@link #POLL_INTERVAL} until it holds; fails naming {@code what} at the timeout. */
    public static void await(String what, Duration timeout, BooleanSupplier condition) {
        await(what, timeout, POLL_INTERVAL, condition);
    }

    /**
     * Asks {@code condition} every {@code interval} until it holds; fails naming {@code what} after {@code timeout}.
     * An exception from {@code condition} ends the wait at once (a process that exited will not start listening).
     */
    public static void await(String what, Duration timeout, Duration interval, BooleanSupplier condition) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("not within " + timeout + ": " + what);
            }
            sleep(interval.toMillis());
        }
    }

    /** Sleeps; for polling a real process, never for timing logic under test. */
    public static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
