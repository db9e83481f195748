package dev.tether.client;

/**
 * What happens to messages still in the outbox when a resume fails and the gateway starts a new session.
 *
 * <p>The default is {@link #RESEND}; see {@link TetherClientOptions.Builder#outboxOnResumeFailure}.
 */
public enum OutboxOnResumeFailure {
    /** Carry them over to the new session, renumbered from cseq 1, and send them there. */
    RESEND,
    /** Fail their {@code send} Monos with {@link SessionLostException}; the application decides what to resend. */
    FAIL
}
