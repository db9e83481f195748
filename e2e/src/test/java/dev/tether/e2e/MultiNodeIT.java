package dev.tether.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tether.client.ConnectionEvent;
import dev.tether.client.SessionHandle;
import dev.tether.e2e.testing.Clients;
import dev.tether.e2e.testing.GatewayNode;
import dev.tether.e2e.testing.GatewayProcesses;
import dev.tether.e2e.testing.RawSocket;
import dev.tether.loadtest.fault.FaultProxy;
import dev.tether.loadtest.fault.FaultProxyOptions;
import dev.tether.protocol.AssistantDone;
import dev.tether.protocol.DoneReason;
import dev.tether.protocol.Hello;
import dev.tether.protocol.Sequenced;
import dev.tether.protocol.ServerEvent;
import dev.tether.protocol.Welcome;
import dev.tether.session.redis.testkit.RedisExtension;
import dev.tether.testkit.Eventually;
import java.net.URI;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Several gateway nodes, each its own JVM process, against one real Redis: a client moves between them and
 * misses nothing.
 */
class MultiNodeIT {

    static final Duration TIMEOUT = Duration.ofSeconds(30);
    static final String API_KEY = "e2e-api-key-0123456789";

    @RegisterExtension
    static final RedisExtension redis = RedisExtension.killable();

    @RegisterExtension
    final GatewayProcesses gateways = new GatewayProcesses();

    /** Flags of a Redis-backed node for these tests: a short reply lease, a slow echo, the push API on. */
    static String[] redisNode(String redisUri, String... extra) {
        List<String> args = new ArrayList<>(List.of("--store", "redis", "--redis-uri", redisUri,
                "--reply-lease", "1s", "--echo-delay", "100ms", "--api-key", API_KEY));
        args.addAll(List.of(extra));
        return args.toArray(String[]::new);
    }

    private List<GatewayNode> nodes(String... ids) {
        return gateways.startReady(List.of(ids), redisNode(redis.server().uri()));
    }

    private Clients client(List<URI> endpoints, SessionHandle resumeFrom) {
        Clients client = Clients.create(endpoints, o -> resumeFrom == null ? o : o.resumeFrom(resumeFrom));
        gateways.closeAfter(client);
        return client;
    }

    static String words(int count) {
        return IntStream.range(0, count).mapToObj(i -> "w" + i).collect(Collectors.joining(" "));
    }

    static void assertGapless(List<Sequenced> frames) {
        assertThat(frames.stream().mapToLong(Sequenced::seq).toArray())
                .as("every seq exactly once, in order")
                .containsExactly(LongStream.rangeClosed(1, frames.size()).toArray());
    }

    @Test
    void nodeKilledMidReplyTheClientResumesOnAnotherNodeAndMissesNothing() {
        List<GatewayNode> nodes = nodes("a", "b");
        GatewayNode a = nodes.get(0);
        GatewayNode b = nodes.get(1);
        Clients client = client(List.of(a.wsUri(), b.wsUri()), null);
        client.client().connect().block(TIMEOUT);

        String text = words(80);
        long first = client.client().send(text).block(TIMEOUT);
        Eventually.await("some of the reply from node a", TIMEOUT, () -> client.deltas(first).size() >= 5);
        a.kill();

        // The reply cut by a's death is ended `interrupted` by b once a's lease lapses.
        AssistantDone cut = client.awaitDone(first, TIMEOUT);
        assertThat(cut.reason()).isEqualTo(DoneReason.INTERRUPTED);
        assertThat(text).startsWith(client.text(first));
        assertThat(client.text(first).length()).isLessThan(text.length());
        assertThat(client.events(ConnectionEvent.Resumed.class)).anyMatch(ConnectionEvent.Resumed::resumed);

        // A later turn runs on b, with the conversation read from Redis.
        long second = client.client().send("later turn on b").block(TIMEOUT);
        assertThat(client.awaitDone(second, TIMEOUT).reason()).isEqualTo(DoneReason.COMPLETE);
        assertThat(client.text(second)).isEqualTo("later turn on b");
        assertGapless(client.frames());
        assertThat(client.frames().stream().filter(f -> f instanceof AssistantDone d && d.replyTo() == first))
                .as("one end per reply").hasSize(1);
    }

