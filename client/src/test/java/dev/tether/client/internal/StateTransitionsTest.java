package dev.tether.client.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tether.client.ConnectionState;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import org.junit.jupiter.api.Test;

class StateTransitionsTest {

    @Test
    void allowsExactlyTheMovesTheClientMakes() {
        List<String> legal = new ArrayList<>();
        for (ConnectionState from : ConnectionState.values()) {
            for (ConnectionState to : ConnectionState.values()) {
                if (StateTransitions.isLegal(from, to)) {
                    legal.add(from + " -> " + to);
                }
            }
        }
        assertThat(legal).containsExactlyInAnyOrder(
                "IDLE -> CONNECTING", "IDLE -> CLOSED",
                "CONNECTING -> CONNECTED", "CONNECTING -> RECONNECTING", "CONNECTING -> FAILED",
                "CONNECTING -> IDLE", "CONNECTING -> CLOSED",
                "CONNECTED -> RECONNECTING", "CONNECTED -> FAILED", "CONNECTED -> IDLE", "CONNECTED -> CLOSED",
                "CONNECTED -> CONNECTING",
                "RECONNECTING -> CONNECTED", "RECONNECTING -> FAILED", "RECONNECTING -> IDLE",
                "RECONNECTING -> CLOSED", "RECONNECTING -> CONNECTING",
                "FAILED -> CONNECTING", "FAILED -> CLOSED");
    }

    @Test
    void closedIsTerminal() {
        for (ConnectionState to : EnumSet.complementOf(EnumSet.of(ConnectionState.CLOSED))) {
            assertThatThrownBy(() -> StateTransitions.check(ConnectionState.CLOSED, to))
                    .isInstanceOf(IllegalStateException.class);
        }
    }

    @Test
    void anIllegalMoveFailsNamingBothStates() {
        assertThatThrownBy(() -> StateTransitions.check(ConnectionState.IDLE, ConnectionState.CONNECTED))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("IDLE")
                .hasMessageContaining("CONNECTED");
        assertThatThrownBy(() -> StateTransitions.check(ConnectionState.FAILED, ConnectionState.RECONNECTING))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("illegal client state transition FAILED -> RECONNECTING");
    }

    @Test
    void aLegalMovePasses() {
        StateTransitions.check(ConnectionState.CONNECTED, ConnectionState.RECONNECTING);
        StateTransitions.check(ConnectionState.FAILED, ConnectionState.CONNECTING);
    }
}
