package dev.tether.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tether.gateway.testing.GatewayExtension;
import dev.tether.gateway.testing.TestSocket;
import dev.tether.gateway.testing.TokenIssuer;
import dev.tether.protocol.AuthOk;
import dev.tether.protocol.ClientAuth;
import dev.tether.protocol.Hello;
import dev.tether.protocol.Ping;
import dev.tether.protocol.Pong;
import dev.tether.protocol.ResumeFailure;
import dev.tether.protocol.ServerEvent;
import dev.tether.protocol.Welcome;
import io.netty.handler.codec.http.websocketx.WebSocketCloseStatus;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import reactor.netty.http.client.HttpClient;

/**
 * {@code --auth jwt} against a real gateway: the token in {@code hello} or the upgrade's {@code Authorization}
 * header, 4001 with a reason that says what was wrong, sessions that belong to their user, refreshes and expiry.
 * The checks of a token are unit-tested ({@code TokenVerifierTest}); the expiry timer on virtual time
 * ({@code TokenExpiryTest}).
 */
class AuthIT {

    @RegisterExtension
    final GatewayExtension gateway = new GatewayExtension(c -> c.auth(a -> a.mode(AuthOptions.Mode.JWT)
            .secret(TokenIssuer.SECRET).clockSkew(Duration.ZERO)));

    /** A token for {@code sub} that the gateway's clock sees valid for {@code ttl}. */
    private String token(String sub, Duration ttl) {
        gateway.gateway();
        return TokenIssuer.hs256(TokenIssuer.claims(sub, gateway.clock().instant(), ttl, b -> b));
    }

    private Welcome hello(TestSocket socket, Hello hello) {
        socket.send(hello);
        return socket.next(Welcome.class);
    }

    private WebSocketCloseStatus refused(Hello hello) {
        TestSocket socket = gateway.connect();
        socket.send(hello);
        return socket.awaitClose(TestSocket.TIMEOUT);
    }

    @Test
    void aHelloWithoutAValidTokenIsClosedWith4001SayingWhy() {
        gateway.gateway();
        Instant now = gateway.clock().instant();
        String expired = TokenIssuer.hs256(TokenIssuer.claims("alice", now.minusSeconds(120), Duration.ofMinutes(1),
                b -> b));
        String forged = TokenIssuer.hs256("some-other-secret-of-32-bytes-or-more",
                TokenIssuer.claims("alice", now, Duration.ofMinutes(1), b -> b));

        assertThat(refused(Hello.fresh())).satisfies(close -> {
            assertThat(close.code()).isEqualTo(4001);
            assertThat(close.reasonText()).isEqualTo("unauthorized: missing token");
        });
        assertThat(refused(Hello.fresh().withToken("garbage")).reasonText()).isEqualTo("unauthorized: malformed token");
        assertThat(refused(Hello.fresh().withToken(expired)).reasonText()).isEqualTo("unauthorized: expired token");
        WebSocketCloseStatus forgedClose = refused(Hello.fresh().withToken(forged));
        assertThat(forgedClose.code()).isEqualTo(4001);
        assertThat(forgedClose.reasonText()).isEqualTo("unauthorized: invalid signature").doesNotContain(forged);
        assertThat(gateway.store().stats().block(TestSocket.TIMEOUT).total()).as("no session was created")
                .isZero();
        assertThat(metrics()).contains("tether_handshakes_refused_total{node=\"test-node\",reason=\"unauthorized\"} 4.0");
    }

    @Test
    void aValidTokenInHelloOrInTheUpgradeHeaderStartsASessionOfItsUser() {
        Welcome inHello = hello(gateway.connect(), Hello.fresh().withToken(token("alice", Duration.ofMinutes(5))));
        Welcome inHeader = hello(gateway.connect(Map.of("Authorization", "Bearer " + token("bob",
                Duration.ofMinutes(5)))), Hello.fresh());

        assertThat(gateway.store().find(inHello.sessionId()).block(TestSocket.TIMEOUT).user()).isEqualTo("alice");
        assertThat(gateway.store().find(inHeader.sessionId()).block(TestSocket.TIMEOUT).user()).isEqualTo("bob");
    }

