package dev.tether.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tether.gateway.testing.GatewayExtension;
import dev.tether.gateway.testing.RawWebSocket;
import dev.tether.gateway.testing.TestSocket;
import dev.tether.protocol.FrameCodec;
import dev.tether.protocol.Hello;
import dev.tether.protocol.Ping;
import dev.tether.protocol.Pong;
import dev.tether.protocol.Welcome;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import reactor.core.publisher.Mono;

/** HTTP requests are bounded in time and in header size, over raw TCP: silent, half-sent and oversized requests. */
class RequestTimeoutIT {

    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(1);
    private static final FrameCodec CODEC = new FrameCodec();

    @RegisterExtension
    final GatewayExtension gateway = new GatewayExtension(c -> c.server(s -> s.requestTimeout(REQUEST_TIMEOUT)));

    @Test
    void aConnectionThatSendsNothingIsClosed() {
        RawWebSocket socket = gateway.openRaw();

        socket.awaitEnd(TestSocket.TIMEOUT);
    }

    @Test
    void aConnectionThatSendsHalfARequestHeaderIsClosed() {
        RawWebSocket socket = gateway.openRaw();

        socket.write("GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ".getBytes(StandardCharsets.US_ASCII));

        socket.awaitEnd(TestSocket.TIMEOUT);
    }

    @Test
    void aKeptAliveConnectionThatSendsNoNextRequestIsClosed() {
        RawWebSocket socket = gateway.openRaw();

        socket.write("GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".getBytes(StandardCharsets.US_ASCII));

        assertThat(socket.readHttpHead()).startsWith("HTTP/1.1 200");
        socket.awaitEnd(TestSocket.TIMEOUT);
    }

    @Test
    void anUpgradedConnectionOutlivesTheRequestTimeout() {
        RawWebSocket socket = gateway.connectRaw();
        socket.sendText(CODEC.encode(Hello.fresh()));
        assertThat(CODEC.decodeServer(socket.next().text())).isInstanceOf(Welcome.class);

        // Twice the request timeout: the WebSocket's own timeouts apply now.
        Mono.delay(REQUEST_TIMEOUT.multipliedBy(2)).block();
        socket.sendText(CODEC.encode(new Ping(1)));

        assertThat(CODEC.decodeServer(socket.next().text())).isEqualTo(new Pong(1));
    }

    @Test
    void aRequestWithHeadersOverTheLimitIsAnswered431() {
        RawWebSocket socket = gateway.openRaw();

        socket.write(("GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: " + "a".repeat(9000) + "\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII));

        assertThat(socket.readHttpHead()).startsWith("HTTP/1.1 431");
    }
}
