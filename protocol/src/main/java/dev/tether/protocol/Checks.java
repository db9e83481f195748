package dev.tether.protocol;

import java.time.Duration;
import java.util.Objects;

/**
 * The one argument check of every options builder: each failure names the parameter, the accepted range and the
 * value given, durations written as {@link Durations#format} writes them.
 */
public final class Checks {

    private Checks() {
    }

    /** {@code value}, if it lies from {@code min} to {@code max} inclusive. */
    public static int between(String name, int value, int min, int max) {
        if (value < min || value > max) {
            throw outOfRange(name, min, max, value);
        }
        return value;
    }

    /** {@code value}, if it lies from {@code min} to {@code max} inclusive. */
    public static long between(String name, long value, long min, long max) {
        if (value < min || value > max) {
            throw outOfRange(name, min, max, value);
        }
        return value;
    }

    /** {@code value}, if it is {@code min} or more. */
    public static long atLeast(String name, long value, long min) {
        if (value < min) {
            throw new IllegalArgumentException(name + " must be >= " + min + ", got " + value);
        }
        return value;
    }

    /** {@code value}, if it lies from {@code min} to {@code max} inclusive (NaN never does). */
    public static double between(String name, double value, double min, double max) {
        if (!(value >= min && value <= max)) {
            throw outOfRange(name, min, max, value);
        }
        return value;
    }

    /** {@code value}, if it is not null and lies from {@code min} to {@code max} inclusive. */
    public static Duration between(String name, Duration value, Duration min, Duration max) {
        Objects.requireNonNull(value, name);
        if (value.compareTo(min) < 0 || value.compareTo(max) > 0) {
            throw outOfRange(name, Durations.format(min), Durations.format(max), Durations.format(value));
        }
        return value;
    }

    /** {@code value}, if it is not null and longer than zero. */
    public static Duration positive(String name, Duration value) {
        Objects.requireNonNull(value, name);
        if (value.isNegative() || value.isZero()) {
            throw new IllegalArgumentException(name + " must be > 0, got " + Durations.format(value));
        }
        return value;
    }

    /** {@code value}, if it is not null and not blank. */
    public static String nonBlank(String name, String value) {
        Objects.requireNonNull(value, name);
        if (value.isBlank()) {
            throw new IllegalArgumentException(name + " must not be empty");
        }
        return value;
    }

    private static IllegalArgumentException outOfRange(String name, Object min, Object max, Object value) {
        return new IllegalArgumentException(name + " must be between " + min + " and " + max + ", got " + value);
    }
}
