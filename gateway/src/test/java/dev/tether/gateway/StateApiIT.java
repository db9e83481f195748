package dev.tether.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.tether.gateway.testing.GatewayExtension;
import dev.tether.gateway.testing.TestSocket;
import dev.tether.protocol.Hello;
import dev.tether.protocol.Welcome;
import dev.tether.protocol.session.SessionState;
import io.netty.handler.codec.http.HttpMethod;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import reactor.core.publisher.Mono;
import reactor.netty.ByteBufFlux;
import reactor.netty.http.client.HttpClient;

/** {@code GET}/{@code PUT /api/v1/sessions/{id}/state}: other backends reading and setting a session's state. */
class StateApiIT {

    private static final String KEY = "state-api-key-0123456789";

    @RegisterExtension
    final GatewayExtension gateway = new GatewayExtension(c -> c.pushApi(PushApiOptions.withApiKey(KEY))
            .sessionLimits(l -> l.maxStateBytes(64)));

    private record Reply(int status, String body, String etag) {
    }

    private Reply get(String sessionId) {
        return call(HttpMethod.GET, sessionId, Map.of("Authorization", "Bearer " + KEY), null);
    }

    private Reply put(String sessionId, String body) {
        return call(HttpMethod.PUT, sessionId, Map.of("Authorization", "Bearer " + KEY), body);
    }

    private Reply put(String sessionId, String ifMatch, String body) {
        return call(HttpMethod.PUT, sessionId, Map.of("Authorization", "Bearer " + KEY, "If-Match", ifMatch), body);
    }

    private Reply call(HttpMethod method, String sessionId, Map<String, String> headers, String body) {
        return HttpClient.create()
                .headers(h -> headers.forEach(h::set))
                .request(method)
                .uri("http://127.0.0.1:" + gateway.gateway().port() + "/api/v1/sessions/" + sessionId + "/state")
                .send(body == null ? Mono.empty() : ByteBufFlux.fromString(Mono.just(body)))
                .responseSingle((head, content) -> content.asString().defaultIfEmpty("")
                        .map(text -> new Reply(head.status().code(), text, head.responseHeaders().get("ETag"))))
                .block(TestSocket.TIMEOUT);
    }

    private String newSession() {
        TestSocket socket = gateway.connect();
        socket.send(Hello.fresh());
        return socket.next(Welcome.class).sessionId();
    }

    @Test
    void aBackendReadsAndSetsTheStateAHandlerSees() {
        String session = newSession();

        Reply fresh = get(session);
        Reply set = put(session, "{\"state\": {\"lang\": \"fr\"}}");
        Reply read = get(session);

        assertThat(fresh.status()).isEqualTo(200);
        assertThat(fresh.body()).isEqualTo("{\"version\":0,\"state\":{}}");
        assertThat(fresh.etag()).isEqualTo("\"0\"");
        assertThat(set.status()).isEqualTo(200);
        assertThat(set.body()).isEqualTo("{\"version\":1,\"state\":{\"lang\":\"fr\"}}");
        assertThat(read.body()).isEqualTo(set.body());
        assertThat(read.etag()).isEqualTo("\"1\"");
        assertThat(gateway.store().readState(session).block(TestSocket.TIMEOUT))
                .isEqualTo(new SessionState(1, JsonNodeFactory.instance.objectNode().put("lang", "fr")));
    }

    @Test
    void ifMatchMakesAPutACompareAndSet() {
        String session = newSession();
        put(session, "{\"state\": {\"step\": 1}}");

        Reply matching = put(session, "1", "{\"state\": {\"step\": 2}}");
        Reply stale = put(session, "1", "{\"state\": {\"step\": 99}}");
        Reply quoted = put(session, "\"2\"", "{\"state\": {\"step\": 3}}");

        assertThat(matching.status()).isEqualTo(200);
        assertThat(matching.body()).isEqualTo("{\"version\":2,\"state\":{\"step\":2}}");
        assertThat(stale.status()).isEqualTo(412);
        assertThat(stale.body()).contains("version_mismatch", "the state is at version 2");
        assertThat(stale.etag()).as("the version to read-modify-write from").isEqualTo("\"2\"");
        assertThat(quoted.status()).as("an entity tag, as GET's ETag gives it").isEqualTo(200);
        assertThat(get(session).body()).isEqualTo("{\"version\":3,\"state\":{\"step\":3}}");
    }

    @Test
    void aStateOverTheBoundIs413AndChangesNothing() {
        String session = newSession();
        // {"big":"..."} with 55 characters of text is 65 bytes: one over the bound of 64.
        Reply over = put(session, "{\"state\": {\"big\": \"" + "x".repeat(55) + "\"}}");
        Reply atBound = put(session, "{\"state\": {\"big\": \"" + "x".repeat(54) + "\"}}");
        Reply hugeBody = put(session, "{\"state\": {\"big\": \"" + "x".repeat(4 * 64 + 1024) + "\"}}");

        assertThat(over.status()).isEqualTo(413);
        assertThat(over.body()).contains("a state of 65 bytes exceeds the limit of 64 bytes");
        assertThat(atBound.status()).isEqualTo(200);
        assertThat(hugeBody.status()).isEqualTo(413);
        assertThat(get(session).body()).contains("\"version\":1");
    }

    @Test
    void badRequestsAreRefusedByStatus() {
        String session = newSession();

        assertThat(get("unknown").status()).isEqualTo(404);
        assertThat(put("unknown", "{\"state\": {}}").status()).isEqualTo(404);
        assertThat(get("x".repeat(300)).status()).as("an id no session can have").isEqualTo(404);
        for (String body : new String[] {"[1]", "{\"state\": [1]}", "{\"state\": 1}", "{\"lang\": \"fr\"}",
                "not json", "", "{\"state\": {}} {}"}) {
            Reply reply = put(session, body);
            assertThat(reply.status()).as(body).isEqualTo(400);
        }
        assertThat(put(session, "-1", "{\"state\": {}}").status()).isEqualTo(400);
        assertThat(put(session, "W/\"1\"", "{\"state\": {}}").status()).isEqualTo(400);
        assertThat(call(HttpMethod.GET, session, Map.of(), null).status()).isEqualTo(401);
        assertThat(call(HttpMethod.PUT, session, Map.of("Authorization", "Bearer wrong-key-0123456789"),
                "{\"state\": {}}").status()).isEqualTo(401);
        assertThat(get(session).body()).as("nothing was written").isEqualTo("{\"version\":0,\"state\":{}}");
    }

    @Test
    void offWithoutAnApiKey() {
        gateway.start(c -> c.pushApi(PushApiOptions.off()));
        assertThat(get("any").status()).isEqualTo(404);
        assertThat(get("any").body()).contains("the backend API is off");
    }
}
