package dev.tether.protocol;

/**
 * The root of Tether's errors. Callers ask {@link #isRetryable()} rather than catching subtypes.
 */
public abstract class TetherException extends RuntimeException {

    protected TetherException(String message, Throwable cause, boolean withStackTrace) {
        super(message, cause, false, withStackTrace);
    }

    /** Whether doing the same thing again later may succeed. */
    public abstract boolean isRetryable();

    /** Whether {@code error} is a Tether error that may succeed when tried again. */
    public static boolean isRetryable(Throwable error) {
        return error instanceof TetherException tether && tether.isRetryable();
    }
}
