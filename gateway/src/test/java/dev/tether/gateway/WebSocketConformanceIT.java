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
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * RFC 6455 as written, over raw TCP with hand-made frames: reserved bits, malformed close frames, text that is not
 * UTF-8, bad opening handshakes, and frames that never end.
 */
class WebSocketConformanceIT {

    private static final FrameCodec CODEC = new FrameCodec();

    @RegisterExtension
    final GatewayExtension gateway = new GatewayExtension(c -> c.connections(o -> o
            .heartbeat(Duration.ofSeconds(1))
            .helloTimeout(Duration.ofSeconds(1))));

    @Test
    void aFrameWithReservedBitsFailsTheConnectionWith1002() {
        RawWebSocket socket = welcomed();

        socket.write(RawWebSocket.frame(true, 0b100, RawWebSocket.TEXT, CODEC.encode(new Ping(1)).getBytes()));

        RawWebSocket.Frame close = socket.nextExcept(RawWebSocket.TEXT);
        assertThat(close.opcode()).isEqualTo(RawWebSocket.CLOSE);
        assertThat(close.closeCode()).isEqualTo(1002);
        socket.awaitEnd(TestSocket.TIMEOUT);
    }

    @Test
    void aFrameWithReservedBitsBeforeHelloFailsTheConnectionWith1002() {
        RawWebSocket socket = gateway.connectRaw();

        socket.write(RawWebSocket.frame(true, 0b001, RawWebSocket.TEXT, CODEC.encode(Hello.fresh()).getBytes()));

        assertThat(socket.next().closeCode()).isEqualTo(1002);
    }

    @ParameterizedTest(name = "close code {0}")
    @ValueSource(ints = {0, 999, 1004, 1005, 1006, 1015, 1016, 2000, 2999, 5000, 65535})
    void aCloseFrameWithAnInvalidCodeGets1002(int code) {
        RawWebSocket socket = welcomed();

        socket.sendClose(code, "why".getBytes(StandardCharsets.UTF_8));

        RawWebSocket.Frame close = socket.nextExcept(RawWebSocket.TEXT);
        assertThat(close.opcode()).isEqualTo(RawWebSocket.CLOSE);
        assertThat(close.closeCode()).as("a close frame, not a dropped connection").isEqualTo(1002);
        assertThat(close.closeReason()).contains("invalid close code " + code);
        socket.awaitEnd(TestSocket.TIMEOUT);
    }

    @Test
    void aCloseFrameWhoseReasonIsNotUtf8Gets1002() {
        RawWebSocket socket = welcomed();

        socket.sendClose(1000, new byte[] {'o', 'k', (byte) 0xC3, (byte) 0x28});

        RawWebSocket.Frame close = socket.nextExcept(RawWebSocket.TEXT);
        assertThat(close.closeCode()).isEqualTo(1002);
        assertThat(close.closeReason()).contains("not UTF-8");
    }

    @ParameterizedTest(name = "close code {0}")
    @ValueSource(ints = {1000, 1001, 1003, 1011, 3000, 4999})
    void aValidCloseFrameIsAnsweredInKind(int code) {
        RawWebSocket socket = welcomed();

        socket.sendClose(code, "bye".getBytes(StandardCharsets.UTF_8));

        RawWebSocket.Frame close = socket.nextExcept(RawWebSocket.TEXT);
        assertThat(close.opcode()).isEqualTo(RawWebSocket.CLOSE);
        assertThat(close.closeCode()).isEqualTo(code);
        socket.awaitEnd(TestSocket.TIMEOUT);
    }

    @Test
    void textThatIsNotUtf8FailsTheConnectionWith1007() {
        RawWebSocket socket = welcomed();

        socket.sendFrame(RawWebSocket.TEXT, new byte[] {'{', '"', (byte) 0xC3, (byte) 0x28, '"', '}'});

        RawWebSocket.Frame close = socket.nextExcept(RawWebSocket.TEXT);
        assertThat(close.closeCode()).isEqualTo(1007);
    }

    @Test
    void anUpgradeWithoutAValidKeyOrVersionIsRefused() {
        assertThat(upgrade("Sec-WebSocket-Version: 13\r\n")).as("no key").startsWith("HTTP/1.1 400");
        assertThat(upgrade("Sec-WebSocket-Key: c2hvcnQ=\r\nSec-WebSocket-Version: 13\r\n")).as("a key of 5 bytes")
                .startsWith("HTTP/1.1 400");
        assertThat(upgrade("Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n")).as("no version")
                .startsWith("HTTP/1.1 400");
        assertThat(upgrade("Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 8\r\n"))
                .as("another version").startsWith("HTTP/1.1 426").containsIgnoringCase("sec-websocket-version: 13");
        assertThat(upgrade("Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"))
                .as("the control: a valid request is upgraded").startsWith("HTTP/1.1 101");
    }

    @Test
    void randomBytesAfterTheUpgradeEndTheConnectionWithinTheHelloTimeout() {
        // Seeded: these 64 bytes start a masked text frame that announces 8,192 bytes of payload and never sends them.
        byte[] bytes = new byte[64];
        new Random(6455).nextBytes(bytes);
        ByteBuffer.wrap(bytes).put((byte) 0x81).put((byte) (0x80 | 126)).putShort((short) 8192);
        RawWebSocket socket = gateway.connectRaw();

        socket.write(bytes);

        RawWebSocket.Frame close = socket.next();
        assertThat(close.closeCode()).as("the hello timeout, not a hang").isEqualTo(1013);
        assertThat(close.closeReason()).contains("no hello within 1000ms");
        socket.awaitEnd(TestSocket.TIMEOUT);
    }

    @Test
    void aFrameThatNeverEndsAfterHelloEndsTheConnectionWithinTheIdleTimeout() {
        RawWebSocket socket = welcomed();

        socket.write(new byte[] {(byte) 0x81, (byte) (0x80 | 126), 0x20, 0x00, 1, 2, 3, 4, 'x'});

        RawWebSocket.Frame close = socket.nextExcept(RawWebSocket.TEXT);
        assertThat(close.closeCode()).as("the idle timeout, not a hang").isEqualTo(1001);
        socket.awaitEnd(TestSocket.TIMEOUT);
    }

    private RawWebSocket welcomed() {
        RawWebSocket socket = gateway.connectRaw();
        socket.sendText(CODEC.encode(Hello.fresh()));
        assertThat(CODEC.decodeServer(socket.next().text())).isInstanceOf(Welcome.class);
        socket.sendText(CODEC.encode(new Ping(0)));
        assertThat(CODEC.decodeServer(socket.nextExcept(RawWebSocket.PING).text())).isEqualTo(new Pong(0));
        return socket;
    }

    private String upgrade(String headers) {
        URI uri = gateway.uri();
        RawWebSocket socket = gateway.openRaw();
        socket.write(("GET " + uri.getPath() + " HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
                + "Connection: Upgrade\r\n" + headers + "\r\n").getBytes(StandardCharsets.US_ASCII));
        return socket.readHttpHead();
    }
}
