package dev.tether.e2e;

import static dev.tether.e2e.MultiNodeIT.API_KEY;
import static dev.tether.e2e.MultiNodeIT.TIMEOUT;
import static dev.tether.e2e.MultiNodeIT.redisNode;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tether.client.ConnectionEvent;
import dev.tether.client.ConnectionState;
import dev.tether.client.SessionHandle;
import dev.tether.e2e.testing.Clients;
import dev.tether.e2e.testing.GatewayNode;
import dev.tether.e2e.testing.GatewayProcesses;
import dev.tether.e2e.testing.RawSocket;
import dev.tether.gateway.testing.TokenIssuer;
import dev.tether.protocol.DoneReason;
import dev.tether.protocol.Hello;
import dev.tether.protocol.ResumeFailure;
import dev.tether.protocol.ServerEvent;
import dev.tether.session.redis.testkit.RedisExtension;
import dev.tether.testkit.Eventually;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import reactor.core.publisher.Mono;

/**
 * {@code --auth jwt} across gateway processes on one Redis: tokens signed by the test with real key pairs and checked
 * against a JWKS the test serves; a session follows its user from node to node and no one else; a user is pushed to
 * wherever their sessions are; and no token ever reaches a gateway's log.
 */
class IdentityIT {

    private static final String ISSUER = "https://id.tether.test";
    private static final String AUDIENCE = "tether-e2e";

    @RegisterExtension
    static final RedisExtension redis = RedisExtension.killable();

    @RegisterExtension
    final GatewayProcesses gateways = new GatewayProcesses();

    private final TokenIssuer issuer = TokenIssuer.start();
    /** Every token handed to a client or a socket in this test, for the log check. */
    private final Set<String> issued = ConcurrentHashMap.newKeySet();

    @AfterEach
    void stopIssuer() {
        issuer.close();
    }

    private List<GatewayNode> nodes(String... ids) {
        return gateways.startReady(List.of(ids), redisNode(redis.server().uri(), "--auth", "jwt",
                "--jwt-jwks-url", issuer.jwksUrl(), "--jwt-issuer", ISSUER, "--jwt-audience", AUDIENCE,
                // Tokens here live seconds, not minutes: a refresh due 10% before exp is a few hundred ms ahead,
                // which a stall of this busy machine can eat; the skew is what production has for that.
                "--jwt-clock-skew", "2s"));
    }

    /** Tokens of {@code sub} valid for {@code ttl}, alternately RS256 and ES256, as an identity provider hands out. */
    private Supplier<Mono<String>> tokens(String sub, Duration ttl) {
        int[] calls = {0};
        return () -> Mono.fromCallable(() -> {
            var claims = TokenIssuer.claims(sub, java.time.Instant.now(), ttl,
                    b -> b.issuer(ISSUER).audience(AUDIENCE));
            String token = calls[0]++ % 2 == 0 ? issuer.rs256(claims) : issuer.es256(claims);
            issued.add(token);
            return token;
        });
    }

    private Clients client(GatewayNode node, Supplier<Mono<String>> tokens, SessionHandle resumeFrom) {
        Clients client = Clients.create(List.of(node.wsUri()), o -> {
            o.tokenProvider(tokens);
            return resumeFrom == null ? o : o.resumeFrom(resumeFrom);
        });
        gateways.closeAfter(client);
        return client;
    }

