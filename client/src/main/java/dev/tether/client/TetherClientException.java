package dev.tether.client;

import dev.tether.protocol.ResumeFailure;
import dev.tether.protocol.TetherException;
import java.time.Duration;

/**
 * The root of the errors a {@link TetherClient} reports. Ask {@link #isRetryable()} rather than catching subtypes.
 *
 * <p>Errors that are expected at a high rate (a full outbox, a lost connection) are stackless.
 */
public abstract sealed class TetherClientException extends TetherException
        permits OutboxFullException, MessageTooBigException, ConnectionClosedException, ConnectionLostException,
        ConnectionFailedException, ClientClosedException, SessionLostException {

    TetherClientException(String message, Throwable cause, boolean withStackTrace) {
        super(message, cause, withStackTrace);
    }

    /** The outbox already holds {@code capacity} unacknowledged messages. */
    public static OutboxFullException outboxFull(int capacity) {
        return new OutboxFullException(capacity);
    }

    /** A message is too large for the frame limit, or for the frames the gateway would make of it; {@code why} says. */
    public static MessageTooBigException messageTooBig(String why) {
        return new MessageTooBigException(why);
    }

    /** The gateway closed the connection with {@code code}. */
    public static ConnectionClosedException closedByPeer(int code, String reason) {
        return new ConnectionClosedException(code, reason == null ? "" : reason);
    }

    /** No {@code welcome} arrived within the handshake timeout. */
    public static ConnectionLostException handshakeTimeout(Duration timeout) {
        return new ConnectionLostException("no welcome within the handshake timeout of " + timeout.toMillis() + " ms");
    }

    /** Nothing was heard on an established connection for too long: it is probably half-open. */
    public static ConnectionLostException heartbeatTimeout(Duration timeout) {
        return new ConnectionLostException("nothing heard for " + timeout.toMillis() + " ms (heartbeat plus margin)");
    }

    /** A sequenced frame skipped ahead: the stream cannot be trusted, so the client resumes. */
    public static ConnectionLostException sequenceGap(long expected, long received) {
        return new ConnectionLostException("expected seq " + expected + " but received " + received);
    }

    /** The gateway sent a frame that makes no sense at this point of the protocol. */
    public static ConnectionLostException unexpectedFrame(String what) {
        return new ConnectionLostException("unexpected frame from the gateway: " + what);
    }

    /** The application consumes {@code messages()} too slowly; the client resumes so that nothing is lost. */
    public static ConnectionLostException slowConsumer(int buffered) {
        return new ConnectionLostException("the messages() subscriber fell " + buffered
                + " frames behind; reconnecting to replay from the session log");
    }

    /**
     * The gateway refused the client's token (4001), and the client reconnects with a new one from its token provider
     * ({@code inARow} such closes without a welcome between them so far).
     */
    public static ConnectionLostException unauthorized(ConnectionClosedException closed, int inARow) {
        return new ConnectionLostException("the gateway refused the token (" + inARow + " in a row): "
                + closed.getMessage() + "; reconnecting with a new one");
    }

    /** Reconnecting was given up after {@code attempts} attempts. */
    public static ConnectionFailedException retriesExhausted(long attempts, Throwable lastFailure) {
        return new ConnectionFailedException("gave up reconnecting after " + attempts + " attempts: "
                + (lastFailure == null ? "unknown error" : lastFailure.getMessage()), lastFailure);
    }

    /** The connection failed with an error the client does not retry. */
    public static ConnectionFailedException connectionFailed(Throwable cause) {
        return new ConnectionFailedException("not reconnecting after: " + cause, cause);
    }

    /** The gateway closed the connection with a code after which the client must not reconnect. */
    public static ConnectionFailedException terminalClose(ConnectionClosedException closed) {
        return new ConnectionFailedException("not reconnecting: " + closed.getMessage(), closed);
    }

    /** The client failed earlier and must be connected again before it can send. */
    public static ConnectionFailedException notConnected(Throwable lastFailure) {
        return new ConnectionFailedException("the client has failed; call connect() to try again"
                + (lastFailure == null ? "" : " (" + lastFailure.getMessage() + ")"), lastFailure);
    }

    /** The client was closed, by the application or by the gateway ending the session. */
    public static ClientClosedException clientClosed() {
        return new ClientClosedException("the client is closed");
    }

    /** The client was disconnected by the application before the operation finished. */
    public static ClientClosedException disconnected() {
        return new ClientClosedException("the client was disconnected before the connection was established");
    }

    /** The application restarted the client with {@link OutboxOnRestart#DROP} before the message was stored. */
    public static ClientClosedException restarted() {
        return new ClientClosedException("the client was restarted with its outbox dropped");
    }

    /** A resume failed and the application chose not to carry the message over to the new session. */
    public static SessionLostException sessionLost(ResumeFailure reason) {
        return new SessionLostException(reason);
    }
}