    @Test
    void replyStillStreamingOnTheOldNodeReachesTheClientOnTheNewOne() {
        List<GatewayNode> nodes = nodes("a", "b");
        GatewayNode a = nodes.get(0);
        GatewayNode b = nodes.get(1);
        Clients onA = client(List.of(a.wsUri()), null);
        onA.client().connect().block(TIMEOUT);
        String text = words(30);
        long cseq = onA.client().send(text).block(TIMEOUT);
        Eventually.await("the reply started on a", TIMEOUT, () -> onA.deltas(cseq).size() >= 3);
        SessionHandle session = onA.client().session().orElseThrow();
        onA.client().disconnect().block(TIMEOUT);

        // The client moves to b while a keeps producing into the log; b delivers it live through follow.
        Clients onB = client(List.of(b.wsUri()), new SessionHandle(session.sessionId(), session.token(),
                session.epoch(), onA.frames().isEmpty() ? 0 : onA.frames().getLast().seq()));
        onB.client().connect().block(TIMEOUT);
        assertThat(onB.awaitDone(cseq, TIMEOUT).reason()).isEqualTo(DoneReason.COMPLETE);
        List<Sequenced> all = new ArrayList<>(onA.frames());
        all.addAll(onB.frames());
        assertGapless(all);
        assertThat(onA.text(cseq) + onB.text(cseq)).isEqualTo(text);
    }

    @Test
    void resumeOnAnotherNodeClosesTheHalfOpenConnectionWith4009() throws Exception {
        List<GatewayNode> nodes = gateways.startReady(List.of("a", "b"),
                redisNode(redis.server().uri(), "--heartbeat", "30s"));
        GatewayNode a = nodes.get(0);
        GatewayNode b = nodes.get(1);

        // A silent peer on a: from a's side a half-open connection (it never answers a ping).
        RawSocket stale = RawSocket.connect(a.wsUri());
        gateways.closeAfter(stale);
        stale.send(Hello.fresh());
        Welcome welcome = stale.next(Welcome.class);

        Clients onB = client(List.of(b.wsUri()),
                new SessionHandle(welcome.sessionId(), welcome.token(), welcome.epoch(), 0));
        onB.client().connect().block(TIMEOUT);
        assertThat(onB.events(ConnectionEvent.Resumed.class)).singleElement()
                .satisfies(r -> assertThat(r.resumed()).isTrue());
        // The heartbeat is 30 s: only the takeover can close it this soon.
        assertThat(stale.awaitClose(Duration.ofSeconds(10)).code()).isEqualTo(4009);

        // Frames appended after the takeover go to b's connection only.
        HttpResponse<String> pushed = a.post("/api/v1/sessions/" + welcome.sessionId() + "/events", API_KEY,
                "{\"name\":\"after_takeover\",\"data\":1}");
        assertThat(pushed.statusCode()).isEqualTo(200);
        Eventually.await("the pushed event on b", TIMEOUT,
                () -> onB.frames().stream().anyMatch(f -> f instanceof ServerEvent));
        assertThat(stale.frames()).noneMatch(f -> f instanceof Sequenced);
    }

    @Test
    void takeoverThroughABlackholedProxyClosesTheStaleConnectionOnTheOldNode() throws Exception {
        List<GatewayNode> nodes = gateways.startReady(List.of("a", "b"),
                redisNode(redis.server().uri(), "--heartbeat", "30s"));
        GatewayNode a = nodes.get(0);
        GatewayNode b = nodes.get(1);
        FaultProxy proxy = FaultProxy.start(FaultProxyOptions.builder().target("127.0.0.1", a.port()).build())
                .block(TIMEOUT);
        gateways.closeAfter(proxy::dispose);
        Clients first = client(List.of(URI.create("ws://127.0.0.1:" + proxy.port() + "/ws")), null);
        first.client().connect().block(TIMEOUT);
        long cseq = first.client().send("before the blackhole").block(TIMEOUT);
        first.awaitDone(cseq, TIMEOUT);
        assertThat(a.health().get("connections").asInt()).isEqualTo(1);

        proxy.blackhole(true);
        SessionHandle session = first.client().session().orElseThrow();
        Clients second = client(List.of(b.wsUri()), session);
        second.client().connect().block(TIMEOUT);
        assertThat(second.events(ConnectionEvent.Resumed.class)).singleElement()
                .satisfies(r -> assertThat(r.resumed()).isTrue());
        // a learns of the takeover through Redis and drops its stale connection long before any heartbeat.
        Eventually.await("a closed the stale connection", Duration.ofSeconds(10), () -> {
            try {
                return a.health().get("connections").asInt() == 0;
            } catch (Exception e) {
                return false;
            }
        });
        long next = second.client().send("after the takeover").block(TIMEOUT);
        assertThat(second.awaitDone(next, TIMEOUT).reason()).isEqualTo(DoneReason.COMPLETE);
    }

