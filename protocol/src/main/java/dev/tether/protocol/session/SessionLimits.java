package dev.tether.protocol.session;

import dev.tether.protocol.Checks;
import java.time.Duration;

/**
 * How long sessions live and how much history they keep. Immutable; build with {@link #builder()}.
 *
 * @param grace         how long a session without a connection is kept; default {@link #DEFAULT_GRACE}
 * @param historyFrames how many sequenced frames (and client messages) a session's log retains, 1 to
 *                      {@link #MAX_HISTORY_FRAMES}; default {@link #DEFAULT_HISTORY_FRAMES}
 * @param historyMaxAge how old a retained frame may get; default {@link #DEFAULT_HISTORY_MAX_AGE}
 */
public record SessionLimits(Duration grace, int historyFrames, Duration historyMaxAge) {

    /** Default grace period for a disconnected session: 5 minutes. */
    public static final Duration DEFAULT_GRACE = Duration.ofMinutes(5);

    /** Default number of frames retained per session: 1000. */
    public static final int DEFAULT_HISTORY_FRAMES = 1000;

    /** Largest number of frames retained per session: 1,000,000. */
    public static final int MAX_HISTORY_FRAMES = 1_000_000;

    /** Default age limit of retained frames: 1 hour. */
    public static final Duration DEFAULT_HISTORY_MAX_AGE = Duration.ofHours(1);

    public SessionLimits {
        Checks.positive("grace", grace);
        Checks.between("historyFrames", historyFrames, 1, MAX_HISTORY_FRAMES);
        Checks.positive("historyMaxAge", historyMaxAge);
    }

    /** The defaults. */
    public static SessionLimits defaults() {
        return builder().build();
    }

    public static Builder builder() {
        return new Builder(defaultsRecord());
    }

    /** A builder starting from these limits. */
    public Builder toBuilder() {
        return new Builder(this);
    }

    private static SessionLimits defaultsRecord() {
        return new SessionLimits(DEFAULT_GRACE, DEFAULT_HISTORY_FRAMES, DEFAULT_HISTORY_MAX_AGE);
    }

    /** Builds {@link SessionLimits}; each setter validates its argument. */
    public static final class Builder {
        private SessionLimits limits;

        private Builder(SessionLimits limits) {
            this.limits = limits;
        }

        /** Grace period of a disconnected session, > 0. */
        public Builder grace(Duration grace) {
            limits = new SessionLimits(grace, limits.historyFrames, limits.historyMaxAge);
            return this;
        }

        /** Frames retained per session, 1 to {@link #MAX_HISTORY_FRAMES}. */
        public Builder historyFrames(int historyFrames) {
            limits = new SessionLimits(limits.grace, historyFrames, limits.historyMaxAge);
            return this;
        }

        /** Age limit of retained frames, > 0. */
        public Builder historyMaxAge(Duration historyMaxAge) {
            limits = new SessionLimits(limits.grace, limits.historyFrames, historyMaxAge);
            return this;
        }

        public SessionLimits build() {
            return limits;
        }
    }
}