    @Test
    void aSessionFollowsItsUserAcrossNodesAndNoOneElseAndAPushReachesTheUserWherever() throws IOException {
        List<GatewayNode> nodes = nodes("a", "b");
        GatewayNode a = nodes.get(0);
        GatewayNode b = nodes.get(1);

        Clients alice = client(a, tokens("alice", Duration.ofMinutes(5)), null);
        alice.client().connect().block(TIMEOUT);
        long first = alice.client().send("hello from node a").block(TIMEOUT);
        assertThat(alice.awaitDone(first, TIMEOUT).reason()).isEqualTo(DoneReason.COMPLETE);
        SessionHandle handle = alice.client().session().orElseThrow();
        alice.close();

        // Another user holding the session's id and token: not resumed, a fresh session of their own.
        Clients mallory = client(b, tokens("mallory", Duration.ofMinutes(5)), handle);
        mallory.client().connect().block(TIMEOUT);
        ConnectionEvent.Resumed refused = mallory.events(ConnectionEvent.Resumed.class).getFirst();
        assertThat(refused.resumed()).isFalse();
        assertThat(refused.reason()).isEqualTo(ResumeFailure.FORBIDDEN);
        assertThat(mallory.client().session().orElseThrow().sessionId()).isNotEqualTo(handle.sessionId());

        // The same user on the other node: resumed, nothing missed.
        Clients back = client(b, tokens("alice", Duration.ofMinutes(5)), handle);
        back.client().connect().block(TIMEOUT);
        assertThat(back.events(ConnectionEvent.Resumed.class).getFirst().resumed()).isTrue();
        assertThat(back.client().session().orElseThrow().sessionId()).isEqualTo(handle.sessionId());
        long second = back.client().send("hello from node b").block(TIMEOUT);
        assertThat(back.awaitDone(second, TIMEOUT).reason()).isEqualTo(DoneReason.COMPLETE);

        // A push to alice through node a reaches her session, served by node b; mallory's session gets nothing.
        HttpResponse<String> pushed = a.post("/api/v1/users/alice/events", API_KEY,
                "{\"name\":\"invoice_paid\",\"data\":{\"id\":42}}");
        assertThat(pushed.statusCode()).isEqualTo(200);
        assertThat(pushed.body()).contains("\"count\":1").contains(handle.sessionId());
        Eventually.await("the pushed event", TIMEOUT, () -> back.frames().stream()
                .anyMatch(f -> f instanceof ServerEvent e && e.name().equals("invoice_paid")));
        assertThat(mallory.frames()).noneMatch(f -> f instanceof ServerEvent);

        // A connection without a token, or with a forged one, is refused with 4001 and a reason.
        RawSocket anonymous = gateways.closeAfter(RawSocket.connect(b.wsUri()));
        anonymous.send(Hello.fresh());
        var close = anonymous.awaitClose(TIMEOUT);
        assertThat(close.code()).isEqualTo(4001);
        assertThat(close.reasonText()).isEqualTo("unauthorized: missing token");

        assertNoTokenInTheLogs(nodes);
    }

    @Test
    void aConnectionLivesOnThroughRefreshesOfAShortLivedToken() throws IOException {
        GatewayNode a = nodes("a").getFirst();
        Clients alice = client(a, tokens("alice", Duration.ofSeconds(5)), null);
        alice.client().connect().block(TIMEOUT);

        // Three lifetimes of the first token: each refreshed (at 90% of its life) before it ran out.
        Eventually.await("three lifetimes", Duration.ofSeconds(30), Duration.ofMillis(200), () -> issued.size() >= 4);
        // Past the last refreshed token's predecessor's expiry plus the skew: a late or missing refresh shows here.
        Eventually.sleep(3_000);
        long cseq = alice.client().send("still here").block(TIMEOUT);
        assertThat(alice.awaitDone(cseq, TIMEOUT).reason()).isEqualTo(DoneReason.COMPLETE);
        assertThat(alice.client().state()).isEqualTo(ConnectionState.CONNECTED);
        assertThat(alice.events(ConnectionEvent.Closed.class)).as("never closed for its token").isEmpty();

        assertNoTokenInTheLogs(List.of(a));
    }

    private void assertNoTokenInTheLogs(List<GatewayNode> nodes) throws IOException {
        assertThat(issued).isNotEmpty();
        for (GatewayNode node : nodes) {
            String log = Files.readString(node.log());
            for (String token : issued) {
                // A whole token, or its signature alone: neither may be written anywhere.
                assertThat(log).as("the log of node " + node.nodeId()).doesNotContain(token)
                        .doesNotContain(token.substring(token.lastIndexOf('.') + 1));
            }
            assertThat(log).doesNotContain("eyJ");
        }
    }
}
