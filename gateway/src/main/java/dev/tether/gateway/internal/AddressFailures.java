package dev.tether.gateway.internal;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import reactor.core.scheduler.Scheduler;

/**
 * Failed attempts counted per client address in fixed windows: an address that failed {@code limit} times within a
 * window is refused until the window ends. For guessing that must be slowed down (wrong API keys), at a cost in
 * memory that does not grow with the guesser's addresses: past {@code maxAddresses} tracked at once, new addresses
 * share one window, so a guesser with many addresses is limited as one.
 */
final class AddressFailures {

    /** The key of the window shared by addresses that find no room. */
    private static final String OVERFLOW = "*";

    private final int limit;
    private final long windowNanos;
    private final int maxAddresses;
    private final Scheduler scheduler;
    private final ConcurrentHashMap<String, Window> windows = new ConcurrentHashMap<>();

    private static final class Window {
        final long start;
        int failures;

        Window(long start) {
            this.start = start;
        }
    }

    AddressFailures(int limit, Duration window, int maxAddresses, Scheduler scheduler) {
        if (limit < 1 || window.isNegative() || window.isZero() || maxAddresses < 1) {
            throw new IllegalArgumentException("limit, window and maxAddresses must be positive, got " + limit + ", "
                    + window + ", " + maxAddresses);
        }
        this.limit = limit;
        this.windowNanos = window.toNanos();
        this.maxAddresses = maxAddresses;
        this.scheduler = scheduler;
    }

    /** How long {@code address} is still refused: zero when it may try. */
    Duration refusedFor(SocketAddress address) {
        Window window = windows.get(key(address));
        if (window == null) {
            window = windows.get(OVERFLOW);
        }
        long now = now();
        if (window == null || now - window.start >= windowNanos) {
            return Duration.ZERO;
        }
        synchronized (window) {
            return window.failures >= limit ? Duration.ofNanos(window.start + windowNanos - now) : Duration.ZERO;
        }
    }

    /** Counts a failed attempt of {@code address}. */
    void failed(SocketAddress address) {
        long now = now();
        String key = key(address);
        if (!windows.containsKey(key) && windows.size() >= maxAddresses) {
            windows.values().removeIf(window -> now - window.start >= windowNanos);
            if (windows.size() >= maxAddresses) {
                key = OVERFLOW;
            }
        }
        Window window = windows.compute(key, (k, current) ->
                current == null || now - current.start >= windowNanos ? new Window(now) : current);
        synchronized (window) {
            window.failures++;
        }
    }

    /** Addresses tracked now, for tests of the bound. */
    int tracked() {
        return windows.size();
    }

    private static String key(SocketAddress address) {
        if (address instanceof InetSocketAddress inet) {
            InetAddress ip = inet.getAddress();
            return ip != null ? ip.getHostAddress() : inet.getHostString();
        }
        return String.valueOf(address);
    }

    private long now() {
        return scheduler.now(TimeUnit.NANOSECONDS);
    }
}
