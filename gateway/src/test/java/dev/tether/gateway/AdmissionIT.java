package dev.tether.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tether.gateway.testing.GatewayExtension;
import dev.tether.gateway.testing.TestSocket;
import dev.tether.protocol.CloseCode;
import dev.tether.protocol.Hello;
import dev.tether.protocol.Welcome;
import dev.tether.testkit.Eventually;
import io.netty.handler.codec.http.websocketx.WebSocketCloseStatus;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import reactor.netty.http.client.HttpClient;

/** Admission control: a node takes a bounded number of handshakes at once and refuses more with 1013. */
class AdmissionIT {

    private static final Duration TIMEOUT = TestSocket.TIMEOUT;

    @RegisterExtension
    final GatewayExtension gateway = new GatewayExtension(config -> config.admission(a -> a
            .maxHandshakes(1)
            .handshakeQueue(0)
            .handshakeRetryAfter(Duration.ofMillis(500))));

    @Test
    void handshakesBeyondTheLimitAreRefusedWithASpreadRetryAfterUntilAPlaceIsFree() {
        // A store that does not answer keeps the first handshake in progress.
        gateway.faults().silent(true);
        TestSocket first = gateway.connect();
        first.send(Hello.fresh());
        awaitHandshakesInProgress(1);

        TestSocket second = gateway.connect();
        second.send(Hello.fresh());
        WebSocketCloseStatus refused = second.awaitClose();

        assertThat(refused.code()).isEqualTo(CloseCode.TRY_AGAIN_LATER.code());
        assertThat(refused.reasonText()).contains("too many handshakes in progress");
        assertThat(CloseCode.retryAfter(refused.reasonText()))
                .hasValueSatisfying(hint -> assertThat(hint).isBetween(Duration.ofMillis(500), Duration.ofSeconds(1)));
        first.close();
        awaitHandshakesInProgress(0);
        gateway.faults().silent(false);

        TestSocket third = gateway.connect();
        third.send(Hello.fresh());
        assertThat(third.next(Welcome.class).resumed()).isFalse();
        assertThat(health().get("handshakes").get("refused").asLong()).isEqualTo(1);
    }

    @Test
    void aQueuedConnectionGetsThePlaceOfTheHandshakeBeforeIt() {
        gateway.start(config -> config.admission(a -> a.maxHandshakes(1).handshakeQueue(1)
                .handshakeQueueWait(Duration.ofSeconds(5))));
        gateway.faults().silent(true);
        TestSocket first = gateway.connect();
        first.send(Hello.fresh());
        awaitHandshakesInProgress(1);
        TestSocket second = gateway.connect();
        second.send(Hello.fresh());
        awaitQueued(1);

        gateway.faults().silent(false);
        first.close();

        assertThat(second.next(Welcome.class).resumed()).isFalse();
        assertThat(health().get("handshakes").get("refused").asLong()).isZero();
    }

    @Test
    void aConnectionThatLeavesDuringItsHandshakeGivesItsPlaceBack() {
        gateway.faults().silent(true);
        TestSocket first = gateway.connect();
        first.send(Hello.fresh());
        awaitHandshakesInProgress(1);

        first.close();

        awaitHandshakesInProgress(0);
    }

    @Test
    void manySilentConnectionsDoNotDelayAHello() {
        int silent = 200;
        for (int i = 0; i < silent; i++) {
            gateway.connect();
        }
        awaitHandshakes("awaitingHello", silent);

        TestSocket speaking = gateway.connect();
        speaking.send(Hello.fresh());

        assertThat(speaking.next(Welcome.class).resumed())
                .as("served although %d silent connections came first and one handshake place is all", silent)
                .isFalse();
        assertThat(health().get("handshakes").get("refused").asLong()).isZero();
    }

    private void awaitHandshakesInProgress(int expected) {
        awaitHandshakes("inProgress", expected);
    }

    private void awaitQueued(int expected) {
        awaitHandshakes("queued", expected);
    }

    private void awaitHandshakes(String field, int expected) {
        Eventually.await("handshakes " + field + " " + expected, TIMEOUT, Duration.ofMillis(10),
                () -> health().get("handshakes").get(field).asInt() == expected);
    }

    private JsonNode health() {
        String body = HttpClient.create().get().uri(gateway.healthUri())
                .responseSingle((head, content) -> content.asString())
                .block(TIMEOUT);
        try {
            return new ObjectMapper().readTree(body);
        } catch (Exception e) {
            throw new AssertionError("health is not JSON: " + body, e);
        }
    }
}
