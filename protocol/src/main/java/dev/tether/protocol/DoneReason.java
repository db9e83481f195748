package dev.tether.protocol;

/** Why a streamed reply ended. */
public enum DoneReason {
    /** The handler finished the reply. */
    COMPLETE("complete"),
    /** The client cancelled the reply. */
    CANCELLED("cancelled"),
    /** The handler failed. */
    FAILED("failed"),
    /** The node producing the reply went away before it finished. */
    INTERRUPTED("interrupted");

    private final String wireName;

    DoneReason(String wireName) {
        this.wireName = wireName;
    }

    /** The name written on the wire. */
    public String wireName() {
        return wireName;
    }

    /** The constant with that wire name, or {@code null} if there is none. */
    public static DoneReason fromWire(String name) {
        for (DoneReason reason : values()) {
            if (reason.wireName.equals(name)) {
                return reason;
            }
        }
        return null;
    }
}
