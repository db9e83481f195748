package dev.tether.gateway.internal.backend;

import dev.tether.gateway.ReplyFailure;
import dev.tether.protocol.ReplyError;
import java.time.Duration;

/**
 * A backend call that failed, with the code the reply's {@code failed} end carries: {@link #UNAVAILABLE},
 * {@link #REJECTED}, {@link #TIMEOUT} or {@link #BROKEN}.
 */
final class BackendException extends RuntimeException {

    /** Connection errors, 429 and 5xx, after the retries. */
    static final String UNAVAILABLE = ReplyError.UPSTREAM_UNAVAILABLE;
    /** A status other than 200, 429 and 5xx; not retried. */
    static final String REJECTED = ReplyError.UPSTREAM_REJECTED;
    /** No first part within the timeout. */
    static final String TIMEOUT = ReplyError.UPSTREAM_TIMEOUT;
    /** A body cut short, or a line that is not a part. */
    static final String BROKEN = ReplyError.UPSTREAM_BROKEN;

    private final String code;
    private final int status;
    private final transient Duration retryAfter;

    BackendException(String code, String message) {
        this(code, message, 0, null, null);
    }

    BackendException(String code, String message, Throwable cause) {
        this(code, message, 0, null, cause);
    }

    BackendException(String code, String message, int status, Duration retryAfter, Throwable cause) {
        super(message, cause, false, false);
        this.code = code;
        this.status = status;
        this.retryAfter = retryAfter;
    }

    /** The error's code, such as {@value #UNAVAILABLE}. */
    String code() {
        return code;
    }

    /** The HTTP status the backend answered, or 0 when it answered none. */
    int status() {
        return status;
    }

    /** The wait the backend asked for with {@code Retry-After}, or {@code null}. */
    Duration retryAfter() {
        return retryAfter;
    }

    /** The failure as the client is told it; the message says nothing of the backend's address or answer. */
    ReplyFailure toReplyFailure() {
        return new ReplyFailure(code, getMessage(), this);
    }

    /** Whether trying the call again may succeed: connection errors, 429 and 5xx. */
    boolean retryable() {
        return UNAVAILABLE.equals(code);
    }
}