    @Test
    void aSessionIsResumedByItsUserOnlyAndAnotherUsersAttemptIsForbiddenAndCounted() {
        TestSocket first = gateway.connect();
        Welcome alices = hello(first, Hello.fresh().withToken(token("alice", Duration.ofMinutes(5))));
        first.abort();
        Hello.Resume resume = new Hello.Resume(alices.sessionId(), alices.token(), alices.epoch(), 0);

        Welcome mallory = hello(gateway.connect(), Hello.resume(resume).withToken(token("mallory",
                Duration.ofMinutes(5))));
        assertThat(mallory.resumed()).isFalse();
        assertThat(mallory.reason()).isEqualTo(ResumeFailure.FORBIDDEN);
        assertThat(mallory.sessionId()).as("a fresh session of the caller's").isNotEqualTo(alices.sessionId());
        assertThat(gateway.store().find(mallory.sessionId()).block(TestSocket.TIMEOUT).user()).isEqualTo("mallory");

        Welcome again = hello(gateway.connect(), Hello.resume(resume).withToken(token("alice",
                Duration.ofMinutes(5))));
        assertThat(again.resumed()).as("the owner still gets it back").isTrue();
        assertThat(again.sessionId()).isEqualTo(alices.sessionId());
        assertThat(metrics()).contains("tether_handshakes_total{node=\"test-node\",result=\"forbidden\"} 1.0");
    }

    @Test
    void aRefreshOfTheSameUserIsConfirmedAndOneOfAnotherUserCloses() {
        TestSocket socket = gateway.connect();
        hello(socket, Hello.fresh().withToken(token("alice", Duration.ofMinutes(1))));

        socket.send(new ClientAuth(token("alice", Duration.ofMinutes(10))));
        AuthOk ok = socket.next(AuthOk.class);
        assertThat(ok.expiresAt()).isEqualTo(gateway.clock().instant().plus(Duration.ofMinutes(10))
                .getEpochSecond() * 1000);

        socket.send(new ClientAuth(token("mallory", Duration.ofMinutes(10))));
        WebSocketCloseStatus close = socket.awaitClose(TestSocket.TIMEOUT);
        assertThat(close.code()).isEqualTo(4001);
        assertThat(close.reasonText()).isEqualTo("unauthorized: token for another user");
    }

    @Test
    void anInvalidRefreshCloses() {
        TestSocket socket = gateway.connect();
        hello(socket, Hello.fresh().withToken(token("alice", Duration.ofMinutes(1))));

        socket.send(new ClientAuth("not.a.token"));

        assertThat(socket.awaitClose(TestSocket.TIMEOUT).reasonText()).isEqualTo("unauthorized: malformed token");
    }

    @Test
    void aConnectionWhoseTokenExpiresWithoutARefreshIsClosedAndARefreshedOneIsNot() {
        TestSocket lapsing = gateway.connect();
        hello(lapsing, Hello.fresh().withToken(token("alice", Duration.ofSeconds(1))));
        TestSocket refreshed = gateway.connect();
        hello(refreshed, Hello.fresh().withToken(token("bob", Duration.ofSeconds(1))));
        refreshed.send(new ClientAuth(token("bob", Duration.ofMinutes(5))));
        refreshed.next(AuthOk.class);
        // The gateway's clock stands still until moved: past the first tokens' expiry, the timers see it at their
        // next look, a second from their start.
        gateway.clock().advance(Duration.ofSeconds(2));

        WebSocketCloseStatus close = lapsing.awaitClose(TestSocket.TIMEOUT);
        assertThat(close.code()).isEqualTo(4001);
        assertThat(close.reasonText()).isEqualTo("unauthorized: token expired");
        refreshed.send(new Ping(7));
        assertThat(refreshed.next(Pong.class).t()).as("the refreshed connection lives on").isEqualTo(7);
    }

