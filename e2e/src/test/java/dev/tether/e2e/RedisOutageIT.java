package dev.tether.e2e;

import static dev.tether.e2e.MultiNodeIT.TIMEOUT;
import static dev.tether.e2e.MultiNodeIT.redisNode;
import static dev.tether.e2e.MultiNodeIT.words;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tether.client.ConnectionEvent;
import dev.tether.e2e.testing.Clients;
import dev.tether.e2e.testing.GatewayNode;
import dev.tether.e2e.testing.GatewayProcesses;
import dev.tether.e2e.testing.RawSocket;
import dev.tether.protocol.CloseCode;
import dev.tether.protocol.DoneReason;
import dev.tether.protocol.ResumeFailure;
import dev.tether.protocol.Sequenced;
import dev.tether.session.redis.testkit.RedisExtension;
import dev.tether.testkit.Eventually;
import io.netty.handler.codec.http.websocketx.WebSocketCloseStatus;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Redis killed under running gateway processes: down for a while and back with its data (append-only file, fsync
 * always), or back empty. Nodes stay up, report readiness honestly, acknowledge nothing they did not store, and
 * recover without a restart.
 */
class RedisOutageIT {

    @RegisterExtension
    static final RedisExtension redis = RedisExtension.killable("--appendonly", "yes", "--appendfsync", "always");

    @RegisterExtension
    final GatewayProcesses gateways = new GatewayProcesses();

    @AfterEach
    void restartRedis() {
        if (!redis.server().isRunning()) {
            redis.server().restart();
        }
    }

    private String[] node(String... extra) {
        return redisNode(redis.server().uri(), extra);
    }

    @Test
    void nodeStartedWhileRedisIsDownIsNotReadyUntilRedisComesUp() {
        redis.server().kill();
        GatewayNode a = gateways.start("a", node());
        a.awaitHealth(503, TIMEOUT);
        RawSocket refused = RawSocket.connect(a.wsUri());
        gateways.closeAfter(refused);
        assertThat(refused.awaitClose(TIMEOUT).code()).isEqualTo(1013);

        redis.server().restart();
        a.awaitReady(TIMEOUT);
        Clients client = Clients.create(List.of(a.wsUri()), o -> o);
        gateways.closeAfter(client);
        client.client().connect().block(TIMEOUT);
        long cseq = client.client().send("hello").block(TIMEOUT);
        assertThat(client.awaitDone(cseq, TIMEOUT).reason()).isEqualTo(DoneReason.COMPLETE);
    }

