package dev.tether.client;

import java.util.Objects;

/**
 * One transition of a client's {@link ConnectionState}.
 *
 * @param previous the state before
 * @param current  the state now
 */
public record StateChange(ConnectionState previous, ConnectionState current) {

    public StateChange {
        Objects.requireNonNull(previous, "previous");
        Objects.requireNonNull(current, "current");
    }

    @Override
    public String toString() {
        return previous + " -> " + current;
    }
}
