package dev.tether.client;

import dev.tether.protocol.CloseCode;
import java.time.Duration;
import java.util.Optional;

/** The gateway closed a connection; retryable when the close code allows reconnecting. */
public final class ConnectionClosedException extends TetherClientException {

    private final int code;
    private final String reason;

    ConnectionClosedException(int code, String reason) {
        super("connection closed with " + code + " (" + CloseCode.of(code) + ")"
                + (reason.isEmpty() ? "" : ": " + reason), null, false);
        this.code = code;
        this.reason = reason;
    }

    /** The numeric close code. */
    public int code() {
        return code;
    }

    /** The close code as a constant of the protocol's table. */
    public CloseCode closeCode() {
        return CloseCode.of(code);
    }

    /** The close reason, possibly empty. */
    public String reason() {
        return reason;
    }

    /** The gateway's retry-after hint, sent with {@link CloseCode#TRY_AGAIN_LATER}. */
    public Optional<Duration> retryAfter() {
        return CloseCode.retryAfter(reason);
    }

    @Override
    public boolean isRetryable() {
        return closeCode().shouldReconnect();
    }
}
