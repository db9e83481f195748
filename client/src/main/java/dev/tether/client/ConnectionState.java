package dev.tether.client;

/** Where a {@link TetherClient} is in its life; see {@link TetherClient#states()}. */
public enum ConnectionState {
    /** Not connected and not trying to: before {@link TetherClient#connect()} and after {@link TetherClient#disconnect()}. */
    IDLE,
    /** Opening the first connection and waiting for {@code welcome}. */
    CONNECTING,
    /** Connected and past the handshake: messages flow. */
    CONNECTED,
    /** The connection was lost; waiting out the backoff or opening a new connection to resume the session. */
    RECONNECTING,
    /** Gave up: retries exhausted or a terminal close code. The session is kept; {@code connect()} tries again. */
    FAILED,
    /** Closed for good by {@link TetherClient#close()} or by the gateway ending the session. Terminal. */
    CLOSED
}
