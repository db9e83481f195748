package dev.tether.client;

/** A send was refused because the outbox is full; retryable once the gateway acknowledges earlier messages. */
public final class OutboxFullException extends TetherClientException {

    private final int capacity;

    OutboxFullException(int capacity) {
        super("the outbox is full: " + capacity + " messages await acknowledgement", null, false);
        this.capacity = capacity;
    }

    /** The outbox capacity, in messages. */
    public int capacity() {
        return capacity;
    }

    @Override
    public boolean isRetryable() {
        return true;
    }
}
