package dev.tether.protocol;

/** The end of the reply to user message {@code replyTo}, and why it ended. */
public record AssistantDone(long seq, long replyTo, DoneReason reason) implements Sequenced {

    public static final String TYPE = "assistant_done";

    /** A done frame not yet appended to a log. */
    public static AssistantDone of(long replyTo, DoneReason reason) {
        return new AssistantDone(UNASSIGNED, replyTo, reason);
    }

    @Override
    public String type() {
        return TYPE;
    }

    @Override
    public AssistantDone withSeq(long seq) {
        return new AssistantDone(seq, replyTo, reason);
    }
}
