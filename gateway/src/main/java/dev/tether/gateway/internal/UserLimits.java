package dev.tether.gateway.internal;

import dev.tether.gateway.LimitsOptions;
import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;
import reactor.core.scheduler.Scheduler;

/**
 * The limits per user on one node: connections open at once, new sessions per minute and user messages per minute
 * (token buckets as large as a minute's worth, so a user may spend a minute's allowance at once, then goes at the
 * rate). Each is off at 0. A user is the {@code sub} of a token; messages of a node that authenticates nobody count per
 * session. Thread-safe.
 */
final class UserLimits {

    /** The least hint for a user over the connection limit: another connection of theirs must end first. */
    static final Duration CONNECTIONS_RETRY_AFTER = Duration.ofSeconds(5);

    private static final Duration MINUTE = Duration.ofMinutes(1);

    private final Counts connections;
    private final TokenBuckets sessions;
    private final TokenBuckets messages;
    private final LimitsOptions options;

    UserLimits(LimitsOptions options, int trackedUsers, Scheduler scheduler) {
        this.options = options;
        this.connections = options.maxConnectionsPerUser() == 0 ? null : new Counts(options.maxConnectionsPerUser());
        this.sessions = perMinute(options.userSessionsPerMinute(), trackedUsers, scheduler);
        this.messages = perMinute(options.userMessagesPerMinute(), trackedUsers, scheduler);
    }

    private static TokenBuckets perMinute(int perMinute, int capacity, Scheduler scheduler) {
        return perMinute == 0 ? null
                : new TokenBuckets(perMinute, MINUTE.dividedBy(perMinute), capacity, scheduler);
    }

    /** Counts a connection of {@code sub} in; {@code false} when the user has its limit open already. */
    boolean connect(String sub) {
        return connections == null || connections.acquire(sub);
    }

    /** Counts a connection out; once for each {@link #connect} that returned {@code true}. */
    void disconnect(String sub) {
        if (connections != null) {
            connections.release(sub);
        }
    }

    /** A retry-after hint for a user over the connection limit, between the least one and twice it. */
    Duration connectionsRetryAfter() {
        return spread(CONNECTIONS_RETRY_AFTER);
    }

    /** Counts a new session of {@code sub}: {@link Duration#ZERO} within the rate, else the hint for its refusal. */
    Duration newSession(String sub) {
        return take(sessions, sub);
    }

    /** Counts a user message of {@code user}: {@link Duration#ZERO} within the rate, else how long to wait. */
    Duration message(String user) {
        return take(messages, user);
    }

    /** Whether user messages are limited at all. */
    boolean limitsMessages() {
        return messages != null;
    }

    LimitsOptions options() {
        return options;
    }

    private static Duration take(TokenBuckets buckets, String key) {
        if (buckets == null) {
            return Duration.ZERO;
        }
        Duration wait = buckets.take(key);
        return wait.isZero() ? wait : spread(wait);
    }

    /** Between {@code wait} and twice it, so that the refused do not all come back at once. */
    private static Duration spread(Duration wait) {
        long millis = Math.max(1, wait.toMillis());
        return Duration.ofMillis(millis + ThreadLocalRandom.current().nextLong(millis + 1));
    }
}
