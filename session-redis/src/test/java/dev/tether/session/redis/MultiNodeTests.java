package dev.tether.session.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tether.protocol.AssistantDelta;
import dev.tether.protocol.Sequenced;
import dev.tether.protocol.UserMessage;
import dev.tether.protocol.session.Attachment;
import dev.tether.protocol.session.ClientAppend;
import dev.tether.protocol.session.SessionLimits;
import dev.tether.protocol.session.SessionTokens;
import dev.tether.session.redis.internal.Keys;
import dev.tether.session.redis.testkit.RedisExtension;
import java.time.Duration;
import java.util.List;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.scheduler.Schedulers;
import reactor.test.StepVerifier;

/**
 * Two stores, as two gateway nodes would have, sharing one Redis (or one Redis Cluster). Subclasses say which.
 */
abstract class MultiNodeTests {

    /** The Redis the two nodes share. */
    protected abstract RedisExtension redis();

    /** Runs a command with redis-cli, following cluster redirects. */
    private void cli(String... args) {
        if (redis().isCluster()) {
            String[] redirected = new String[args.length + 1];
            redirected[0] = "-c";
            System.arraycopy(args, 0, redirected, 1, args.length);
            redis().redisCluster().nodes().get(0).cli(redirected);
        } else {
            redis().server().cli(args);
        }
    }

    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    private RedisSessionStore nodeA;
    private RedisSessionStore nodeB;

    @BeforeEach
    void open() {
        // The refresh timer (which also pokes followers) is slow here, so live delivery must come from pub/sub.
        options = RedisSessionStoreIT
                .optionsFor(redis(), SessionLimits.builder().grace(Duration.ofMinutes(1)).build())
                .build();
        nodeA = RedisSessionStore.connect(options.toBuilder().nodeId("node-a").build());
        nodeB = RedisSessionStore.connect(options.toBuilder().nodeId("node-b").build());
    }

    private RedisSessionStoreOptions options;

    @AfterEach
    void close() {
        nodeA.close();
        nodeB.close();
    }

    @Test
    void attachOnAnotherNodeSupersedesTheOldConnection() {
        String id = SessionTokens.newSessionId();
        Attachment onA = nodeA.create(id, SessionTokens.digest("t"), "node-a").block(TIMEOUT);

        Attachment onB = nodeB.attach(id, "node-b").block(TIMEOUT);

        assertThat(onB.generation()).isEqualTo(onA.generation() + 1);
        StepVerifier.create(onA.superseded()).expectComplete().verify(TIMEOUT);
        StepVerifier.create(onB.superseded().timeout(Duration.ofMillis(300)))
                .expectError(java.util.concurrent.TimeoutException.class).verify(TIMEOUT);
        assertThat(nodeA.find(id).block(TIMEOUT).ownerNode()).isEqualTo("node-b");
    }

    @Test
    void aTakeoverWhoseNoticeWasLostIsFoundByTheRefreshTimer() {
        try (RedisSessionStore quick = RedisSessionStore.connect(options.toBuilder()
                .ttlRefreshInterval(Duration.ofMillis(200)).build())) {
            String id = SessionTokens.newSessionId();
            Attachment attachment = quick.create(id, SessionTokens.digest("t"), "node-a").block(TIMEOUT);

            // Bump the generation behind the store's back: no notice is published.
            cli("HINCRBY", new Keys(quick.options().keyPrefix()).meta(id), "gen", "1");

            StepVerifier.create(attachment.superseded()).expectComplete().verify(TIMEOUT);
        }
    }

    @Test
    void liveFramesArriveByPubSubWithoutWaitingForTheTimer() {
        String id = SessionTokens.newSessionId();
        nodeA.create(id, SessionTokens.digest("t"), "node-a").block(TIMEOUT);

        StepVerifier.create(nodeB.follow(id, 0).map(Sequenced::seq).take(3))
                .then(() -> Flux.range(1, 3).concatMap(i -> nodeA.append(id, AssistantDelta.of(1, "x" + i)))
                        .blockLast(TIMEOUT))
                .expectNext(1L, 2L, 3L)
                .expectComplete()
                .verify(Duration.ofSeconds(3));
    }

    @Test
    void framesAppendedOnOneNodeReachAFollowerOnTheOtherInOrderWhileRacingTheReplay() {
        String id = SessionTokens.newSessionId();
        nodeA.create(id, SessionTokens.digest("t"), "node-a").block(TIMEOUT);
        Flux.range(1, 100).concatMap(i -> nodeA.append(id, AssistantDelta.of(1, "h" + i))).blockLast(TIMEOUT);

        Flux<Long> followedOnB = nodeB.follow(id, 0).map(Sequenced::seq).take(400);
        Flux<Sequenced> appendsOnBoth = Flux.range(1, 300).flatMap(i ->
                (i % 2 == 0 ? nodeA : nodeB).append(id, AssistantDelta.of(2, "r" + i))
                        .subscribeOn(Schedulers.parallel()), 16);

        List<Long> seen = Flux.merge(followedOnB, appendsOnBoth.thenMany(Flux.<Long>empty()))
                .collectList()
                .block(TIMEOUT);

        assertThat(seen).containsExactlyElementsOf(LongStream.rangeClosed(1, 400).boxed().toList());
    }

    @Test
    void clientMessageDedupHoldsAcrossNodes() {
        String id = SessionTokens.newSessionId();
        nodeA.create(id, SessionTokens.digest("t"), "node-a").block(TIMEOUT);
        UserMessage message = new UserMessage(1, "sent to A, ack lost, resent to B");

        assertThat(nodeA.appendClient(id, message, "node-a", Duration.ofMinutes(5)).block(TIMEOUT).outcome()).isEqualTo(ClientAppend.Outcome.STORED);
        assertThat(nodeB.appendClient(id, message, "node-b", Duration.ofMinutes(5)).block(TIMEOUT))
                .isEqualTo(new ClientAppend(ClientAppend.Outcome.DUPLICATE, 1));
        assertThat(nodeB.readClient(id, 0).collectList().block(TIMEOUT)).containsExactly(message);
    }

    @Test
    void aRemovedSessionCompletesFollowersOnEveryNode() {
        String id = SessionTokens.newSessionId();
        nodeA.create(id, SessionTokens.digest("t"), "node-a").block(TIMEOUT);
        nodeA.append(id, AssistantDelta.of(1, "one")).block(TIMEOUT);

        StepVerifier.create(nodeB.follow(id, 0).map(Sequenced::seq))
                .expectNext(1L)
                .then(() -> nodeA.remove(id).block(TIMEOUT))
                .expectComplete()
                .verify(TIMEOUT);
    }
}
