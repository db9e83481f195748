package dev.tether.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tether.gateway.testing.GatewayExtension;
import dev.tether.gateway.testing.RawHttp;
import dev.tether.gateway.testing.RawWebSocket;
import dev.tether.gateway.testing.TestSocket;
import dev.tether.testkit.Eventually;
import dev.tether.protocol.CloseCode;
import dev.tether.protocol.FrameCodec;
import dev.tether.protocol.Hello;
import dev.tether.protocol.Welcome;
import io.netty.handler.codec.http.websocketx.WebSocketCloseStatus;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The limits per client address and the allowed origins against a real gateway, over real sockets: the handshake
 * rate, connections open at once, the address behind trusted proxies (forwarding header and PROXY protocol), and 403
 * for a page of another site. The timing of the limits is unit-tested on virtual time ({@code TokenBucketsTest},
 * {@code HandshakeTest}).
 */
class AddressLimitsIT {

    private static final FrameCodec CODEC = new FrameCodec();

    @RegisterExtension
    final GatewayExtension gateway = new GatewayExtension();

    @Test
    void upgradesOverTheAddressRateAreClosedWithTryAgainLaterAndAHint() {
        // One a minute after a burst of two: the third upgrade is refused however slow the machine.
        gateway.start(c -> c.limits(l -> l.addressHandshakeRate(1).addressHandshakeBurst(2)));
        welcome(gateway.connect());
        welcome(gateway.connect());

        WebSocketCloseStatus refused = gateway.connect().awaitClose(TestSocket.TIMEOUT);

        assertThat(refused.code()).isEqualTo(CloseCode.TRY_AGAIN_LATER.code());
        assertThat(refused.reasonText()).contains("connections per second from this address");
        assertThat(CloseCode.retryAfter(refused.reasonText())).get()
                .satisfies(hint -> assertThat(hint).isBetween(Duration.ofMillis(1), Duration.ofSeconds(2)));
        assertThat(metrics()).contains("tether_handshakes_refused_total{node=\"" + gateway.gateway().nodeId()
                + "\",reason=\"address_rate\"} 1.0");
    }

    @Test
    void connectionsOverTheAddressLimitAreClosedAndOneEndingMakesRoom() {
        gateway.start(c -> c.limits(l -> l.maxConnectionsPerAddress(2)));
        TestSocket first = gateway.connect();
        welcome(first);
        welcome(gateway.connect());

        WebSocketCloseStatus refused = gateway.connect().awaitClose(TestSocket.TIMEOUT);
        assertThat(refused.code()).isEqualTo(CloseCode.TRY_AGAIN_LATER.code());
        assertThat(refused.reasonText()).contains("more than 2 connections open from this address")
                .contains("retry-after=");

        first.close();
        Eventually.await("the gateway saw the end", TestSocket.TIMEOUT,
                () -> gateway.gateway().connections() == 1);
        welcome(gateway.connect());
        assertThat(metrics()).contains("reason=\"address_connections\"} 1.0");
    }

    @Test
    void behindTrustedProxiesEachForwardedClientHasItsOwnLimitAndForgedEntriesAreIgnored() {
        gateway.start(c -> c.proxy(p -> p.trustedProxies("127.0.0.1, ::1"))
                .limits(l -> l.maxConnectionsPerAddress(1)));
        welcome(gateway.connect(Map.of("X-Forwarded-For", "198.51.100.7")));
        welcome(gateway.connect(Map.of("X-Forwarded-For", "198.51.100.8")));

        // The client wrote the left entry itself; the proxy appended the right one.
        TestSocket forged = gateway.connect(Map.of("X-Forwarded-For", "203.0.113.1, 198.51.100.7"));
        assertThat(forged.awaitClose(TestSocket.TIMEOUT).code()).isEqualTo(CloseCode.TRY_AGAIN_LATER.code());
    }

    @Test
    void aPageOfAnotherOriginIsAnswered403BeforeTheUpgrade() {
        gateway.start(c -> c.limits(l -> l.allowedOrigins("https://chat.example.com")));

        assertThat(upgrade(gateway.openRaw(), "", "Origin: https://evil.example.net")).startsWith("HTTP/1.1 403");
        assertThat(upgrade(gateway.openRaw(), "", "Origin: https://CHAT.example.com")).startsWith("HTTP/1.1 101");
        assertThat(upgrade(gateway.openRaw(), "")).as("no Origin: not a browser").startsWith("HTTP/1.1 101");
        welcome(gateway.connect(Map.of("Origin", "https://chat.example.com")));
        assertThat(metrics()).contains("reason=\"origin\"} 1.0");
    }

    @Test
    void withTheProxyProtocolTheSourceItNamesIsTheClient() {
        gateway.start(c -> c.proxy(p -> p.proxyProtocol(true).trustedProxies("127.0.0.1, ::1"))
                .limits(l -> l.maxConnectionsPerAddress(1)));
        RawWebSocket first = gateway.openRaw();
        assertThat(upgrade(first, proxyHeader("198.51.100.7"))).startsWith("HTTP/1.1 101");
        first.sendText(CODEC.encode(Hello.fresh()));
        assertThat(CODEC.decodeServer(first.next().text())).isInstanceOf(Welcome.class);

        RawWebSocket other = gateway.openRaw();
        assertThat(upgrade(other, proxyHeader("198.51.100.8"))).startsWith("HTTP/1.1 101");
        other.sendText(CODEC.encode(Hello.fresh()));
        assertThat(CODEC.decodeServer(other.next().text())).isInstanceOf(Welcome.class);

        RawWebSocket same = gateway.openRaw();
        assertThat(upgrade(same, proxyHeader("198.51.100.7"))).startsWith("HTTP/1.1 101");
        RawWebSocket.Frame close = same.nextExcept(RawWebSocket.PING);
        assertThat(close.opcode()).isEqualTo(RawWebSocket.CLOSE);
        assertThat(close.closeCode()).isEqualTo(CloseCode.TRY_AGAIN_LATER.code());
    }

    private static String proxyHeader(String source) {
        return "PROXY TCP4 " + source + " 192.0.2.1 51000 8787\r\n";
    }

    /** Sends {@code prefix} and an upgrade request with these extra header lines; the response's head. */
    private String upgrade(RawWebSocket socket, String prefix, String... headerLines) {
        URI uri = gateway.uri();
        StringBuilder request = new StringBuilder(prefix).append("GET ").append(uri.getPath())
                .append(" HTTP/1.1\r\nHost: 127.0.0.1:").append(uri.getPort())
                .append("\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ")
                .append(Base64.getEncoder().encodeToString(new byte[16]))
                .append("\r\nSec-WebSocket-Version: 13\r\n");
        for (String line : headerLines) {
            request.append(line).append("\r\n");
        }
        socket.write(request.append("\r\n").toString().getBytes(StandardCharsets.ISO_8859_1));
        return socket.readHttpHead();
    }

    private static Welcome welcome(TestSocket socket) {
        socket.send(Hello.fresh());
        return socket.next(Welcome.class);
    }

    private String metrics() {
        return RawHttp.get(gateway.gateway().port(), "/metrics").text();
    }
}
