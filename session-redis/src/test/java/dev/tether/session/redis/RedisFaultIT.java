package dev.tether.session.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tether.protocol.AssistantDelta;
import dev.tether.protocol.Sequenced;
import dev.tether.protocol.TetherException;
import dev.tether.protocol.session.Attachment;
import dev.tether.protocol.session.SessionLimits;
import dev.tether.protocol.session.SessionStoreException;
import dev.tether.protocol.session.SessionTokens;
import dev.tether.session.redis.testkit.RedisExtension;
import dev.tether.testkit.Eventually;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import reactor.core.Disposable;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;

/** A real Redis process killed with SIGKILL and restarted: empty, or with its append-only file. */
class RedisFaultIT {

    /** Durable across kill -9 (fsync on every write), so that an outage can be told apart from data loss. */
    @RegisterExtension
    static final RedisExtension redis = RedisExtension.killable("--appendonly", "yes", "--appendfsync", "always");

    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    private RedisSessionStore store;

    @BeforeEach
    void open() {
        if (!redis.server().isRunning()) {
            redis.server().restart();
        }
        store = RedisSessionStore.connect(RedisSessionStoreIT
                .optionsFor(redis, SessionLimits.builder().grace(Duration.ofMinutes(1)).build())
                .commandTimeout(Duration.ofMillis(500))
                .healthCheckInterval(Duration.ofMillis(100))
                .reconnectDelay(Duration.ofMillis(20), Duration.ofMillis(200))
                .build());
    }

    @AfterEach
    void close() {
        store.close();
    }

    private void wipeAndRestartEmpty() {
        redis.server().kill();
        redis.server().wipeData();
        redis.server().restart();
    }

    @Test
    void redisRestartedEmptyMeansNotFoundNeverAPartialReplay() {
        String id = SessionTokens.newSessionId();
        store.create(id, SessionTokens.digest("t"), "node-a").block(TIMEOUT);
        for (int i = 0; i < 10; i++) {
            store.append(id, AssistantDelta.of(1, "d" + i)).block(TIMEOUT);
        }

        wipeAndRestartEmpty();
        Eventually.await("store ready after the restart", TIMEOUT, store::isReady);

        StepVerifier.create(store.find(id)).expectComplete().verify(TIMEOUT);
        StepVerifier.create(store.read(id, 0)).expectErrorMatches(SessionStoreException::isNotFound).verify(TIMEOUT);
        StepVerifier.create(store.follow(id, 0)).expectErrorMatches(SessionStoreException::isNotFound)
                .verify(TIMEOUT);
        StepVerifier.create(store.attach(id, "node-b")).expectErrorMatches(SessionStoreException::isNotFound)
                .verify(TIMEOUT);
        StepVerifier.create(store.append(id, AssistantDelta.of(1, "x")))
                .expectErrorMatches(SessionStoreException::isNotFound).verify(TIMEOUT);
    }

    @Test
    void aLogThatLostFramesItShouldHaveIsReportedTruncatedNotReplayedPartially() {
        String id = SessionTokens.newSessionId();
        store.create(id, SessionTokens.digest("t"), "node-a").block(TIMEOUT);
        for (int i = 0; i < 10; i++) {
            store.append(id, AssistantDelta.of(1, "d" + i)).block(TIMEOUT);
        }
        // The metadata survives but the log does not: what a partial restore or a lost key looks like.
        redis.server().cli("DEL", store.options().keyPrefix() + ":{" + id + "}:log");

        StepVerifier.create(store.read(id, 3)).expectErrorMatches(SessionStoreException::isHistoryTruncated)
                .verify(TIMEOUT);
        StepVerifier.create(store.follow(id, 0)).expectErrorMatches(SessionStoreException::isHistoryTruncated)
                .verify(TIMEOUT);
    }

    @Test
    void aRedisThatMissesOnePingStaysReadyButOneThatStaysSilentIsNot() {
        // PINGs every 100 ms time out after 500 ms: 700 ms into a stall at most one has failed.
        redis.server().pause();
        try {
            Mono.delay(Duration.ofMillis(700)).block();
            assertThat(store.isReady()).as("one slow answer is load, not an outage").isTrue();
            Eventually.await("not ready while Redis stays silent", TIMEOUT, () -> !store.isReady());
        } finally {
            redis.server().resumeProcess();
        }
        Eventually.await("ready again", TIMEOUT, store::isReady);
    }

    @Test
    void redisDownForSecondsFailsRetryablyThenWorksAgainWithoutRestart() throws InterruptedException {
        String id = SessionTokens.newSessionId();
        Attachment attachment = store.create(id, SessionTokens.digest("t"), "node-a").block(TIMEOUT);
        List<Long> acknowledged = new CopyOnWriteArrayList<>();
        acknowledged.add(store.append(id, AssistantDelta.of(1, "before")).block(TIMEOUT).seq());
        List<Sequenced> followed = new CopyOnWriteArrayList<>();
        List<Throwable> followErrors = new CopyOnWriteArrayList<>();
        Disposable follower = store.follow(id, 0).subscribe(followed::add, followErrors::add);
        Eventually.await("the follower replayed the history and went live", TIMEOUT, () -> followed.size() == 1);
        assertThat(store.isReady()).isTrue();

        redis.server().kill();
        Eventually.await("isReady() false while Redis is down", TIMEOUT, () -> !store.isReady());
        long downAt = System.nanoTime();
        int failures = 0;
        while (System.nanoTime() - downAt < Duration.ofSeconds(3).toNanos()) {
            try {
                acknowledged.add(store.append(id, AssistantDelta.of(1, "during")).block(TIMEOUT).seq());
            } catch (SessionStoreException e) {
                assertThat(e.isRetryable()).as("unavailable is retryable: %s", e.getMessage()).isTrue();
                assertThat(TetherException.isRetryable(e)).isTrue();
                failures++;
            }
            Thread.sleep(100);
        }
        assertThat(failures).as("appends while Redis is down fail").isPositive();
        StepVerifier.create(store.find(id)).expectErrorMatches(TetherException::isRetryable).verify(TIMEOUT);

        redis.server().restart();
        Eventually.await("isReady() true once Redis is back", TIMEOUT, store::isReady);

        for (int i = 0; i < 3; i++) {
            acknowledged.add(store.append(id, AssistantDelta.of(1, "after")).block(TIMEOUT).seq());
        }
        // Everything acknowledged survived (the server fsyncs every write), and nothing else was stored.
        List<Long> stored = store.read(id, 0).map(Sequenced::seq).collectList().block(TIMEOUT);
        assertThat(stored).containsExactlyElementsOf(acknowledged);
        assertThat(stored).containsExactlyElementsOf(LongStream.rangeClosed(1, stored.size()).boxed().toList());
        // The follower that lived through the outage caught up with no gap and no duplicate.
        Eventually.await("the follower caught up: " + followed + " " + followErrors + " vs " + stored, TIMEOUT,
                () -> followed.size() == stored.size());
        assertThat(followErrors).isEmpty();
        assertThat(followed).extracting(Sequenced::seq).containsExactlyElementsOf(stored);
        follower.dispose();
        // The attachment is still refreshed and can be detached; new sessions work.
        store.detach(id, attachment.generation()).block(TIMEOUT);
        String fresh = SessionTokens.newSessionId();
        assertThat(store.create(fresh, SessionTokens.digest("t"), "node-a").block(TIMEOUT).generation())
                .isEqualTo(1);
    }
}
