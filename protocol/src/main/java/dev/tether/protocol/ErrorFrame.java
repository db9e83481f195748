package dev.tether.protocol;

/**
 * Reports a bad frame or a failed operation; the connection stays open unless a close follows.
 *
 * <p>{@code retryAfterMs}, when above 0, is how long the client should wait before sending again (with
 * {@link ErrorCode#RATE_LIMITED}); 0 means no hint and is not written.
 *
 * <p>The message is bounded whatever produced it: at most {@link #MAX_MESSAGE_BYTES} encoded, cut between code points
 * with an ellipsis, and well-formed Unicode, so that an error frame always fits in the smallest frame limit.
 */
public record ErrorFrame(ErrorCode code, String message, long retryAfterMs) implements ServerFrame {

    public static final String TYPE = "error";

    /** The most bytes a message takes encoded (UTF-8, JSON escapes included): 512. */
    public static final int MAX_MESSAGE_BYTES = 512;

    public ErrorFrame {
        message = EncodedText.bounded(message == null ? "" : message, MAX_MESSAGE_BYTES);
        Checks.atLeast("retryAfterMs", retryAfterMs, 0);
    }

    /** An error without a retry-after hint. */
    public ErrorFrame(ErrorCode code, String message) {
        this(code, message, 0);
    }

    @Override
    public String type() {
        return TYPE;
    }
}