    @Test
    void withoutAuthenticationTokensAreIgnoredAndARefreshIsConfirmedUnread() {
        gateway.start(c -> c.auth(AuthOptions.defaults()));
        TestSocket socket = gateway.connect();
        Welcome welcome = hello(socket, Hello.fresh().withToken("anything"));

        socket.send(new ClientAuth("anything"));

        assertThat(socket.next(AuthOk.class).expiresAt()).isZero();
        assertThat(gateway.store().find(welcome.sessionId()).block(TestSocket.TIMEOUT).user()).isNull();
    }

    @Test
    void aPushToAUserReachesEveryLiveSessionOfThatUserAndNoOther() {
        String key = "push-api-key-0123456789";
        gateway.start(c -> c.pushApi(PushApiOptions.withApiKey(key)));
        String alice = "auth0|alice 1+2";
        TestSocket phone = gateway.connect();
        Welcome first = hello(phone, Hello.fresh().withToken(token(alice, Duration.ofMinutes(5))));
        TestSocket laptop = gateway.connect();
        Welcome second = hello(laptop, Hello.fresh().withToken(token(alice, Duration.ofMinutes(5))));
        TestSocket bobs = gateway.connect();
        hello(bobs, Hello.fresh().withToken(token("bob", Duration.ofMinutes(5))));
        String path = "/api/v1/users/" + java.net.URLEncoder.encode(alice, java.nio.charset.StandardCharsets.UTF_8)
                .replace("+", "%20") + "/events";

        String[] reply = post(path, key, "once-1", "{\"name\":\"invoice_paid\",\"data\":{\"id\":7}}");
        assertThat(reply[0]).isEqualTo("200");
        assertThat(reply[1]).contains("\"count\":2").contains(first.sessionId()).contains(second.sessionId())
                .contains("\"duplicate\":false");
        for (TestSocket socket : java.util.List.of(phone, laptop)) {
            ServerEvent event = socket.next(ServerEvent.class);
            assertThat(event.name()).isEqualTo("invoice_paid");
            assertThat(event.data().get("id").asInt()).isEqualTo(7);
        }
        bobs.send(new Ping(1));
        assertThat(bobs.next()).as("nothing for another user").isEqualTo(new Pong(1));

        String[] retry = post(path, key, "once-1", "{\"name\":\"invoice_paid\",\"data\":{\"id\":7}}");
        assertThat(retry[1]).contains("\"count\":2").contains("\"duplicate\":true").doesNotContain("false");
        assertThat(post("/api/v1/users/nobody/events", key, null, "{\"name\":\"x\"}")[1])
                .isEqualTo("{\"count\":0,\"sessions\":[]}");
        assertThat(post("/api/v1/users/bob/events", "wrong-key-0123456789", null, "{\"name\":\"x\"}")[0])
                .isEqualTo("401");
        assertThat(post("/api/v1/users/bob/events", key, null, "{\"name\":\"\"}")[0]).isEqualTo("400");
    }

    private String[] post(String path, String apiKey, String idempotencyKey, String body) {
        return HttpClient.create()
                .headers(h -> {
                    h.set("Content-Type", "application/json").set("Authorization", "Bearer " + apiKey);
                    if (idempotencyKey != null) {
                        h.set("Idempotency-Key", idempotencyKey);
                    }
                })
                .post()
                .uri("http://127.0.0.1:" + gateway.gateway().port() + path)
                .send(reactor.netty.ByteBufFlux.fromString(reactor.core.publisher.Mono.just(body)))
                .responseSingle((head, content) -> content.asString().defaultIfEmpty("")
                        .map(text -> new String[] {Integer.toString(head.status().code()), text}))
                .block(TestSocket.TIMEOUT);
    }

    private String metrics() {
        return HttpClient.create().get().uri("http://127.0.0.1:" + gateway.gateway().port() + "/metrics")
                .responseContent().aggregate().asString().block(TestSocket.TIMEOUT);
    }
}
