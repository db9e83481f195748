package dev.tether.gateway;

/**
 * A reply that is not continued: a {@link ConversationHandler#continueReply} flux that fails with it ends the reply
 * {@code assistant_done {reason: "interrupted"}}, as a reply whose node died ended before continuation existed.
 * Stackless: it says what happens, not where.
 */
public final class ReplyInterrupted extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private static final ReplyInterrupted NOT_CONTINUED = new ReplyInterrupted();

    private ReplyInterrupted() {
        super("the reply is not continued", null, false, false);
    }

    /** The one instance. */
    public static ReplyInterrupted notContinued() {
        return NOT_CONTINUED;
    }
}
