package dev.tether.protocol;

/** One streamed piece of the reply to user message {@code replyTo}. */
public record AssistantDelta(long seq, long replyTo, String text) implements Sequenced {

    public static final String TYPE = "assistant_delta";

    /** A delta not yet appended to a log. */
    public static AssistantDelta of(long replyTo, String text) {
        return new AssistantDelta(UNASSIGNED, replyTo, text);
    }

    @Override
    public String type() {
        return TYPE;
    }

    @Override
    public AssistantDelta withSeq(long seq) {
        return new AssistantDelta(seq, replyTo, text);
    }
}
