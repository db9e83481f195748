package dev.tether.protocol.session;

import dev.tether.protocol.Checks;
import java.time.Duration;

/**
 * How long sessions live and how much history they keep. Immutable; build with {@link #builder()}.
 *
 * @param grace         how long a session without a connection is kept once it has been used; default
 *                      {@link #DEFAULT_GRACE}
 * @param historyFrames how many sequenced frames (and client messages) a session's log retains, 1 to
 *                      {@link #MAX_HISTORY_FRAMES}; default {@link #DEFAULT_HISTORY_FRAMES}
 * @param historyMaxAge how old a retained frame may get; default {@link #DEFAULT_HISTORY_MAX_AGE}
 * @param unusedGrace   how long a session without a connection is kept while it has never been used: nothing
 *                      stored in it and never resumed (the sessions a failed resume or an abandoned client leaves);
 *                      the shorter of this and {@code grace} applies; default {@link #DEFAULT_UNUSED_GRACE}
 * @param historyBytes  how many bytes of frames, and as many of client messages, a session retains, counting each
 *                      by its JSON encoding in UTF-8, {@link #MIN_HISTORY_BYTES} to {@link #MAX_HISTORY_BYTES};
 *                      an entry larger than this on its own is not retained; default {@link #DEFAULT_HISTORY_BYTES}
 * @param maxStateBytes how large a session's state ({@link SessionState}) may be, counted by its JSON encoding in
 *                      UTF-8, {@link #MIN_STATE_BYTES} to {@link #MAX_STATE_BYTES}; default
 *                      {@link #DEFAULT_MAX_STATE_BYTES}
 */
public record SessionLimits(Duration grace, int historyFrames, Duration historyMaxAge, Duration unusedGrace,
                            long historyBytes, int maxStateBytes) {

    /** Default grace period for a disconnected session: 5 minutes. */
    public static final Duration DEFAULT_GRACE = Duration.ofMinutes(5);

    /** Default number of frames retained per session: 1000. */
    public static final int DEFAULT_HISTORY_FRAMES = 1000;

    /** Largest number of frames retained per session: 1,000,000. */
    public static final int MAX_HISTORY_FRAMES = 1_000_000;

    /** Default age limit of retained frames: 1 hour. */
    public static final Duration DEFAULT_HISTORY_MAX_AGE = Duration.ofHours(1);

    /** Default grace period for a disconnected session that was never used: 30 seconds. */
    public static final Duration DEFAULT_UNUSED_GRACE = Duration.ofSeconds(30);

    /**
     * Default bytes of frames, and as many of client messages, retained per session: 32 KiB each, so that 100,000
     * sessions hold at most about 6.1 GiB of history between them.
     */
    public static final long DEFAULT_HISTORY_BYTES = 32 * 1024;

    /** Smallest byte bound of a session's history: 1 KiB. */
    public static final long MIN_HISTORY_BYTES = 1024;

    /** Largest byte bound of a session's history: 1 GiB. */
    public static final long MAX_HISTORY_BYTES = 1024L * 1024 * 1024;

    /** Default bound of a session's state: 16 KiB. */
    public static final int DEFAULT_MAX_STATE_BYTES = 16 * 1024;

    /** Smallest bound of a session's state: 2 bytes, the empty object {@code {}}. */
    public static final int MIN_STATE_BYTES = 2;

    /** Largest bound of a session's state: 1 MiB. */
    public static final int MAX_STATE_BYTES = 1024 * 1024;

    public SessionLimits {
        Checks.positive("grace", grace);
        Checks.between("historyFrames", historyFrames, 1, MAX_HISTORY_FRAMES);
        Checks.positive("historyMaxAge", historyMaxAge);
        Checks.positive("unusedGrace", unusedGrace);
        Checks.between("historyBytes", historyBytes, MIN_HISTORY_BYTES, MAX_HISTORY_BYTES);
        Checks.between("maxStateBytes", maxStateBytes, MIN_STATE_BYTES, MAX_STATE_BYTES);
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

    /** The grace period of a disconnected session: {@code grace} once used, else the shorter of both graces. */
    public Duration graceFor(boolean used) {
        return used || grace.compareTo(unusedGrace) <= 0 ? grace : unusedGrace;
    }

    private static SessionLimits defaultsRecord() {
        return new SessionLimits(DEFAULT_GRACE, DEFAULT_HISTORY_FRAMES, DEFAULT_HISTORY_MAX_AGE, DEFAULT_UNUSED_GRACE,
                DEFAULT_HISTORY_BYTES, DEFAULT_MAX_STATE_BYTES);
    }

    /** Builds {@link SessionLimits}; each setter validates its argument. */
    public static final class Builder {
        private SessionLimits limits;

        private Builder(SessionLimits limits) {
            this.limits = limits;
        }

        /** Grace period of a disconnected session, > 0. */
        public Builder grace(Duration grace) {
            limits = new SessionLimits(grace, limits.historyFrames, limits.historyMaxAge, limits.unusedGrace,
                    limits.historyBytes, limits.maxStateBytes);
            return this;
        }

        /** Frames retained per session, 1 to {@link #MAX_HISTORY_FRAMES}. */
        public Builder historyFrames(int historyFrames) {
            limits = new SessionLimits(limits.grace, historyFrames, limits.historyMaxAge, limits.unusedGrace,
                    limits.historyBytes, limits.maxStateBytes);
            return this;
        }

        /** Age limit of retained frames, > 0. */
        public Builder historyMaxAge(Duration historyMaxAge) {
            limits = new SessionLimits(limits.grace, limits.historyFrames, historyMaxAge, limits.unusedGrace,
                    limits.historyBytes, limits.maxStateBytes);
            return this;
        }

        /** Grace period of a disconnected session never used, > 0. */
        public Builder unusedGrace(Duration unusedGrace) {
            limits = new SessionLimits(limits.grace, limits.historyFrames, limits.historyMaxAge, unusedGrace,
                    limits.historyBytes, limits.maxStateBytes);
            return this;
        }

        /** Bytes of frames, and of client messages, retained per session, {@link #MIN_HISTORY_BYTES} and up. */
        public Builder historyBytes(long historyBytes) {
            limits = new SessionLimits(limits.grace, limits.historyFrames, limits.historyMaxAge, limits.unusedGrace,
                    historyBytes, limits.maxStateBytes);
            return this;
        }

        /** Bound of a session's state in bytes, {@link #MIN_STATE_BYTES} to {@link #MAX_STATE_BYTES}. */
        public Builder maxStateBytes(int maxStateBytes) {
            limits = new SessionLimits(limits.grace, limits.historyFrames, limits.historyMaxAge, limits.unusedGrace,
                    limits.historyBytes, maxStateBytes);
            return this;
        }

        public SessionLimits build() {
            return limits;
        }
    }
}
