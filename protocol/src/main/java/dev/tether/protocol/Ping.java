package dev.tether.protocol;

/** A heartbeat from either side; the other side answers with a {@link Pong} carrying the same {@code t}. */
public record Ping(long t) implements ClientFrame, ServerFrame {

    public static final String TYPE = "ping";

    @Override
    public String type() {
        return TYPE;
    }
}
