package dev.tether.protocol;

/**
 * A frame that could not be decoded or is invalid. Stackless: bad input is expected and may come at a high rate.
 */
public final class FrameException extends TetherException {

    private final ErrorCode code;

    private FrameException(ErrorCode code, String message, Throwable cause) {
        super(message, cause, false);
        this.code = code;
    }

    /** The error code to report to the peer. */
    public ErrorCode code() {
        return code;
    }

    /** The error frame that reports this to the peer. */
    public ErrorFrame toErrorFrame() {
        return new ErrorFrame(code, getMessage());
    }

    @Override
    public boolean isRetryable() {
        return false;
    }

    public static FrameException invalidJson(String detail) {
        return new FrameException(ErrorCode.INVALID_JSON, "frame is not a JSON object: " + detail, null);
    }

    public static FrameException missingType() {
        return new FrameException(ErrorCode.VALIDATION_ERROR, "frame has no string field \"type\"", null);
    }

    public static FrameException unknownType(String type) {
        return new FrameException(ErrorCode.UNKNOWN_TYPE, "unknown frame type \"" + type + "\"", null);
    }

    public static FrameException invalidField(String type, String field, String expected, Object actual) {
        return new FrameException(ErrorCode.VALIDATION_ERROR,
                type + "." + field + " must be " + expected + ", got " + actual, null);
    }

    public static FrameException missingField(String type, String field, String expected) {
        return new FrameException(ErrorCode.VALIDATION_ERROR,
                type + "." + field + " is required and must be " + expected, null);
    }
}
