package dev.tether.gateway;

import dev.tether.protocol.Checks;
import java.time.Duration;

/**
 * How many handshakes a gateway node runs at once and how it queues or refuses the rest. Immutable; build with
 * {@link #builder()}.
 *
 * @param maxHandshakes       handshakes in progress at once ({@code hello} to {@code welcome}) before new ones wait
 *                            for a place; default {@link #DEFAULT_MAX_HANDSHAKES}
 * @param handshakeQueue      connections that may wait for a place before more are refused with 1013;
 *                            default {@link #DEFAULT_HANDSHAKE_QUEUE}
 * @param handshakeQueueWait  longest wait for a place before a refusal; default {@link #DEFAULT_HANDSHAKE_QUEUE_WAIT}
 * @param handshakeRetryAfter the least retry-after hint of a refused handshake; each refusal hints a random time
 *                            between this and twice this, so that refused clients do not all come back at once;
 *                            default {@link #DEFAULT_HANDSHAKE_RETRY_AFTER}
 * @param maxAwaitingHello    connections upgraded that have not sent {@code hello} yet (they hold no handshake
 *                            place) before more are refused with 1013; default {@link #DEFAULT_MAX_AWAITING_HELLO}
 */
public record AdmissionOptions(int maxHandshakes, int handshakeQueue, Duration handshakeQueueWait,
                               Duration handshakeRetryAfter, int maxAwaitingHello) {

    /** Default limit on handshakes in progress at once on one node: 256. */
    public static final int DEFAULT_MAX_HANDSHAKES = 256;
    /** Default number of connections that may wait for a handshake place: 8192. */
    public static final int DEFAULT_HANDSHAKE_QUEUE = 8192;
    /** Default longest wait for a handshake place before a connection is refused with 1013: 5 seconds. */
    public static final Duration DEFAULT_HANDSHAKE_QUEUE_WAIT = Duration.ofSeconds(5);
    /** Default least retry-after hint for a refused handshake: 1 second. */
    public static final Duration DEFAULT_HANDSHAKE_RETRY_AFTER = Duration.ofSeconds(1);
    /** Default limit on connections upgraded that have not sent {@code hello} yet, on one node: 10,000. */
    public static final int DEFAULT_MAX_AWAITING_HELLO = 10_000;

    public AdmissionOptions {
        Checks.between("maxHandshakes", maxHandshakes, 1, 100_000);
        Checks.between("handshakeQueue", handshakeQueue, 0, 1_000_000);
        Checks.between("handshakeQueueWait", handshakeQueueWait, Duration.ofMillis(1), Duration.ofMinutes(1));
        Checks.between("handshakeRetryAfter", handshakeRetryAfter, Duration.ofMillis(10), Duration.ofMinutes(5));
        Checks.between("maxAwaitingHello", maxAwaitingHello, 1, 10_000_000);
    }

    /** The defaults. */
    public static AdmissionOptions defaults() {
        return new AdmissionOptions(DEFAULT_MAX_HANDSHAKES, DEFAULT_HANDSHAKE_QUEUE, DEFAULT_HANDSHAKE_QUEUE_WAIT,
                DEFAULT_HANDSHAKE_RETRY_AFTER, DEFAULT_MAX_AWAITING_HELLO);
    }

    public static Builder builder() {
        return new Builder(defaults());
    }

    /** A builder starting from these options. */
    public Builder toBuilder() {
        return new Builder(this);
    }

    /** Builds {@link AdmissionOptions}; each setter validates its argument. */
    public static final class Builder {
        private AdmissionOptions o;

        private Builder(AdmissionOptions options) {
            this.o = options;
        }

        /** Handshakes in progress at once before new connections wait for a place, 1 to 100,000. */
        public Builder maxHandshakes(int maxHandshakes) {
            o = new AdmissionOptions(maxHandshakes, o.handshakeQueue, o.handshakeQueueWait, o.handshakeRetryAfter,
                    o.maxAwaitingHello);
            return this;
        }

        /** Connections that may wait for a handshake place, 0 (refuse at once) to 1,000,000. */
        public Builder handshakeQueue(int handshakeQueue) {
            o = new AdmissionOptions(o.maxHandshakes, handshakeQueue, o.handshakeQueueWait, o.handshakeRetryAfter,
                    o.maxAwaitingHello);
            return this;
        }

        /** Longest wait for a handshake place, 1 ms to 1 minute. */
        public Builder handshakeQueueWait(Duration handshakeQueueWait) {
            o = new AdmissionOptions(o.maxHandshakes, o.handshakeQueue, handshakeQueueWait, o.handshakeRetryAfter,
                    o.maxAwaitingHello);
            return this;
        }

        /** The least retry-after hint of a refused handshake, 10 ms to 5 minutes. */
        public Builder handshakeRetryAfter(Duration handshakeRetryAfter) {
            o = new AdmissionOptions(o.maxHandshakes, o.handshakeQueue, o.handshakeQueueWait, handshakeRetryAfter,
                    o.maxAwaitingHello);
            return this;
        }

        /** Connections upgraded that have not sent {@code hello} yet, 1 to 10,000,000; more are refused with 1013. */
        public Builder maxAwaitingHello(int maxAwaitingHello) {
            o = new AdmissionOptions(o.maxHandshakes, o.handshakeQueue, o.handshakeQueueWait, o.handshakeRetryAfter,
                    maxAwaitingHello);
            return this;
        }

        public AdmissionOptions build() {
            return o;
        }
    }
}
