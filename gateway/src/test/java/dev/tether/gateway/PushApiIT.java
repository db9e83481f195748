package dev.tether.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tether.gateway.testing.GatewayExtension;
import dev.tether.gateway.testing.TestSocket;
import dev.tether.protocol.Hello;
import dev.tether.protocol.ServerEvent;
import dev.tether.protocol.Welcome;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import reactor.netty.http.client.HttpClient;

/** The backend push endpoint on one node with the in-memory store; the multi-node cases are in the e2e module. */
class PushApiIT {

    private static final String KEY = "push-api-key-0123456789";

    @RegisterExtension
    final GatewayExtension gateway = new GatewayExtension();

    private record Reply(int status, String body) {
    }

    private Reply post(String sessionId, String bearer, String body) {
        return post(sessionId, bearer, null, body);
    }

    private Reply post(String sessionId, String bearer, String idempotencyKey, String body) {
        return HttpClient.create()
                .headers(h -> {
                    h.set("Content-Type", "application/json");
                    if (bearer != null) {
                        h.set("Authorization", "Bearer " + bearer);
                    }
                    if (idempotencyKey != null) {
                        h.set("Idempotency-Key", idempotencyKey);
                    }
                })
                .post()
                .uri("http://127.0.0.1:" + gateway.gateway().port() + "/api/v1/sessions/" + sessionId + "/events")
                .send(reactor.netty.ByteBufFlux.fromString(reactor.core.publisher.Mono.just(body)))
                .responseSingle((head, content) -> content.asString().defaultIfEmpty("")
                        .map(text -> new Reply(head.status().code(), text)))
                .block(TestSocket.TIMEOUT);
    }

    @Test
    void offWithoutAnApiKey() {
        gateway.start(c -> c);
        assertThat(post("any", KEY, "{\"name\":\"x\"}").status()).isEqualTo(404);
    }

    @Test
    void appendsAnEventTheConnectedClientReceivesLive() {
        gateway.start(c -> c.pushApi(PushApiOptions.withApiKey(KEY)));
        TestSocket socket = gateway.connect();
        socket.send(Hello.fresh());
        Welcome welcome = socket.next(Welcome.class);

        Reply ok = post(welcome.sessionId(), KEY, "{\"name\":\"tool_done\",\"data\":{\"hits\":3}}");
        assertThat(ok.status()).isEqualTo(200);
        assertThat(ok.body()).isEqualTo("{\"seq\":1,\"duplicate\":false}");
        ServerEvent event = socket.next(ServerEvent.class);
        assertThat(event.seq()).isEqualTo(1);
        assertThat(event.name()).isEqualTo("tool_done");
        assertThat(event.data().get("hits").asInt()).isEqualTo(3);

        assertThat(post(welcome.sessionId(), null, "{\"name\":\"x\"}").status()).isEqualTo(401);
        assertThat(post(welcome.sessionId(), KEY + "x", "{\"name\":\"x\"}").status()).isEqualTo(401);
        assertThat(post("unknown", KEY, "{\"name\":\"x\"}").status()).isEqualTo(404);
        assertThat(post("x".repeat(300), KEY, "{\"name\":\"x\"}").status()).as("an id no session can have")
                .isEqualTo(404);
        Reply malformed = post(welcome.sessionId(), KEY, "{\"name\":\"\"}");
        assertThat(malformed.status()).isEqualTo(400);
        assertThat(malformed.body()).contains("name must be a non-empty string");
        assertThat(post(welcome.sessionId(), KEY, "[1]").status()).isEqualTo(400);
        assertThat(post(welcome.sessionId(), KEY, "").status()).isEqualTo(400);
        assertThat(gateway.store().find(welcome.sessionId()).block(TestSocket.TIMEOUT).lastSeq()).isEqualTo(1);
    }

    @Test
    void aPushSentAgainWithItsIdempotencyKeyIsStoredOnce() {
        gateway.start(c -> c.pushApi(PushApiOptions.withApiKey(KEY)));
        TestSocket socket = gateway.connect();
        socket.send(Hello.fresh());
        Welcome welcome = socket.next(Welcome.class);
        String body = "{\"name\":\"tool_done\",\"data\":{\"hits\":3}}";

        Reply first = post(welcome.sessionId(), KEY, "tool-call-17", body);
        Reply retry = post(welcome.sessionId(), KEY, "tool-call-17", body);
        Reply other = post(welcome.sessionId(), KEY, "tool-call-18", body);

        assertThat(first.body()).isEqualTo("{\"seq\":1,\"duplicate\":false}");
        assertThat(retry.status()).isEqualTo(200);
        assertThat(retry.body()).isEqualTo("{\"seq\":1,\"duplicate\":true}");
        assertThat(other.body()).isEqualTo("{\"seq\":2,\"duplicate\":false}");
        assertThat(socket.next(ServerEvent.class).seq()).isEqualTo(1);
        assertThat(socket.next(ServerEvent.class).seq()).as("the retry sent nothing").isEqualTo(2);

        Reply badKey = post(welcome.sessionId(), KEY, "two words", body);
        assertThat(badKey.status()).isEqualTo(400);
        assertThat(badKey.body()).contains("Idempotency-Key");
        assertThat(post(welcome.sessionId(), KEY, "k".repeat(201), body).status()).isEqualTo(400);
        assertThat(gateway.store().find(welcome.sessionId()).block(TestSocket.TIMEOUT).lastSeq()).isEqualTo(2);
    }

    @Test
    void anIdempotencyKeyReusedWithADifferentEventIsRefused422AndAppendsNothing() {
        gateway.start(c -> c.pushApi(PushApiOptions.withApiKey(KEY)));
        TestSocket socket = gateway.connect();
        socket.send(Hello.fresh());
        Welcome welcome = socket.next(Welcome.class);

        Reply first = post(welcome.sessionId(), KEY, "tool-call-17", "{\"name\":\"tool_done\",\"data\":{\"hits\":3}}");
        Reply reused = post(welcome.sessionId(), KEY, "tool-call-17", "{\"name\":\"tool_done\",\"data\":{\"hits\":4}}");
        Reply retry = post(welcome.sessionId(), KEY, "tool-call-17", "{\"name\":\"tool_done\",\"data\":{\"hits\":3}}");

        assertThat(first.status()).isEqualTo(200);
        assertThat(reused.status()).isEqualTo(422);
        assertThat(reused.body()).contains("idempotency_key_reused");
        assertThat(retry.body()).isEqualTo("{\"seq\":1,\"duplicate\":true}");
        assertThat(gateway.store().find(welcome.sessionId()).block(TestSocket.TIMEOUT).lastSeq()).isEqualTo(1);
    }
}
