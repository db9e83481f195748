package dev.tether.protocol;

/** Reports a bad frame or a failed operation; the connection stays open unless a close follows. */
public record ErrorFrame(ErrorCode code, String message) implements ServerFrame {

    public static final String TYPE = "error";

    @Override
    public String type() {
        return TYPE;
    }
}