    @Test
    void eventsPushedOnOneNodeReachTheClientOnAnotherLiveAndInOrder() throws Exception {
        List<GatewayNode> nodes = nodes("a", "b");
        GatewayNode a = nodes.get(0);
        GatewayNode b = nodes.get(1);
        Clients onA = client(List.of(a.wsUri()), null);
        onA.client().connect().block(TIMEOUT);
        String sessionId = onA.client().session().orElseThrow().sessionId();
        String path = "/api/v1/sessions/" + sessionId + "/events";

        List<Long> seqs = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            HttpResponse<String> response = b.post(path, API_KEY, "{\"name\":\"e" + i + "\",\"data\":{\"i\":" + i
                    + "}}");
            assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
            seqs.add(Long.parseLong(response.body().replaceAll("\\D", "")));
        }
        Eventually.await("20 events on a", TIMEOUT, () -> onA.frames().size() >= 20);
        List<ServerEvent> events = onA.frames().stream().map(ServerEvent.class::cast).toList();
        assertThat(events).extracting(ServerEvent::name)
                .containsExactlyElementsOf(IntStream.range(0, 20).mapToObj(i -> "e" + i).toList());
        assertThat(events).extracting(ServerEvent::seq).containsExactlyElementsOf(seqs);
        assertThat(events.get(7).data().get("i").asInt()).isEqualTo(7);

        assertThat(b.post(path, null, "{\"name\":\"x\"}").statusCode()).isEqualTo(401);
        assertThat(b.post(path, "wrong-key-0123456789", "{\"name\":\"x\"}").statusCode()).isEqualTo(401);
        assertThat(b.post("/api/v1/sessions/no-such-session/events", API_KEY, "{\"name\":\"x\"}").statusCode())
                .isEqualTo(404);
        assertThat(b.post("/api/v1/sessions/" + "x".repeat(300) + "/events", API_KEY, "{\"name\":\"x\"}")
                .statusCode()).as("an id no session can have, on Redis as in memory").isEqualTo(404);
        HttpResponse<String> malformed = b.post(path, API_KEY, "{\"data\":1}");
        assertThat(malformed.statusCode()).isEqualTo(400);
        assertThat(malformed.body()).contains("\"reason\"").contains("name");
        assertThat(b.post(path, API_KEY, "not json").statusCode()).isEqualTo(400);
        assertThat(onA.frames()).hasSize(20);
    }

    @Test
    void keysCarryTheGraceTtlRefreshedWhileConnectedAndExpireAfterTheLastConnection() {
        GatewayNode a = gateways.startReady("a", redisNode(redis.server().uri(), "--grace", "3s"));
        Clients client = client(List.of(a.wsUri()), null);
        client.client().connect().block(TIMEOUT);
        long cseq = client.client().send("ttl").block(TIMEOUT);
        client.awaitDone(cseq, TIMEOUT);
        String sessionId = client.client().session().orElseThrow().sessionId();
        String meta = "tether:{" + sessionId + "}:meta";
        String log = "tether:{" + sessionId + "}:log";

        long connected = pttl(meta);
        assertThat(connected).isBetween(1L, 3000L);
        assertThat(pttl(log)).isBetween(1L, 3000L);
        // Longer than the grace period, still connected: the node refreshes the TTL.
        long until = System.nanoTime() + Duration.ofMillis(4500).toNanos();
        while (System.nanoTime() < until) {
            assertThat(pttl(meta)).as("refreshed while connected").isPositive();
            Eventually.sleep(250);
        }

        client.client().disconnect().block(TIMEOUT);
        Eventually.await("detached", TIMEOUT, () -> "0".equals(redis.server().cli("HGET", meta, "con").trim()));
        assertThat(pttl(meta)).isBetween(1L, 3000L);
        Eventually.await("the keys expired after the grace period", Duration.ofSeconds(6),
                () -> pttl(meta) == -2 && pttl(log) == -2);
    }

    private static long pttl(String key) {
        return Long.parseLong(redis.server().cli("PTTL", key).trim());
    }

}
