package dev.tether.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.tether.client.ConnectionEvent;
import dev.tether.e2e.testing.Clients;
import dev.tether.e2e.testing.GatewayNode;
import dev.tether.e2e.testing.GatewayProcesses;
import dev.tether.e2e.testing.KeypadHandlerProvider;
import dev.tether.protocol.DoneReason;
import dev.tether.protocol.ServerEvent;
import dev.tether.session.redis.testkit.RedisExtension;
import dev.tether.testkit.Eventually;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * The keypad case across a node's death: digits typed as {@code event}s land in the session's state on node a, a
 * is SIGKILLed, the client resumes on node b and keeps typing, and {@code #} is answered with the whole number, no
 * digit lost or counted twice, also the one whose handler was in flight on a when it died. The handler is
 * {@link KeypadHandlerProvider}, loaded by the gateway processes from the test classpath.
 */
class KeypadIT {

    private static final Duration TIMEOUT = MultiNodeIT.TIMEOUT;
    private static final ObjectMapper JSON = new ObjectMapper();

    @RegisterExtension
    static final RedisExtension redis = RedisExtension.standalone();

    @RegisterExtension
    final GatewayProcesses gateways = new GatewayProcesses();

    private static Mono<Long> key(Clients client, char digit) {
        return client.client().sendEvent(KeypadHandlerProvider.KEY_EVENT,
                JsonNodeFactory.instance.objectNode().put("key", String.valueOf(digit)));
    }

    /** A key event that node {@code stallOn}'s handler never finishes. */
    private static Mono<Long> keyStallingOn(Clients client, char digit, String stallOn) {
        return client.client().sendEvent(KeypadHandlerProvider.KEY_EVENT, JsonNodeFactory.instance.objectNode()
                .put("key", String.valueOf(digit)).put("stallOn", stallOn));
    }

    /** The session's state as another backend reads it, through {@code node}'s state API. */
    private static JsonNode state(GatewayNode node, String sessionId) {
        try {
            HttpResponse<String> response = node.get("/api/v1/sessions/" + sessionId + "/state",
                    MultiNodeIT.API_KEY);
            assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
            return JSON.readTree(response.body());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Test
    void digitsTypedAcrossANodeKillMakeTheWholeNumberOnce() {
        List<GatewayNode> nodes = gateways.startReady(List.of("a", "b"),
                MultiNodeIT.redisNode(redis.server().uri(), "--handler", KeypadHandlerProvider.NAME));
        GatewayNode a = nodes.get(0);
        GatewayNode b = nodes.get(1);
        Clients client = gateways.closeAfter(Clients.create(List.of(a.wsUri(), b.wsUri()), o -> o));
        client.client().connect().block(TIMEOUT);
        String sessionId = client.client().session().orElseThrow().sessionId();

        String before = "01234";
        String after = "56789";
        Flux.fromIterable(before.chars().mapToObj(c -> (char) c).toList())
                .concatMap(digit -> key(client, digit))
                .blockLast(TIMEOUT);
        // Every digit so far is in the state, read from the other node: none is being handled when a dies. (One that
        // is, is handled by b once its lease lapses: the test below.)
        Eventually.await("the first digits in the state", TIMEOUT,
                () -> state(b, sessionId).path("state").path("keys").size() == before.length());
        a.kill();

        // Typed while the client is still finding b: they wait in its outbox and are sent once it has resumed.
        Flux.fromIterable(after.chars().mapToObj(c -> (char) c).toList())
                .concatMap(digit -> key(client, digit))
                .blockLast(TIMEOUT);
        long hash = client.client().send("#").block(TIMEOUT);

        assertThat(client.awaitDone(hash, TIMEOUT).reason()).isEqualTo(DoneReason.COMPLETE);
        assertThat(client.text(hash)).isEqualTo(before + after);
        assertThat(client.events(ConnectionEvent.Resumed.class)).as("the session moved to b, not a new one")
                .anyMatch(ConnectionEvent.Resumed::resumed);
        assertThat(client.client().session().orElseThrow().sessionId()).isEqualTo(sessionId);
        JsonNode state = state(b, sessionId);
        assertThat(state.path("state").path("keys").size()).as("each digit once: %s", state)
                .isEqualTo(before.length() + after.length());
        assertThat(state.path("version").asLong()).as("one write per digit").isEqualTo(before.length()
                + after.length());
    }

    @Test
    void aDigitWhoseHandlerWasInFlightOnAKilledNodeIsHandledOnceByTheOther() throws IOException {
        List<GatewayNode> nodes = gateways.startReady(List.of("a", "b"),
                MultiNodeIT.redisNode(redis.server().uri(), "--handler", KeypadHandlerProvider.NAME));
        GatewayNode a = nodes.get(0);
        GatewayNode b = nodes.get(1);
        Clients client = gateways.closeAfter(Clients.create(List.of(a.wsUri(), b.wsUri()), o -> o));
        client.client().connect().block(TIMEOUT);
        String sessionId = client.client().session().orElseThrow().sessionId();

        Flux.fromIterable(List.of('0', '1', '2', '3', '4')).concatMap(digit -> key(client, digit)).blockLast(TIMEOUT);
        long stalled = keyStallingOn(client, '5', "a").block(TIMEOUT);
        // Acknowledged, so the client never sends it again; a's handler has it and will never finish.
        Eventually.await("a's handler is in the middle of the digit", TIMEOUT, () -> client.frames().stream()
                .anyMatch(f -> f instanceof ServerEvent e && KeypadHandlerProvider.STALLED_EVENT.equals(e.name())
                        && e.data().asLong() == stalled));
        a.kill();

        Flux.fromIterable(List.of('6', '7', '8', '9')).concatMap(digit -> key(client, digit)).blockLast(TIMEOUT);
        long hash = client.client().send("#").block(TIMEOUT);

        assertThat(client.awaitDone(hash, TIMEOUT).reason()).isEqualTo(DoneReason.COMPLETE);
        assertThat(client.text(hash)).isEqualTo("0123456789");
        JsonNode state = state(b, sessionId);
        assertThat(state.path("state").path("keys").size()).as("each digit once: %s", state).isEqualTo(10);
        assertThat(state.path("version").asLong()).as("one write per digit").isEqualTo(10);
        assertThat(b.get("/metrics", MultiNodeIT.API_KEY).body())
                .as("b took the digit over when a's lease on it lapsed")
                .contains("tether_handler_events_rehandled_total{node=\"b\"} 1.0");
    }
}
