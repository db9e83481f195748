package dev.tether.session.redis.testkit;

import java.time.Duration;
import java.util.function.BooleanSupplier;

/**
 * Waits, bounded, for something a real server does in real time (a key expiring, a process coming back). Not for
 * logic that can run on virtual time.
 */
public final class Eventually {

    private Eventually() {
    }

    /** Polls {@code condition} every 20 ms until it holds; fails with {@code what} after {@code timeout}. */
    public static void await(String what, Duration timeout, BooleanSupplier condition) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not within " + timeout + ": " + what);
            }
            RedisServer.sleep(20);
        }
    }
}
