package dev.tether.session.redis.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Queue;
import org.junit.jupiter.api.Test;

/** The test Redis itself: a start that loses its port to another process is retried on another. */
class RedisServerIT {

    @Test
    void retriesOnAnotherPortWhenThePickedOneIsTaken() throws IOException {
        assertThat(RedisServer.binaryAvailable()).as(RedisExtension.HOW_TO_GET_REDIS).isTrue();
        // Someone else listens on the first port picked: it accepts the connection but is not this redis-server.
        try (ServerSocket taken = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            Queue<Integer> ports = new ArrayDeque<>(List.of(taken.getLocalPort(), Ports.free()));
            try (RedisServer server = RedisServer.startLocal(ports::remove)) {
                assertThat(server.port()).isNotEqualTo(taken.getLocalPort());
                assertThat(server.cli("PING").trim()).isEqualTo("PONG");
            }
        }
    }
}
