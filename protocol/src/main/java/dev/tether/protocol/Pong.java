package dev.tether.protocol;

/** The answer to a {@link Ping}, echoing its {@code t}. */
public record Pong(long t) implements ClientFrame, ServerFrame {

    public static final String TYPE = "pong";

    @Override
    public String type() {
        return TYPE;
    }
}
