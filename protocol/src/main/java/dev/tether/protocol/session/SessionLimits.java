package dev.tether.protocol.session;

import java.time.Duration;
import java.util.Objects;

/**
 * How long sessions live and how much history they keep. Immutable; build with {@link #builder()}.
 *
 * @param grace         how long a session without a connection is kept; default {@link #DEFAULT_GRACE}
 * @param historyFrames how many sequenced frames (and client messages) a session's log retains;
 *                      default {@link #DEFAULT_HISTORY_FRAMES}
 * @param historyMaxAge how old a retained frame may get; default {@link #DEFAULT_HISTORY_MAX_AGE}
 */
public record SessionLimits(Duration grace, int historyFrames, Duration historyMaxAge) {

    /** Default grace period for a disconnected session: 5 minutes. */
    public static final Duration DEFAULT_GRACE = Duration.ofMinutes(5);

    /** Default number of frames retained per session: 1000. */
    public static final int DEFAULT_HISTORY_FRAMES = 1000;

    /** Default age limit of retained frames: 1 hour. */
    public static final Duration DEFAULT_HISTORY_MAX_AGE = Duration.ofHours(1);

    public SessionLimits {
        requirePositive("grace", grace);
        requirePositive("historyMaxAge", historyMaxAge);
        if (historyFrames < 1) {
            throw new IllegalArgumentException("historyFrames must be >= 1, got " + historyFrames);
        }
    }

    /** The defaults. */
    public static SessionLimits defaults() {
        return builder().build();
    }

    public static Builder builder() {
        return new Builder();
    }

    /** A builder starting from these limits. */
    public Builder toBuilder() {
        return new Builder().grace(grace).historyFrames(historyFrames).historyMaxAge(historyMaxAge);
    }

    private static void requirePositive(String name, Duration value) {
        Objects.requireNonNull(value, name);
        if (value.isNegative() || value.isZero()) {
            throw new IllegalArgumentException(name + " must be > 0, got " + value);
        }
    }

    /** Builds {@link SessionLimits}; each setter validates its argument. */
    public static final class Builder {
        private Duration grace = DEFAULT_GRACE;
        private int historyFrames = DEFAULT_HISTORY_FRAMES;
        private Duration historyMaxAge = DEFAULT_HISTORY_MAX_AGE;

        private Builder() {
        }

        /** Grace period of a disconnected session, > 0. */
        public Builder grace(Duration grace) {
            requirePositive("grace", grace);
            this.grace = grace;
            return this;
        }

        /** Frames retained per session, >= 1. */
        public Builder historyFrames(int historyFrames) {
            if (historyFrames < 1) {
                throw new IllegalArgumentException("historyFrames must be >= 1, got " + historyFrames);
            }
            this.historyFrames = historyFrames;
            return this;
        }

        /** Age limit of retained frames, > 0. */
        public Builder historyMaxAge(Duration historyMaxAge) {
            requirePositive("historyMaxAge", historyMaxAge);
            this.historyMaxAge = historyMaxAge;
            return this;
        }

        public SessionLimits build() {
            return new SessionLimits(grace, historyFrames, historyMaxAge);
        }
    }
}
