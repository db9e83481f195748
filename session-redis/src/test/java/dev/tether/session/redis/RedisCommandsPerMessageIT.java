package dev.tether.session.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tether.protocol.AssistantDelta;
import dev.tether.protocol.UserMessage;
import dev.tether.protocol.session.SessionLimits;
import dev.tether.protocol.session.SessionTokens;
import dev.tether.session.redis.testkit.CommandStats;
import dev.tether.session.redis.testkit.RedisExtension;
import java.time.Duration;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import reactor.core.publisher.Flux;

/**
 * Counts Redis commands per persisted message with {@code INFO commandstats} on a server of its own, with followers
 * attached and the refresh timer running, and prints the table. A count, not a timing.
 */
class RedisCommandsPerMessageIT {

    /** A private server, so that nobody else's commands are counted. */
    @RegisterExtension
    static final RedisExtension redis = RedisExtension.killable();

    private static final Duration TIMEOUT = Duration.ofSeconds(60);
    private static final int SESSIONS = 20;
    private static final int FRAMES_PER_SESSION = 200;
    private static final int CLIENT_MESSAGES_PER_SESSION = 20;

    @Test
    void atMostAboutOnePointTwoCommandsPerPersistedMessage() {
        try (RedisSessionStore store = RedisSessionStoreIT.storeFor(redis,
                SessionLimits.builder().grace(Duration.ofSeconds(30)).historyFrames(100).build())) {
            List<String> ids = IntStream.range(0, SESSIONS).mapToObj(i -> SessionTokens.newSessionId()).toList();
            CommandStats.reset(redis.server());

            Flux.fromIterable(ids).flatMap(id -> store.create(id, SessionTokens.digest("t"), "node-a")).blockLast(TIMEOUT);
            // A follower per session, as a gateway has while the client is connected.
            var followers = Flux.fromIterable(ids)
                    .flatMap(id -> store.follow(id, 0).take(FRAMES_PER_SESSION).count())
                    .collectList()
                    .toFuture();
            Flux.range(0, SESSIONS * FRAMES_PER_SESSION)
                    .flatMap(i -> store.append(ids.get(i % SESSIONS), AssistantDelta.of(1, "token " + i)), 64)
                    .blockLast(TIMEOUT);
            Flux.fromIterable(ids)
                    .flatMap(id -> Flux.range(1, CLIENT_MESSAGES_PER_SESSION)
                            .concatMap(c -> store.appendClient(id, new UserMessage(c, "message " + c), "node-a", Duration.ofMinutes(5))))
                    .blockLast(TIMEOUT);
            List<Long> delivered = followers.join();
            assertThat(delivered).allMatch(n -> n == FRAMES_PER_SESSION);

            CommandStats stats = CommandStats.read(redis.server());
            long persisted = (long) SESSIONS * (FRAMES_PER_SESSION + CLIENT_MESSAGES_PER_SESSION);
            double clientPerMessage = (double) stats.clientCalls() / persisted;
            double totalPerMessage = (double) stats.totalCalls() / persisted;
            System.out.printf("%n%d messages persisted (%d sessions, each created and followed)%n"
                            + "client commands (round trips) per message: %.3f%n"
                            + "all commands incl. those inside scripts per message: %.3f%n%s%n",
                    persisted, SESSIONS, clientPerMessage, totalPerMessage, stats.table());
            assertThat(clientPerMessage).isLessThanOrEqualTo(1.2);
        }
    }
}
