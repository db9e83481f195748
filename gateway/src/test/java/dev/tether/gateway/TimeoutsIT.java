package dev.tether.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tether.gateway.testing.GatewayExtension;
import dev.tether.gateway.testing.TestSocket;
import dev.tether.protocol.Hello;
import dev.tether.protocol.Ping;
import dev.tether.protocol.Pong;
import dev.tether.protocol.Welcome;
import io.netty.handler.codec.http.websocketx.WebSocketCloseStatus;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Connections the gateway gives up on: no hello in time, and a peer that went silent (half-open). */
class TimeoutsIT {

    @RegisterExtension
    final GatewayExtension gateway = new GatewayExtension(c -> c.connections(o -> o
            .heartbeat(Duration.ofMillis(200))
            .handshakeTimeout(Duration.ofMillis(300))));

    @Test
    void noHelloWithinTheHandshakeTimeoutClosesWithTryAgainLater() {
        TestSocket socket = gateway.connect();

        WebSocketCloseStatus close = socket.awaitClose(Duration.ofSeconds(5));

        assertThat(close.code()).as("a slow client passes: it may come back").isEqualTo(1013);
        assertThat(close.reasonText()).contains("no hello within 300ms").contains("retry-after=");
    }

    @Test
    void aHelloTheNodeCannotAnswerInTimeClosesWithTryAgainLater() {
        gateway.faults().silent(true);
        TestSocket socket = gateway.connect();
        socket.send(Hello.fresh());

        WebSocketCloseStatus close = socket.awaitClose(Duration.ofSeconds(5));

        assertThat(close.code()).as("the node is slow, not the client: reconnect").isEqualTo(1013);
        assertThat(close.reasonText()).contains("handshake not finished within 300ms").contains("retry-after=");
    }

    @Test
    void silentPeerIsClosedAfterTheHeartbeatTimeout() {
        TestSocket socket = gateway.connect();
        socket.send(Hello.fresh());
        Welcome welcome = socket.next(Welcome.class);
        assertThat(welcome.heartbeatMs()).isEqualTo(200);

        // The gateway pings; this peer never answers, like one behind a dead NAT mapping.
        assertThat(socket.next(Ping.class)).isNotNull();
        assertThat(socket.awaitClose(Duration.ofSeconds(5)).code()).isEqualTo(1001);
        var record = gateway.store().find(welcome.sessionId()).block(TestSocket.TIMEOUT);
        assertThat(record).as("the session outlives the connection").isNotNull();
    }

    @Test
    void peerThatAnswersPingsStaysConnected() throws InterruptedException {
        TestSocket socket = gateway.connect();
        socket.send(Hello.fresh());
        socket.next(Welcome.class);

        long until = System.nanoTime() + Duration.ofMillis(1000).toNanos();
        while (System.nanoTime() < until) {
            Ping ping = socket.next(Ping.class);
            socket.send(new Pong(ping.t()));
        }
        socket.send(new Ping(5));
        assertThat(socket.nextMatching(Pong.class, p -> p.t() == 5)).isEqualTo(new Pong(5));
    }
}
