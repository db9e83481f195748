package dev.tether.gateway.internal;

import dev.tether.gateway.LimitsOptions;
import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;
import reactor.core.scheduler.Scheduler;

/**
 * The limits per client address ({@link ClientAddress}) on one node: WebSocket upgrades per second, a token bucket
 * per address, connections open at once (either off at 0), and refused tokens per minute before a cool-down.
 * Thread-safe.
 */
final class AddressLimits {

    /** Null while the rate is not limited. */
    private final TokenBuckets handshakes;
    /** Null while connections are not limited. */
    private final Counts connections;
    private final AddressFailures failedAuth;

    AddressLimits(LimitsOptions options, int trackedAddresses, Scheduler scheduler) {
        this.failedAuth = new AddressFailures(options.failedAuthLimit(), LimitsOptions.FAILED_AUTH_WINDOW,
                options.failedAuthCooldown(), trackedAddresses, scheduler);
        this.handshakes = options.addressHandshakeRate() == 0 ? null
                : TokenBuckets.perSecond(options.addressHandshakeRate(), options.addressHandshakeBurst(),
                        trackedAddresses, scheduler);
        this.connections = options.maxConnectionsPerAddress() == 0 ? null
                : new Counts(options.maxConnectionsPerAddress());
    }

    /**
     * Counts an upgrade from {@code address}: {@link Duration#ZERO} when it is within the rate, else the
     * retry-after hint for its refusal, between the wait for the address's next token and twice it, so that the
     * refused do not all come back at once.
     */
    Duration handshake(String address) {
        if (handshakes == null) {
            return Duration.ZERO;
        }
        Duration wait = handshakes.take(address);
        if (wait.isZero()) {
            return wait;
        }
        long millis = Math.max(1, wait.toMillis());
        return Duration.ofMillis(millis + ThreadLocalRandom.current().nextLong(millis + 1));
    }

    /** Counts a connection in; {@code false} when the address has its limit open already (nothing counted). */
    boolean connect(String address) {
        return connections == null || connections.acquire(address);
    }

    /** Counts a connection out; once for each {@link #connect} that returned {@code true}. */
    void disconnect(String address) {
        if (connections != null) {
            connections.release(address);
        }
    }

    /** Connections whose token was refused, per address: guessing tokens costs the guesser. */
    AddressFailures failedAuth() {
        return failedAuth;
    }

    /** Connections open at once per address, 0 for no limit. */
    int maxConnections() {
        return connections == null ? 0 : connections.limit();
    }

    /** Addresses with open connections now, while connections are limited. */
    int addressesConnected() {
        return connections == null ? 0 : connections.size();
    }
}