    @Test
    void redisDownForSecondsAndBackNothingAcknowledgedIsLostAndClientsRecover() {
        GatewayNode a = gateways.startReady("a", node("--max-reply-pause", "40s", "--redis-timeout", "1s"));
        Clients client = Clients.create(List.of(a.wsUri()), o -> o);
        gateways.closeAfter(client);
        client.client().connect().block(TIMEOUT);
        long first = client.client().send("before the outage").block(TIMEOUT);
        client.awaitDone(first, TIMEOUT);
        String text = words(40);
        long streaming = client.client().send(text).block(TIMEOUT);
        Eventually.await("the reply streams", TIMEOUT, () -> client.deltas(streaming).size() >= 3);

        redis.server().kill();
        a.awaitHealth(503, TIMEOUT);
        assertThat(a.isAlive()).isTrue();
        RawSocket refused = RawSocket.connect(a.wsUri());
        gateways.closeAfter(refused);
        WebSocketCloseStatus close = refused.awaitClose(TIMEOUT);
        assertThat(close.code()).isEqualTo(1013);
        assertThat(CloseCode.retryAfter(close.reasonText())).isPresent();

        List<CompletableFuture<Long>> during = new ArrayList<>();
        for (int i = 1; i <= 3; i++) {
            during.add(client.client().send("during " + i).toFuture());
        }
        Eventually.sleep(2000);
        assertThat(during).as("nothing is acknowledged while Redis is down").noneMatch(CompletableFuture::isDone);
        int deltasWhileDown = client.deltas(streaming).size();

        redis.server().restart();
        a.awaitReady(TIMEOUT);
        List<Long> acked = new ArrayList<>(List.of(first, streaming));
        for (CompletableFuture<Long> send : during) {
            acked.add(send.orTimeout(TIMEOUT.toSeconds(), java.util.concurrent.TimeUnit.SECONDS).join());
        }
        for (long cseq : acked.subList(2, acked.size())) {
            assertThat(client.awaitDone(cseq, TIMEOUT).reason()).isEqualTo(DoneReason.COMPLETE);
        }
        // The paused reply goes on after the outage, or (if an append was in flight when Redis died, which is
        // ambiguous) ends failed or interrupted; either way once, with no duplicate delta.
        DoneReason reason = client.awaitDone(streaming, TIMEOUT).reason();
        assertThat(reason).isIn(DoneReason.COMPLETE, DoneReason.FAILED, DoneReason.INTERRUPTED);
        assertThat(text).startsWith(client.text(streaming));
        if (reason == DoneReason.COMPLETE) {
            assertThat(client.text(streaming)).isEqualTo(text);
            assertThat(client.deltas(streaming).size()).isGreaterThan(deltasWhileDown);
        }
        MultiNodeIT.assertGapless(client.frames());

        // Every acknowledged cseq is in Redis, once.
        String sessionId = client.client().session().orElseThrow().sessionId();
        String in = "tether:{" + sessionId + "}:in";
        assertThat(Long.parseLong(redis.server().cli("XLEN", in).trim())).isEqualTo(acked.size());
        assertThat(acked).containsExactlyElementsOf(LongStream.rangeClosed(1, acked.size()).boxed().toList());
        for (long cseq : acked) {
            assertThat(redis.server().cli("XRANGE", in, cseq + "-0", cseq + "-0")).as("cseq " + cseq)
                    .isNotBlank();
        }
    }

    @Test
    void resumeAfterRedisRestartedEmptyGetsAnHonestReasonNeverAPartialReplay() {
        List<GatewayNode> nodes = gateways.startReady(List.of("a", "b"), node());
        Clients client = Clients.create(List.of(nodes.get(0).wsUri(), nodes.get(1).wsUri()), o -> o);
        gateways.closeAfter(client);
        client.client().connect().block(TIMEOUT);
        long cseq = client.client().send("soon forgotten").block(TIMEOUT);
        client.awaitDone(cseq, TIMEOUT);
        int before = client.frames().size();

        redis.server().kill();
        redis.server().wipeData();
        redis.server().restart();

        Eventually.await("a failed resume", Duration.ofSeconds(60),
                () -> client.events(ConnectionEvent.Resumed.class).stream().anyMatch(r -> !r.resumed()));
        ConnectionEvent.Resumed failed = client.events(ConnectionEvent.Resumed.class).stream()
                .filter(r -> !r.resumed()).findFirst().orElseThrow();
        assertThat(failed.reason()).isIn(ResumeFailure.NOT_FOUND, ResumeFailure.HISTORY_LOST);

        client.client().send("a new session").block(TIMEOUT);
        Eventually.await("the reply in the new session", TIMEOUT, () -> client.frames().subList(before,
                client.frames().size()).stream().anyMatch(f -> f instanceof dev.tether.protocol.AssistantDone));
        List<Sequenced> after = client.frames().subList(before, client.frames().size());
        // Nothing of the old session is replayed: the new session's frames start at seq 1.
        MultiNodeIT.assertGapless(after);
        StringBuilder text = new StringBuilder();
        after.stream().filter(f -> f instanceof dev.tether.protocol.AssistantDelta)
                .forEach(f -> text.append(((dev.tether.protocol.AssistantDelta) f).text()));
        assertThat(text.toString()).isEqualTo("a new session");
    }
}
