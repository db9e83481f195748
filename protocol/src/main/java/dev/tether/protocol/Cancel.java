package dev.tether.protocol;

/**
 * Asks the gateway to stop the reply to user message {@code replyTo}; the reply then ends with
 * {@link DoneReason#CANCELLED}.
 */
public record Cancel(long cseq, long replyTo) implements ClientMessage {

    public static final String TYPE = "cancel";

    @Override
    public String type() {
        return TYPE;
    }

    @Override
    public Cancel withCseq(long cseq) {
        return new Cancel(cseq, replyTo);
    }
}
