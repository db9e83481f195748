package dev.tether.client;

/**
 * What {@link TetherClient#restart(OutboxOnRestart)} does with the messages the gateway has not acknowledged: the
 * same choice as the JavaScript client's {@code restart({outbox: 'keep' | 'drop'})}.
 */
public enum OutboxOnRestart {
    /**
     * Send them in the new session, renumbered from cseq 1. A message the old session stored without its ack
     * reaching the client is sent again in the new one.
     */
    KEEP,
    /** Fail their {@code send} Monos with {@link ClientClosedException}; the outbox starts empty. */
    DROP
}
