package dev.tether.gateway.internal.openai;

import java.time.Duration;

/** The model server answered with a status other than 200, before any token. */
final class UpstreamStatus extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final int status;
    private final transient Duration retryAfter;

    /**
     * @param status     the HTTP status
     * @param retryAfter the server's {@code Retry-After}, or null
     * @param excerpt    the beginning of the body, for the log and the reply's error
     */
    UpstreamStatus(int status, Duration retryAfter, String excerpt) {
        super("the model server answered " + status + (excerpt.isEmpty() ? "" : ": " + excerpt), null, false, false);
        this.status = status;
        this.retryAfter = retryAfter;
    }

    int status() {
        return status;
    }

    /** The wait the server asked for, or null. */
    Duration retryAfter() {
        return retryAfter;
    }

    /** Whether trying again may help: 429 (too many requests) and 5xx. */
    boolean retryable() {
        return status == 429 || status >= 500;
    }
}
