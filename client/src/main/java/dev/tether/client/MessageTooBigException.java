package dev.tether.client;

/** A message was refused because its encoded frame exceeds the frame limit; sending it again cannot succeed. */
public final class MessageTooBigException extends TetherClientException {

    MessageTooBigException(String message) {
        super(message, null, false);
    }

    @Override
    public boolean isRetryable() {
        return false;
    }
}
