package dev.tether.gateway;

import dev.tether.protocol.Checks;
import java.time.Duration;

/**
 * How a gateway node guards the replies it produces and the client events it handles. Immutable; build with
 * {@link #builder()}.
 *
 * @param lease    lease on a reply being produced or a client event being handled, renewed at a third of it while
 *                 the work runs; a node also checks the sessions it holds for lapsed leases (replies whose producer
 *                 died, events whose handler's node died) this often; default {@link #DEFAULT_LEASE}
 * @param maxPause longest time a reply waits for an unreachable store before it ends {@code failed};
 *                 default {@link #DEFAULT_MAX_PAUSE}
 */
public record ReplyOptions(Duration lease, Duration maxPause) {

    /** Default lease on a reply being produced or a client event being handled: 30 seconds. */
    public static final Duration DEFAULT_LEASE = Duration.ofSeconds(30);
    /** Default longest pause of a reply waiting for an unreachable store: 30 seconds. */
    public static final Duration DEFAULT_MAX_PAUSE = Duration.ofSeconds(30);

    public ReplyOptions {
        Checks.between("lease", lease, Duration.ofMillis(300), Duration.ofHours(1));
        Checks.between("maxPause", maxPause, Duration.ZERO, Duration.ofHours(1));
    }

    /** The defaults. */
    public static ReplyOptions defaults() {
        return new ReplyOptions(DEFAULT_LEASE, DEFAULT_MAX_PAUSE);
    }

    public static Builder builder() {
        return new Builder(defaults());
    }

    /** A builder starting from these options. */
    public Builder toBuilder() {
        return new Builder(this);
    }

    /** Builds {@link ReplyOptions}; each setter validates its argument. */
    public static final class Builder {
        private ReplyOptions o;

        private Builder(ReplyOptions options) {
            this.o = options;
        }

        /** Lease on a reply being produced or a client event being handled, 300 ms to 1 hour. */
        public Builder lease(Duration lease) {
            o = new ReplyOptions(lease, o.maxPause);
            return this;
        }

        /** Longest pause of a reply waiting for an unreachable store, 0 to 1 hour. */
        public Builder maxPause(Duration maxPause) {
            o = new ReplyOptions(o.lease, maxPause);
            return this;
        }

        public ReplyOptions build() {
            return o;
        }
    }
}
