package dev.tether.protocol;

/** Cumulative acknowledgement from the gateway: client messages up to {@code cseq} are stored and will not be lost. */
public record ServerAck(long cseq) implements ServerFrame {

    public static final String TYPE = "ack";

    @Override
    public String type() {
        return TYPE;
    }
}
