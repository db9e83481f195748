package dev.tether.session.redis;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.tether.protocol.AssistantDelta;
import dev.tether.protocol.ServerEvent;
import dev.tether.protocol.Sequenced;
import dev.tether.protocol.UserMessage;
import dev.tether.protocol.session.Attachment;
import dev.tether.protocol.session.SessionLimits;
import dev.tether.protocol.session.SessionState;
import dev.tether.protocol.session.SessionStoreException;
import dev.tether.protocol.session.SessionTokens;
import dev.tether.session.redis.internal.Keys;
import dev.tether.session.redis.testkit.RedisExtension;
import dev.tether.session.redis.testkit.RedisServer;
import dev.tether.testkit.Eventually;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import reactor.test.StepVerifier;

/** TTLs observed with PTTL on the real keys: refreshed while connected, one grace period after detach, then gone. */
class RedisTtlIT {

    @RegisterExtension
    static final RedisExtension redis = RedisExtension.standalone();

    private static final Duration TIMEOUT = Duration.ofSeconds(10);
    private static final Duration GRACE = Duration.ofMillis(1500);
    private static final Duration REFRESH = Duration.ofMillis(300);

    private RedisSessionStore store;
    private Keys keys;

    @BeforeEach
    void open() {
        store = RedisSessionStore.connect(RedisSessionStoreIT
                .optionsFor(redis, SessionLimits.builder().grace(GRACE).build())
                .ttlRefreshInterval(REFRESH)
                .build());
        keys = new Keys(store.options().keyPrefix());
    }

    @AfterEach
    void close() {
        store.close();
    }

    private long pttl(String key) {
        return Long.parseLong(server().cli("PTTL", key).trim());
    }

    private static RedisServer server() {
        return redis.server();
    }

    @Test
    void aUsersSetOfSessionsLivesAsLongAsItsSessionsAndNoLonger() throws InterruptedException {
        String user = "user-" + SessionTokens.newSessionId();
        String id = SessionTokens.newSessionId();
        Attachment attachment = store.create(id, SessionTokens.digest("t"), "node-a", user).block(TIMEOUT);
        String set = keys.userSessions(user);
        assertThat(pttl(set)).as("PTTL of the user's set at create").isPositive()
                .isLessThanOrEqualTo(GRACE.toMillis());

        // Connected for several grace periods: the refresh tick keeps the set alive with the session.
        Thread.sleep(GRACE.multipliedBy(3).toMillis());
        assertThat(pttl(set)).as("PTTL of the user's set while its session is connected").isPositive();
        assertThat(store.sessionsOf(user).collectList().block(TIMEOUT)).containsExactly(id);

        store.detach(id, attachment.generation()).block(TIMEOUT);
        assertThat(pttl(set)).as("PTTL of the user's set after detach: at least the session's")
                .isGreaterThanOrEqualTo(pttl(keys.meta(id)) - 50);
        Eventually.await("the user's set expired with the session", GRACE.multipliedBy(4), Duration.ofMillis(100),
                () -> pttl(set) == -2 && pttl(keys.meta(id)) == -2);
        assertThat(store.sessionsOf(user).collectList().block(TIMEOUT)).isEmpty();
    }

