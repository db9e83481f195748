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
        return HttpClient.create()
                .headers(h -> {
                    h.set("Content-Type", "application/json");
                    if (bearer != null) {
                        h.set("Authorization", "Bearer " + bearer);
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
        gateway.start(c -> c.apiKey(KEY));
        TestSocket socket = gateway.connect();
        socket.send(Hello.fresh());
        Welcome welcome = socket.next(Welcome.class);

        Reply ok = post(welcome.sessionId(), KEY, "{\"name\":\"tool_done\",\"data\":{\"hits\":3}}");
        assertThat(ok.status()).isEqualTo(200);
        assertThat(ok.body()).isEqualTo("{\"seq\":1}");
        ServerEvent event = socket.next(ServerEvent.class);
        assertThat(event.seq()).isEqualTo(1);
        assertThat(event.name()).isEqualTo("tool_done");
        assertThat(event.data().get("hits").asInt()).isEqualTo(3);

        assertThat(post(welcome.sessionId(), null, "{\"name\":\"x\"}").status()).isEqualTo(401);
        assertThat(post(welcome.sessionId(), KEY + "x", "{\"name\":\"x\"}").status()).isEqualTo(401);
        assertThat(post("unknown", KEY, "{\"name\":\"x\"}").status()).isEqualTo(404);
        Reply malformed = post(welcome.sessionId(), KEY, "{\"name\":\"\"}");
        assertThat(malformed.status()).isEqualTo(400);
        assertThat(malformed.body()).contains("name must be a non-empty string");
        assertThat(post(welcome.sessionId(), KEY, "[1]").status()).isEqualTo(400);
        assertThat(post(welcome.sessionId(), KEY, "").status()).isEqualTo(400);
        assertThat(gateway.store().find(welcome.sessionId()).block(TestSocket.TIMEOUT).lastSeq()).isEqualTo(1);
    }
}
