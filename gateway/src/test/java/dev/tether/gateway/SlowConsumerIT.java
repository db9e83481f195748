package dev.tether.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tether.gateway.testing.GatewayExtension;
import dev.tether.gateway.testing.TestSocket;
import dev.tether.protocol.AssistantDelta;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/** A client that stops reading cannot make the gateway buffer without bound: it is dropped and may resume. */
class SlowConsumerIT {

    private static final Duration TIMEOUT = TestSocket.TIMEOUT;

    @RegisterExtension
    final GatewayExtension gateway = new GatewayExtension(config -> config.connections(c -> c.maxPendingFrames(100)));

    @Test
    void aClientThatStopsReadingIsDroppedByTheBytesWaitingAsWellAsByTheirCount() throws IOException {
        // Far fewer frames than the count bound: only their bytes can end the connection.
        gateway.start(config -> config.connections(c -> c.maxPendingFrames(100_000).maxPendingBytes(64 * 1024)));
        aClientThatStopsReadingIsDroppedInsteadOfBufferedForever();
    }

    @Test
    void aClientThatStopsReadingIsDroppedInsteadOfBufferedForever() throws IOException {
        gateway.gateway();
        try (Socket socket = new Socket()) {
            // A small receive window, so that the gateway's writes back up quickly once this side stops reading.
            socket.setReceiveBufferSize(4096);
            socket.connect(new InetSocketAddress("127.0.0.1", gateway.gateway().port()));
            String sessionId = handshake(socket);

            // Far more than the socket buffers hold: the frames pile up in the gateway, and this side reads nothing.
            String text = "x".repeat(1024);
            Flux.range(0, 2_000)
                    .concatMap(i -> gateway.store().append(sessionId, AssistantDelta.of(1, text)))
                    .then()
                    .block(TIMEOUT);

            long deadline = System.nanoTime() + TIMEOUT.toNanos();
            while (gateway.gateway().connections() > 0) {
                assertThat(System.nanoTime()).as("the slow connection is dropped").isLessThan(deadline);
                Mono.delay(Duration.ofMillis(20)).block();
            }
            assertThat(gateway.store().find(sessionId).block(TIMEOUT))
                    .as("the session stays, for a resume").isNotNull();
        }
    }

    /** Upgrades to WebSocket by hand, sends hello and reads welcome; returns the session id. */
    private static String handshake(Socket socket) throws IOException {
        OutputStream out = socket.getOutputStream();
        out.write(("GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII));
        out.flush();
        DataInputStream in = new DataInputStream(socket.getInputStream());
        // A client sends nothing more before the server's answer (RFC 6455, 4.1).
        skipHttpHeaders(in);
        out.write(maskedText("{\"type\":\"hello\",\"v\":1}"));
        out.flush();
        int opcode = in.readUnsignedByte() & 0x0f;
        assertThat(opcode).as("a text frame").isEqualTo(1);
        int length = in.readUnsignedByte() & 0x7f;
        if (length == 126) {
            length = in.readUnsignedShort();
        }
        byte[] payload = in.readNBytes(length);
        return new ObjectMapper().readTree(payload).get("sessionId").asText();
    }

    private static void skipHttpHeaders(InputStream in) throws IOException {
        int matched = 0;
        byte[] end = {'\r', '\n', '\r', '\n'};
        while (matched < end.length) {
            int b = in.read();
            if (b < 0) {
                throw new IOException("closed during the upgrade");
            }
            matched = b == end[matched] ? matched + 1 : (b == '\r' ? 1 : 0);
        }
    }

    private static byte[] maskedText(String text) {
        byte[] payload = text.getBytes(StandardCharsets.UTF_8);
        byte[] mask = {1, 2, 3, 4};
        byte[] frame = new byte[2 + 4 + payload.length];
        frame[0] = (byte) 0x81;
        frame[1] = (byte) (0x80 | payload.length);
        System.arraycopy(mask, 0, frame, 2, 4);
        for (int i = 0; i < payload.length; i++) {
            frame[6 + i] = (byte) (payload[i] ^ mask[i % 4]);
        }
        return frame;
    }
}
