package dev.tether.protocol;

/** Constants of protocol v1. */
public final class Protocol {

    /** The protocol version this code speaks. */
    public static final int VERSION = 1;

    /** The default WebSocket endpoint path. */
    public static final String DEFAULT_PATH = "/ws";

    /** The default largest frame either side accepts, in bytes: 64 KiB. */
    public static final int DEFAULT_MAX_FRAME_BYTES = 64 * 1024;

    private Protocol() {
    }
}
