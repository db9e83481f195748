package dev.tether.gateway;

import dev.tether.protocol.Checks;
import java.time.Duration;

/**
 * How a gateway node limits failed resumes per client address, so that guessing session tokens costs the guesser.
 * Immutable; build with {@link #builder()}.
 *
 * <p>A resume fails here when its session is not found or its token does not match; a resume refused for history
 * reasons had the right token and does not count. Past the limit within the window, the address's resumes are closed
 * with 1008 for the cool-down, without touching the store or creating a session.
 *
 * @param failedResumeLimit    failed resumes from one address within {@code failedResumeWindow} that start its
 *                             cool-down; default {@link #DEFAULT_FAILED_RESUME_LIMIT}
 * @param failedResumeWindow   the window in which failed resumes are counted;
 *                             default {@link #DEFAULT_FAILED_RESUME_WINDOW}
 * @param failedResumeCooldown how long an address over the limit has its resumes refused;
 *                             default {@link #DEFAULT_FAILED_RESUME_COOLDOWN}
 * @param trackedAddresses     addresses remembered at once, by this limit and by the handshake rate per address
 *                             ({@link LimitsOptions}) each; when full, the one heard from least recently is
 *                             forgotten, which bounds the table's memory; default {@link #DEFAULT_TRACKED_ADDRESSES}
 */
public record ResumeOptions(int failedResumeLimit, Duration failedResumeWindow, Duration failedResumeCooldown,
                            int trackedAddresses) {

    /** Default failed resumes from one address within the window before its cool-down: 20. */
    public static final int DEFAULT_FAILED_RESUME_LIMIT = 20;
    /** Default window in which failed resumes are counted: 1 minute. */
    public static final Duration DEFAULT_FAILED_RESUME_WINDOW = Duration.ofMinutes(1);
    /** Default cool-down of an address over the limit: 5 minutes. */
    public static final Duration DEFAULT_FAILED_RESUME_COOLDOWN = Duration.ofMinutes(5);
    /** Default number of client addresses remembered at once: 100,000 (a few MiB). */
    public static final int DEFAULT_TRACKED_ADDRESSES = 100_000;

    public ResumeOptions {
        Checks.between("failedResumeLimit", failedResumeLimit, 1, 1_000_000);
        Checks.between("failedResumeWindow", failedResumeWindow, Duration.ofSeconds(1), Duration.ofDays(1));
        Checks.between("failedResumeCooldown", failedResumeCooldown, Duration.ofSeconds(1), Duration.ofDays(1));
        Checks.between("trackedAddresses", trackedAddresses, 1, 10_000_000);
    }

    /** The defaults. */
    public static ResumeOptions defaults() {
        return new ResumeOptions(DEFAULT_FAILED_RESUME_LIMIT, DEFAULT_FAILED_RESUME_WINDOW,
                DEFAULT_FAILED_RESUME_COOLDOWN, DEFAULT_TRACKED_ADDRESSES);
    }

    public static Builder builder() {
        return new Builder(defaults());
    }

    /** A builder starting from these options. */
    public Builder toBuilder() {
        return new Builder(this);
    }

    /** Builds {@link ResumeOptions}; each setter validates its argument. */
    public static final class Builder {
        private ResumeOptions o;

        private Builder(ResumeOptions options) {
            this.o = options;
        }

        /** Failed resumes from one address within the window that start its cool-down, 1 to 1,000,000. */
        public Builder failedResumeLimit(int failedResumeLimit) {
            o = new ResumeOptions(failedResumeLimit, o.failedResumeWindow, o.failedResumeCooldown,
                    o.trackedAddresses);
            return this;
        }

        /** Window in which failed resumes are counted, 1 second to 1 day. */
        public Builder failedResumeWindow(Duration failedResumeWindow) {
            o = new ResumeOptions(o.failedResumeLimit, failedResumeWindow, o.failedResumeCooldown,
                    o.trackedAddresses);
            return this;
        }

        /** Cool-down of an address over the limit, 1 second to 1 day. */
        public Builder failedResumeCooldown(Duration failedResumeCooldown) {
            o = new ResumeOptions(o.failedResumeLimit, o.failedResumeWindow, failedResumeCooldown,
                    o.trackedAddresses);
            return this;
        }

        /** Client addresses remembered at once, 1 to 10,000,000. */
        public Builder trackedAddresses(int trackedAddresses) {
            o = new ResumeOptions(o.failedResumeLimit, o.failedResumeWindow, o.failedResumeCooldown,
                    trackedAddresses);
            return this;
        }

        public ResumeOptions build() {
            return o;
        }
    }
}
