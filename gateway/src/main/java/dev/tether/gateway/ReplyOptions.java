package dev.tether.gateway;

import dev.tether.protocol.Checks;
import java.time.Duration;

/**
 * How a gateway node guards the replies it produces and the client events it handles. Immutable; build with
 * {@link #builder()}.
 *
 * @param lease            lease on a reply being produced or a client event being handled, renewed at a third of it
 *                         while the work runs; a node also checks the sessions it holds for lapsed leases (replies
 *                         whose producer died, events whose handler's node died) this often; default
 *                         {@link #DEFAULT_LEASE}
 * @param maxPause         longest time a reply waits for an unreachable store before it ends {@code failed};
 *                         default {@link #DEFAULT_MAX_PAUSE}
 * @param nodeTtl          how long a node's liveness record lasts unless refreshed (at a third of it); a node whose
 *                         record lapsed is dead, and its replies are taken over by another node; default
 *                         {@link #DEFAULT_NODE_TTL}
 * @param maxContinuations how many times a reply may be taken over from a dead node and continued; once more, it ends
 *                         {@code interrupted}; default {@link #DEFAULT_MAX_CONTINUATIONS}
 */
public record ReplyOptions(Duration lease, Duration maxPause, Duration nodeTtl, int maxContinuations) {

    /** Default lease on a reply being produced or a client event being handled: 30 seconds. */
    public static final Duration DEFAULT_LEASE = Duration.ofSeconds(30);
    /** Default longest pause of a reply waiting for an unreachable store: 30 seconds. */
    public static final Duration DEFAULT_MAX_PAUSE = Duration.ofSeconds(30);
    /** Default time a node's liveness record lasts unless refreshed: 3 seconds. */
    public static final Duration DEFAULT_NODE_TTL = Duration.ofSeconds(3);
    /** Default number of times a reply may be continued after its node died: 2. */
    public static final int DEFAULT_MAX_CONTINUATIONS = 2;

    public ReplyOptions {
        Checks.between("lease", lease, Duration.ofMillis(300), Duration.ofHours(1));
        Checks.between("maxPause", maxPause, Duration.ZERO, Duration.ofHours(1));
        Checks.between("nodeTtl", nodeTtl, Duration.ofMillis(300), Duration.ofMinutes(5));
        Checks.between("maxContinuations", maxContinuations, 0, 100);
    }

    /** The defaults. */
    public static ReplyOptions defaults() {
        return new ReplyOptions(DEFAULT_LEASE, DEFAULT_MAX_PAUSE, DEFAULT_NODE_TTL, DEFAULT_MAX_CONTINUATIONS);
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
            o = new ReplyOptions(lease, o.maxPause, o.nodeTtl, o.maxContinuations);
            return this;
        }

        /** Longest pause of a reply waiting for an unreachable store, 0 to 1 hour. */
        public Builder maxPause(Duration maxPause) {
            o = new ReplyOptions(o.lease, maxPause, o.nodeTtl, o.maxContinuations);
            return this;
        }

        /** How long a node's liveness record lasts unless refreshed, 300 ms to 5 minutes. */
        public Builder nodeTtl(Duration nodeTtl) {
            o = new ReplyOptions(o.lease, o.maxPause, nodeTtl, o.maxContinuations);
            return this;
        }

        /** How many times a reply may be continued after its node died, 0 to 100. */
        public Builder maxContinuations(int maxContinuations) {
            o = new ReplyOptions(o.lease, o.maxPause, o.nodeTtl, maxContinuations);
            return this;
        }

        public ReplyOptions build() {
            return o;
        }
    }
}
