package dev.tether.client;

/**
 * The client was closed, disconnected or restarted ({@link OutboxOnRestart#DROP}) by the application before the
 * operation could finish.
 */
public final class ClientClosedException extends TetherClientException {

    ClientClosedException(String message) {
        super(message, null, false);
    }

    @Override
    public boolean isRetryable() {
        return false;
    }
}
