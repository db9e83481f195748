package dev.tether.protocol;

import java.time.Duration;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Durations as operators write them, in flags, environment variables and config files: a whole number and a unit,
 * {@code 250ms}, {@code 3s}, {@code 5m} or {@code 1h}; zero may also be written {@code 0}, as in
 * {@code --drain-time 0}, since it is zero in any unit. Fractions are refused, so that one value has one spelling
 * ({@code 1500ms}, not {@code 1.5s}).
 */
public final class Durations {

    /** How a duration is written, for help texts and error messages. */
    public static final String FORM = "a duration like 20ms, 3s, 5m or 1h";

    private static final Pattern DURATION = Pattern.compile("(\\d{1,12})(ms|s|m|h)");

    private Durations() {
    }

    /**
     * Parses {@code text}.
     *
     * @throws IllegalArgumentException saying the accepted form, if {@code text} is not a duration
     */
    public static Duration parse(String text) {
        Objects.requireNonNull(text, "text");
        if (text.trim().equals("0")) {
            return Duration.ZERO;
        }
        Matcher matcher = DURATION.matcher(text.trim());
        if (!matcher.matches()) {
            throw new IllegalArgumentException("expected " + FORM + ", got \"" + text + "\"");
        }
        long amount = Long.parseLong(matcher.group(1));
        return switch (matcher.group(2)) {
            case "ms" -> Duration.ofMillis(amount);
            case "s" -> Duration.ofSeconds(amount);
            case "m" -> Duration.ofMinutes(amount);
            default -> Duration.ofHours(amount);
        };
    }

    /**
     * Writes {@code duration} the way {@link #parse} reads it, in the largest unit that keeps it whole; a negative
     * duration or one with a fraction of a millisecond, which {@link #parse} cannot read, in ISO-8601.
     */
    public static String format(Duration duration) {
        Objects.requireNonNull(duration, "duration");
        if (duration.isNegative() || duration.toNanosPart() % 1_000_000 != 0) {
            return duration.toString();
        }
        long ms = duration.toMillis();
        if (ms % 3_600_000 == 0 && ms > 0) {
            return ms / 3_600_000 + "h";
        }
        if (ms % 60_000 == 0 && ms > 0) {
            return ms / 60_000 + "m";
        }
        if (ms % 1000 == 0 && ms > 0) {
            return ms / 1000 + "s";
        }
        return ms + "ms";
    }
}
