package dev.tether.gateway;

import dev.tether.protocol.ReplyError;

/**
 * A reply that cannot go on, told to the client: a {@link ConversationHandler}'s flux that fails with it ends the
 * reply {@code assistant_done {reason: "failed", error: {code, message}}}. Any other failure ends it {@code failed}
 * without {@code error}, so that nothing internal reaches the client by accident.
 */
public final class ReplyFailure extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final transient ReplyError error;

    /**
     * @param code    the error's code, such as {@link ReplyError#UPSTREAM_UNAVAILABLE}
     * @param message what happened, for the person reading; it reaches the client
     */
    public ReplyFailure(String code, String message) {
        this(code, message, null);
    }

    /** Like {@link #ReplyFailure(String, String)}, keeping the cause for the log (never for the client). */
    public ReplyFailure(String code, String message, Throwable cause) {
        super(code + ": " + message, cause);
        this.error = new ReplyError(code, message);
    }

    /** The error the reply's {@code assistant_done} carries. */
    public ReplyError error() {
        return error;
    }
}
