package dev.tether.protocol;

/** A message the person typed; the conversation handler answers it with a streamed reply. */
public record UserMessage(long cseq, String text) implements ClientMessage {

    public static final String TYPE = "user_message";

    @Override
    public String type() {
        return TYPE;
    }

    @Override
    public UserMessage withCseq(long cseq) {
        return new UserMessage(cseq, text);
    }
}
