package dev.tether.loadtest;

import dev.tether.protocol.Checks;
import dev.tether.protocol.Durations;
import java.time.Duration;
import java.util.Objects;

/**
 * How virtual clients arrive, as in Gatling's injection profiles: all at once, spread evenly over a ramp, or at a
 * constant arrival rate.
 */
public sealed interface Injection {

    /** The number of clients started after {@code elapsed} since the start of injection, at most {@code total}. */
    long startedBy(Duration elapsed, long total);

    /** How long injecting {@code total} clients takes. */
    Duration length(long total);

    /** Every client at the start. */
    static Injection atOnce() {
        return new AtOnce();
    }

    /** Clients spread evenly over {@code duration}, from 1 ms to 1 hour. */
    static Injection ramp(Duration duration) {
        return new Ramp(duration);
    }

    /** Clients started at a constant rate, from 0.01 to 1,000,000 per second. */
    static Injection rate(double perSecond) {
        return new Rate(perSecond);
    }

    /**
     * Parses {@code at-once}, {@code ramp:<duration>} (for example {@code ramp:20s}) or {@code rate:<per-second>}
     * (for example {@code rate:500} or {@code rate:500/s}).
     */
    static Injection parse(String text) {
        Objects.requireNonNull(text, "injection");
        String value = text.trim();
        if (value.equals("at-once") || value.equals("atonce")) {
            return atOnce();
        }
        if (value.startsWith("ramp:")) {
            try {
                return ramp(Durations.parse(value.substring(5)));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("inject ramp: " + e.getMessage(), e);
            }
        }
        if (value.startsWith("rate:")) {
            String rate = value.substring(5);
            if (rate.endsWith("/s")) {
                rate = rate.substring(0, rate.length() - 2);
            }
            try {
                return rate(Double.parseDouble(rate));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("inject rate must be a number per second such as rate:500, got "
                        + text, e);
            }
        }
        throw new IllegalArgumentException("inject must be at-once, ramp:<duration> or rate:<per-second>, got " + text);
    }

    /** Every client at the start. */
    record AtOnce() implements Injection {
        @Override
        public long startedBy(Duration elapsed, long total) {
            return total;
        }

        @Override
        public Duration length(long total) {
            return Duration.ZERO;
        }

        @Override
        public String toString() {
            return "at-once";
        }
    }

    /** Clients spread evenly over {@code duration}. */
    record Ramp(Duration duration) implements Injection {
        public Ramp {
            Checks.between("ramp duration", duration, Duration.ofMillis(1), Duration.ofHours(1));
        }

        @Override
        public long startedBy(Duration elapsed, long total) {
            if (elapsed.compareTo(duration) >= 0) {
                return total;
            }
            return Math.min(total, (long) Math.floor(total * (elapsed.toNanos() / (double) duration.toNanos())));
        }

        @Override
        public Duration length(long total) {
            return duration;
        }

        @Override
        public String toString() {
            return "ramp:" + Durations.format(duration);
        }
    }

    /** Clients started at {@code perSecond}. */
    record Rate(double perSecond) implements Injection {
        public Rate {
            Checks.between("inject rate", perSecond, 0.01, 1_000_000.0);
        }

        @Override
        public long startedBy(Duration elapsed, long total) {
            return Math.min(total, (long) Math.floor(elapsed.toNanos() / 1e9 * perSecond));
        }

        @Override
        public Duration length(long total) {
            return Duration.ofNanos((long) Math.ceil(total / perSecond * 1e9));
        }

        @Override
        public String toString() {
            return "rate:" + perSecond + "/s";
        }
    }
}
