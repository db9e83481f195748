package dev.tether.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tether.gateway.testing.GatewayExtension;
import dev.tether.gateway.testing.RawWebSocket;
import dev.tether.protocol.FrameCodec;
import dev.tether.protocol.Hello;
import dev.tether.protocol.Ping;
import dev.tether.protocol.Pong;
import dev.tether.protocol.ServerFrame;
import dev.tether.protocol.Welcome;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** WebSocket pings and pongs belong to the WebSocket layer: answered and ignored, never bad frames (RFC 6455 §5.5). */
class WebSocketControlFramesIT {

    private static final FrameCodec CODEC = new FrameCodec();

    @RegisterExtension
    final GatewayExtension gateway = new GatewayExtension();

    @Test
    void unsolicitedPongsAreIgnoredBeforeAndAfterHello() {
        RawWebSocket socket = gateway.connectRaw();

        socket.sendFrame(RawWebSocket.PONG, bytes("before"));
        socket.sendText(CODEC.encode(Hello.fresh()));
        ServerFrame first = next(socket);
        for (int i = 0; i < 20; i++) {
            socket.sendFrame(RawWebSocket.PONG, bytes("after " + i));
        }
        socket.sendText(CODEC.encode(new Ping(7)));

        assertThat(first).as("a pong before hello is no bad first frame").isInstanceOf(Welcome.class);
        assertThat(next(socket)).as("pongs get no error and do not count as bad frames").isEqualTo(new Pong(7));
    }

    @Test
    void webSocketPingsAreAnsweredBeforeAndAfterHello() {
        RawWebSocket socket = gateway.connectRaw();

        socket.sendFrame(RawWebSocket.PING, bytes("before"));
        RawWebSocket.Frame beforeHello = socket.next();
        socket.sendText(CODEC.encode(Hello.fresh()));
        assertThat(next(socket)).isInstanceOf(Welcome.class);
        socket.sendFrame(RawWebSocket.PING, bytes("after"));
        RawWebSocket.Frame afterHello = socket.nextExcept(RawWebSocket.TEXT);

        assertThat(beforeHello.opcode()).isEqualTo(RawWebSocket.PONG);
        assertThat(beforeHello.text()).isEqualTo("before");
        assertThat(afterHello.opcode()).isEqualTo(RawWebSocket.PONG);
        assertThat(afterHello.text()).isEqualTo("after");
    }

    private static ServerFrame next(RawWebSocket socket) {
        RawWebSocket.Frame frame = socket.next();
        assertThat(frame.opcode()).as("a text frame, got %s", frame).isEqualTo(RawWebSocket.TEXT);
        return CODEC.decodeServer(frame.text());
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