    @Test
    void connectedKeysCarryARefreshedTtlAndExpireAGracePeriodAfterDetach() throws InterruptedException {
        String id = SessionTokens.newSessionId();
        Attachment attachment = store.create(id, SessionTokens.digest("t"), "node-a").block(TIMEOUT);
        store.append(id, AssistantDelta.of(1, "hello")).block(TIMEOUT);
        store.appendClient(id, new UserMessage(1, "hi"), "node-a", Duration.ofMinutes(5)).block(TIMEOUT);
        store.renewReply(id, 1, "node-a", Duration.ofSeconds(5)).block(TIMEOUT);
        store.appendOnce(id, "push-1", ServerEvent.of("tick", null)).block(TIMEOUT);
        store.writeState(id, SessionState.ANY_VERSION, JsonNodeFactory.instance.objectNode().put("digits", "12"))
                .block(TIMEOUT);
        List<String> sessionKeys = List.of(keys.meta(id), keys.log(id), keys.in(id), keys.leases(id), keys.once(id),
                keys.state(id));

        for (String key : sessionKeys) {
            long ttl = pttl(key);
            System.out.printf("connected: PTTL %s = %d ms%n", key, ttl);
            assertThat(ttl).as("PTTL of %s while connected", key).isPositive().isLessThanOrEqualTo(GRACE.toMillis());
        }

        // Twice the grace period later the session is still there, because the refresh timer keeps it alive.
        Thread.sleep(GRACE.multipliedBy(2).toMillis());
        for (String key : sessionKeys) {
            long ttl = pttl(key);
            System.out.printf("connected, 2 x grace later: PTTL %s = %d ms%n", key, ttl);
            assertThat(ttl).as("refreshed PTTL of %s", key)
                    .isGreaterThan(GRACE.minus(REFRESH.multipliedBy(3)).toMillis())
                    .isLessThanOrEqualTo(GRACE.toMillis());
        }

        store.detach(id, attachment.generation()).block(TIMEOUT);
        long afterDetach = pttl(keys.meta(id));
        System.out.printf("detached: PTTL meta = %d ms%n", afterDetach);
        assertThat(afterDetach).isPositive().isLessThanOrEqualTo(GRACE.toMillis());

        Eventually.await("every key of the session expired", GRACE.plusSeconds(3),
                () -> sessionKeys.stream().allMatch(key -> pttl(key) == -2));
        assertThat(store.find(id).blockOptional(TIMEOUT)).isEmpty();
    }

    @Test
    void appendsDoNotTouchTtls() {
        String id = SessionTokens.newSessionId();
        Attachment attachment = store.create(id, SessionTokens.digest("t"), "node-a").block(TIMEOUT);
        store.append(id, AssistantDelta.of(1, "first")).block(TIMEOUT);
        store.detach(id, attachment.generation()).block(TIMEOUT);
        long before = pttl(keys.log(id));

        for (int i = 0; i < 20; i++) {
            store.append(id, AssistantDelta.of(1, "more " + i)).block(TIMEOUT);
        }

        long after = pttl(keys.log(id));
        assertThat(after).as("appends leave the grace TTL running").isPositive().isLessThanOrEqualTo(before);
    }

    @Test
    void framesOlderThanTheMaximumAgeAreTrimmedAndReportedAsTruncated() throws InterruptedException {
        try (RedisSessionStore aging = RedisSessionStore.connect(RedisSessionStoreIT
                .optionsFor(redis, SessionLimits.builder().grace(GRACE).historyMaxAge(Duration.ofMillis(400)).build())
                .build())) {
            String id = SessionTokens.newSessionId();
            aging.create(id, SessionTokens.digest("t"), "node-a").block(TIMEOUT);
            for (int i = 0; i < 3; i++) {
                aging.append(id, AssistantDelta.of(1, "old " + i)).block(TIMEOUT);
            }
            Thread.sleep(600);

            // Without any append since, a read still honours the age limit.
            assertThat(aging.find(id).block(TIMEOUT).firstSeq()).isEqualTo(4);
            StepVerifier.create(aging.read(id, 0)).expectErrorMatches(SessionStoreException::isHistoryTruncated)
                    .verify(TIMEOUT);
            aging.append(id, AssistantDelta.of(1, "new")).block(TIMEOUT);
            StepVerifier.create(aging.read(id, 3).map(Sequenced::seq)).expectNext(4L).expectComplete().verify(TIMEOUT);
            assertThat(server().cli("XLEN", new Keys(aging.options().keyPrefix()).log(id)).trim()).isEqualTo("1");
        }
    }
}
