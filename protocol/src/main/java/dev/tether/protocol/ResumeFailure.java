package dev.tether.protocol;

/** Why a requested resume did not happen; the gateway started a fresh session instead. */
public enum ResumeFailure {
    /** The session is unknown or has expired. */
    NOT_FOUND("not_found"),
    /** The token does not match the session's. */
    BAD_TOKEN("bad_token"),
    /** The session's log was lost: its epoch differs from the client's. */
    HISTORY_LOST("history_lost"),
    /** Frames the client has not seen were trimmed from the log. */
    HISTORY_TRUNCATED("history_truncated"),
    /** The session belongs to another user than the one the connection authenticated as. */
    FORBIDDEN("forbidden");

    private final String wireName;

    ResumeFailure(String wireName) {
        this.wireName = wireName;
    }

    /** The name written on the wire. */
    public String wireName() {
        return wireName;
    }

    /** The constant with that wire name, or {@code null} if there is none. */
    public static ResumeFailure fromWire(String name) {
        for (ResumeFailure failure : values()) {
            if (failure.wireName.equals(name)) {
                return failure;
            }
        }
        return null;
    }
}
