package dev.tether.client;

import dev.tether.protocol.CloseCode;
import dev.tether.protocol.ErrorCode;
import dev.tether.protocol.ResumeFailure;
import java.time.Duration;

/** Something that happened to a client's connection; see {@link TetherClient#events()}. */
public sealed interface ConnectionEvent {

    /**
     * The client will open a new connection after {@code delay}.
     *
     * @param attempt     the attempt number since the last successful handshake, from 1
     * @param maxAttempts the configured maximum, {@link TetherClientOptions#UNLIMITED_RECONNECT_ATTEMPTS} for none
     * @param delay       the wait before the attempt: the jittered backoff after a failure, or the gateway's
     *                    retry-after hint spread by the jitter after a refusal (which is not counted as an attempt)
     */
    record Reconnecting(long attempt, long maxAttempts, Duration delay) implements ConnectionEvent {
    }

    /**
     * The gateway answered a resume request.
     *
     * @param resumed        {@code true} when the session was resumed and nothing was missed
     * @param reason         why the resume failed, or {@code null} when it succeeded; on failure a new session started
     * @param framesReplayed how many frames the gateway replays after {@code welcome} (its lastSeq minus the client's)
     */
    record Resumed(boolean resumed, ResumeFailure reason, long framesReplayed) implements ConnectionEvent {
    }

    /**
     * Messages waiting in the outbox were (re)sent after a handshake.
     *
     * @param count how many messages were sent
     */
    record OutboxFlushed(int count) implements ConnectionEvent {
    }

    /**
     * A connection ended.
     *
     * @param code   the WebSocket close code; 1006 when the connection was cut or abandoned without a close frame
     * @param reason the close reason, possibly empty
     */
    record Closed(int code, String reason) implements ConnectionEvent {

        /** The close code as a constant of the protocol's table. */
        public CloseCode closeCode() {
            return CloseCode.of(code);
        }
    }

    /**
     * The gateway reported an error with an {@code error} frame; the connection stays open.
     *
     * @param code    the error code
     * @param message the gateway's description
     */
    record ServerError(ErrorCode code, String message) implements ConnectionEvent {
    }
}
