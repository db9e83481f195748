package dev.tether.client.internal;

import dev.tether.client.ConnectionState;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;

/**
 * The moves between {@link ConnectionState}s that a client may make; any other is a bug in the client, and
 * {@link #check} fails it loudly instead of publishing a state change that subscribers cannot make sense of.
 */
final class StateTransitions {

    private static final Map<ConnectionState, Set<ConnectionState>> LEGAL = new EnumMap<>(ConnectionState.class);

    static {
        // connect() starts; close() of an idle client closes it at once.
        LEGAL.put(ConnectionState.IDLE, EnumSet.of(ConnectionState.CONNECTING, ConnectionState.CLOSED));
        // A handshake, a failed attempt, giving up, disconnect() or close(): the same from either side of a loss.
        LEGAL.put(ConnectionState.CONNECTING, EnumSet.of(ConnectionState.CONNECTED, ConnectionState.RECONNECTING,
                ConnectionState.FAILED, ConnectionState.IDLE, ConnectionState.CLOSED));
        // restart() connects to a new session from wherever the client is.
        LEGAL.put(ConnectionState.RECONNECTING, EnumSet.of(ConnectionState.CONNECTED, ConnectionState.FAILED,
                ConnectionState.IDLE, ConnectionState.CLOSED, ConnectionState.CONNECTING));
        LEGAL.put(ConnectionState.CONNECTED, EnumSet.of(ConnectionState.RECONNECTING, ConnectionState.FAILED,
                ConnectionState.IDLE, ConnectionState.CLOSED, ConnectionState.CONNECTING));
        // The session is kept after giving up, so connect() may start again.
        LEGAL.put(ConnectionState.FAILED, EnumSet.of(ConnectionState.CONNECTING, ConnectionState.CLOSED));
        LEGAL.put(ConnectionState.CLOSED, EnumSet.noneOf(ConnectionState.class));
    }

    private StateTransitions() {
    }

    /** Whether a client in state {@code from} may move to {@code to}; staying where it is is not a move. */
    static boolean isLegal(ConnectionState from, ConnectionState to) {
        return LEGAL.get(from).contains(to);
    }

    /** Throws an {@link IllegalStateException} naming both states unless the move is {@link #isLegal legal}. */
    static void check(ConnectionState from, ConnectionState to) {
        if (!isLegal(from, to)) {
            throw new IllegalStateException("illegal client state transition " + from + " -> " + to);
        }
    }
}
