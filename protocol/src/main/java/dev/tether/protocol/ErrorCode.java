package dev.tether.protocol;

/** The codes carried by {@link ErrorFrame}. */
public enum ErrorCode {
    /** The frame is not JSON, or not a JSON object. */
    INVALID_JSON("invalid_json"),
    /** A field is missing, has the wrong type or is out of range. */
    VALIDATION_ERROR("validation_error"),
    /** The {@code type} is not one this side knows. */
    UNKNOWN_TYPE("unknown_type"),
    /** A client message's cseq skips ahead of the next expected one; it was not stored. */
    OUT_OF_ORDER("out_of_order"),
    /** The first frame was not {@code hello}, or {@code hello} came twice. */
    HANDSHAKE_REQUIRED("handshake_required"),
    /** The client speaks a protocol version the gateway does not. */
    UNSUPPORTED_VERSION("unsupported_version"),
    /** A binary frame was sent; the protocol uses text frames only. */
    UNSUPPORTED_FRAME("unsupported_frame"),
    /**
     * The session store could not take the message: it was not acknowledged, and was not stored, or may have been
     * when the store did not answer in time. Send it again; a stored one is acknowledged as a duplicate.
     */
    STORE_UNAVAILABLE("store_unavailable"),
    /**
     * The client sends more user messages than its user may: the message was not stored nor acknowledged. Send it
     * again, and everything after it, once {@link ErrorFrame#retryAfterMs()} has passed.
     */
    RATE_LIMITED("rate_limited"),
    /** Something failed inside the gateway. */
    INTERNAL("internal"),
    /** A code this side does not know, sent by a newer peer. */
    OTHER("other");

    private final String wireName;

    ErrorCode(String wireName) {
        this.wireName = wireName;
    }

    /** The name written on the wire. */
    public String wireName() {
        return wireName;
    }

    /** The constant with that wire name, or {@link #OTHER} if there is none. */
    public static ErrorCode fromWire(String name) {
        for (ErrorCode code : values()) {
            if (code.wireName.equals(name)) {
                return code;
            }
        }
        return OTHER;
    }
}
