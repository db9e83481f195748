package dev.tether.protocol;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.TextNode;

/**
 * A frame that could not be decoded or is invalid. Stackless: bad input is expected and may come at a high rate.
 */
public final class FrameException extends TetherException {

    /** The longest value quoted in a message; a longer one is described by its length (protocol.md §6). */
    static final int MAX_QUOTED = 32;

    private final ErrorCode code;
    private final boolean tooLarge;

    private FrameException(ErrorCode code, String message, boolean tooLarge) {
        super(message, null, false);
        this.code = code;
        this.tooLarge = tooLarge;
    }

    /** The error code to report to the peer. */
    public ErrorCode code() {
        return code;
    }

    /** The error frame that reports this to the peer. */
    public ErrorFrame toErrorFrame() {
        return new ErrorFrame(code, getMessage());
    }

    /** Whether the frame was refused for its encoded size alone, being otherwise valid. */
    public boolean isTooLarge() {
        return tooLarge;
    }

    @Override
    public boolean isRetryable() {
        return false;
    }

    public static FrameException invalidJson(String detail) {
        return new FrameException(ErrorCode.INVALID_JSON, "frame is not a JSON object: " + detail, false);
    }

    public static FrameException missingType() {
        return new FrameException(ErrorCode.VALIDATION_ERROR, "frame has no string field \"type\"", false);
    }

    public static FrameException unknownType(String type) {
        return new FrameException(ErrorCode.UNKNOWN_TYPE, "unknown frame type " + describe(TextNode.valueOf(type)),
                false);
    }

    public static FrameException invalidField(String type, String field, String expected, Object actual) {
        return new FrameException(ErrorCode.VALIDATION_ERROR,
                type + "." + field + " must be " + expected + ", got " + describe(actual), false);
    }

    /** A string field of {@code bytes} encoded bytes where at most {@code max} fit in a frame of {@code limit}. */
    public static FrameException tooLong(String type, String field, long bytes, long max, int limit) {
        return new FrameException(ErrorCode.VALIDATION_ERROR, type + "." + field + " must be at most " + max
                + " bytes encoded (the frame limit of " + limit + " bytes less the widest frame around it), got "
                + bytes + " bytes", true);
    }

    /** A frame of {@code bytes} encoded bytes, over the frame limit of {@code limit} bytes. */
    public static FrameException tooLarge(String type, long bytes, int limit) {
        return new FrameException(ErrorCode.VALIDATION_ERROR, type + " frame would be " + bytes
                + " bytes encoded, more than the frame limit of " + limit + " bytes", true);
    }

    /** A string field holding a lone surrogate, which is not Unicode text and has no UTF-8 encoding. */
    public static FrameException loneSurrogate(String type, String field, String where) {
        return new FrameException(ErrorCode.VALIDATION_ERROR, type + "." + field
                + " must be well-formed Unicode, got a lone surrogate " + where, false);
    }

    /**
     * {@code value} as a message may show it: JSON from the peer as written when short, by its length when long, so
     * that an error or a log line never echoes what it complains about (protocol.md §6).
     */
    public static String describe(Object value) {
        if (value instanceof JsonNode node) {
            if (node.isTextual()) {
                String text = node.textValue();
                return text.length() <= MAX_QUOTED ? node.toString() : "a string of " + text.length() + " characters";
            }
            if (node.isContainerNode()) {
                return (node.isObject() ? "an object of " : "an array of ") + node.size()
                        + (node.size() == 1 ? " element" : " elements");
            }
            String text = node.toString();
            return text.length() <= MAX_QUOTED ? text : "a number of " + text.length() + " characters";
        }
        // Anything else is a description the codec wrote, such as a node type or "\"\"".
        return String.valueOf(value);
    }

    public static FrameException missingField(String type, String field, String expected) {
        return new FrameException(ErrorCode.VALIDATION_ERROR,
                type + "." + field + " is required and must be " + expected, false);
    }
}
