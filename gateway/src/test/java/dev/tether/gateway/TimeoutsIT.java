package dev.tether.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tether.gateway.testing.GatewayExtension;
import dev.tether.gateway.testing.TestSocket;
import dev.tether.protocol.Hello;
import dev.tether.protocol.Ping;
import dev.tether.protocol.Welcome;
import io.netty.handler.codec.http.websocketx.WebSocketCloseStatus;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Connections the gateway gives up on, end to end on real time: no hello in time, and a peer that went silent
 * (half-open). The timers' exact behaviour is unit-tested on virtual time ({@code HandshakeTest},
 * {@code KeepAliveTest}, {@code ConnectionIT}).
 */
class TimeoutsIT {

    @RegisterExtension
    final GatewayExtension gateway = new GatewayExtension(c -> c.connections(o -> o
            .heartbeat(Duration.ofSeconds(1))));

    @Test
    void noHelloWithinTheHelloTimeoutClosesWithTryAgainLater() {
        gateway.start(c -> c.connections(o -> o.helloTimeout(Duration.ofSeconds(1))));
        TestSocket socket = gateway.connect();

        WebSocketCloseStatus close = socket.awaitClose(TestSocket.TIMEOUT);

        assertThat(close.code()).as("a slow client passes: it may come back").isEqualTo(1013);
        assertThat(close.reasonText()).contains("no hello within 1000ms").contains("retry-after=");
    }

    @Test
    void silentPeerIsClosedAfterTheHeartbeatTimeout() {
        TestSocket socket = gateway.connect();
        socket.send(Hello.fresh());
        Welcome welcome = socket.next(Welcome.class);
        assertThat(welcome.heartbeatMs()).isEqualTo(1000);

        // The gateway pings; this peer never answers, like one behind a dead NAT mapping.
        assertThat(socket.next(Ping.class)).isNotNull();
        assertThat(socket.awaitClose(TestSocket.TIMEOUT).code()).isEqualTo(1001);
        var record = gateway.store().find(welcome.sessionId()).block(TestSocket.TIMEOUT);
        assertThat(record).as("the session outlives the connection").isNotNull();
    }
}
