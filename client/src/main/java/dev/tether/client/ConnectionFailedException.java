package dev.tether.client;

/**
 * The client stopped reconnecting: retries are exhausted or the gateway closed with a terminal code. The cause is
 * the last failure.
 */
public final class ConnectionFailedException extends TetherClientException {

    ConnectionFailedException(String message, Throwable cause) {
        super(message, cause, true);
    }

    @Override
    public boolean isRetryable() {
        return false;
    }
}
