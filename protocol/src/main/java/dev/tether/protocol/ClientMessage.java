package dev.tether.protocol;

/**
 * A client frame that is stored in the session log exactly once, numbered by {@code cseq}.
 *
 * <p>{@code cseq} starts at 1 per session and grows by 1; the gateway acknowledges it with {@link ServerAck} once
 * stored.
 */
public sealed interface ClientMessage extends ClientFrame permits UserMessage, Cancel, ClientEvent {

    /** The client sequence number, 1 or more. */
    long cseq();

    /** This message renumbered, for example when a failed resume moves the outbox to a new session. */
    ClientMessage withCseq(long cseq);
}
