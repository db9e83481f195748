package dev.tether.protocol;

/**
 * Reports a bad frame or a failed operation; the connection stays open unless a close follows.
 *
 * <p>The message is bounded whatever produced it: at most {@link #MAX_MESSAGE_BYTES} encoded, cut between code points
 * with an ellipsis, and well-formed Unicode, so that an error frame always fits in the smallest frame limit.
 */
public record ErrorFrame(ErrorCode code, String message) implements ServerFrame {

    public static final String TYPE = "error";

    /** The most bytes a message takes encoded (UTF-8, JSON escapes included): 512. */
    public static final int MAX_MESSAGE_BYTES = 512;

    public ErrorFrame {
        message = bounded(message == null ? "" : message);
    }

    @Override
    public String type() {
        return TYPE;
    }

    private static String bounded(String message) {
        String text = EncodedText.replaceLoneSurrogates(message);
        // 6 bytes is the most a char can take encoded: shorter messages need no counting.
        if ((long) text.length() * 6 <= MAX_MESSAGE_BYTES || EncodedText.bytes(text) <= MAX_MESSAGE_BYTES) {
            return text;
        }
        String ellipsis = "\u2026";
        return text.substring(0, EncodedText.cut(text, 0, MAX_MESSAGE_BYTES - EncodedText.bytes(ellipsis)))
                + ellipsis;
    }
}
