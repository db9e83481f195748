package dev.tether.protocol;

import java.util.Objects;

/**
 * The end of the reply to user message {@code replyTo}, and why it ended.
 *
 * @param error why a {@code failed} reply failed, or {@code null} when not told (always {@code null} for the other
 *              reasons)
 * @param usage     the tokens the reply cost, when its upstream reported them, else {@code null}
 * @param continued how many times the reply was taken over from a node that died while producing it and continued
 *                  by another; 0 (absent on the wire) for a reply produced by one node
 */
public record AssistantDone(long seq, long replyTo, DoneReason reason, ReplyError error, TokenUsage usage,
                            int continued) implements Sequenced {

    public static final String TYPE = "assistant_done";

    public AssistantDone {
        Objects.requireNonNull(reason, "reason");
        if (error != null && reason != DoneReason.FAILED) {
            throw new IllegalArgumentException("only a failed reply carries an error, not " + reason.wireName());
        }
        if (continued < 0) {
            throw new IllegalArgumentException("continued must be >= 0, got " + continued);
        }
    }

    /** A done frame of a reply produced by one node. */
    public AssistantDone(long seq, long replyTo, DoneReason reason, ReplyError error, TokenUsage usage) {
        this(seq, replyTo, reason, error, usage, 0);
    }

    /** A done frame without error or usage. */
    public AssistantDone(long seq, long replyTo, DoneReason reason) {
        this(seq, replyTo, reason, null, null);
    }

    /** A done frame not yet appended to a log. */
    public static AssistantDone of(long replyTo, DoneReason reason) {
        return new AssistantDone(UNASSIGNED, replyTo, reason);
    }

    /** A done frame not yet appended to a log, with its error and usage (either may be {@code null}). */
    public static AssistantDone of(long replyTo, DoneReason reason, ReplyError error, TokenUsage usage) {
        return new AssistantDone(UNASSIGNED, replyTo, reason, error, usage);
    }

    @Override
    public String type() {
        return TYPE;
    }

    @Override
    public AssistantDone withSeq(long seq) {
        return new AssistantDone(seq, replyTo, reason, error, usage, continued);
    }

    /** This frame, for a reply continued {@code continued} times. */
    public AssistantDone withContinued(int continued) {
        return new AssistantDone(seq, replyTo, reason, error, usage, continued);
    }
}
