package dev.tether.protocol.session;

/**
 * A reply whose lease {@link SessionStore#takeOverReplies} moved from a dead node to the caller, with how far it got,
 * so that the caller can go on with it: its next part is number {@code parts}, its frames so far end at
 * {@code lastSeq}.
 *
 * @param replyTo         the cseq of the user message the reply answers
 * @param parts           how many parts of the reply are stored: the number of the next one
 * @param lastSeq         the seq of the last part stored, 0 for none
 * @param continued       how many times the reply has been taken over, this time included (1 the first time)
 * @param cancelRequested whether a client asked to cancel the reply ({@link SessionStore#requestCancel}) while it was
 *                        leased, possibly to the dead node, which never heard it
 */
public record TakenReply(long replyTo, long parts, long lastSeq, int continued, boolean cancelRequested) {
}
