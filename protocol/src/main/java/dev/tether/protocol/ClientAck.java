package dev.tether.protocol;

/** Cumulative acknowledgement from the client: every sequenced frame up to {@code seq} was received. */
public record ClientAck(long seq) implements ClientFrame {

    public static final String TYPE = "ack";

    @Override
    public String type() {
        return TYPE;
    }
}
