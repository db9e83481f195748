package dev.tether.client;

/** The client abandoned a connection it could no longer trust (timeout, sequence gap); it reconnects and resumes. */
public final class ConnectionLostException extends TetherClientException {

    ConnectionLostException(String message) {
        super(message, null, false);
    }

    @Override
    public boolean isRetryable() {
        return true;
    }
}
