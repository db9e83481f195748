package dev.tether.gateway;

import dev.tether.protocol.Checks;
import java.time.Duration;

/**
 * How a node leaves on SIGTERM ({@link GatewayHandle#drain()}): it turns not ready, waits for the load balancer to
 * notice, then closes its connections with 1012 one after the other, spread evenly over the drain time, so that the
 * other nodes take them over as a trickle instead of a herd. Immutable; build with {@link #builder()}.
 *
 * @param delay how long the node reports not ready ({@code /health} 503) before it closes its first connection, so
 *              that the load balancer stops sending new connections to it; default {@link #DEFAULT_DELAY}
 * @param time  the time over which the connections are closed, evenly spread; zero closes them all at once;
 *              default {@link #DEFAULT_TIME}
 */
public record DrainOptions(Duration delay, Duration time) {

    /** Default wait between turning not ready and the first close: 5 seconds. */
    public static final Duration DEFAULT_DELAY = Duration.ofSeconds(5);
    /** Default time over which the connections are closed: 30 seconds. */
    public static final Duration DEFAULT_TIME = Duration.ofSeconds(30);
    /** Longest accepted delay: 10 minutes. */
    public static final Duration MAX_DELAY = Duration.ofMinutes(10);
    /** Longest accepted drain time: 1 hour. */
    public static final Duration MAX_TIME = Duration.ofHours(1);

    public DrainOptions {
        Checks.between("delay", delay, Duration.ZERO, MAX_DELAY);
        Checks.between("time", time, Duration.ZERO, MAX_TIME);
    }

    /** The defaults. */
    public static DrainOptions defaults() {
        return new DrainOptions(DEFAULT_DELAY, DEFAULT_TIME);
    }

    /** No delay and no spreading: every connection is closed at once, as {@link GatewayHandle#shutdown} does. */
    public static DrainOptions immediate() {
        return new DrainOptions(Duration.ZERO, Duration.ZERO);
    }

    public static Builder builder() {
        return new Builder(defaults());
    }

    /** A builder starting from these options. */
    public Builder toBuilder() {
        return new Builder(this);
    }

    /** Builds {@link DrainOptions}; each setter validates its argument. */
    public static final class Builder {
        private DrainOptions o;

        private Builder(DrainOptions options) {
            this.o = options;
        }

        /** How long the node reports not ready before its first close, 0 to {@link #MAX_DELAY}. */
        public Builder delay(Duration delay) {
            o = new DrainOptions(delay, o.time);
            return this;
        }

        /** The time over which the connections are closed, 0 (all at once) to {@link #MAX_TIME}. */
        public Builder time(Duration time) {
            o = new DrainOptions(o.delay, time);
            return this;
        }

        public DrainOptions build() {
            return o;
        }
    }
}
