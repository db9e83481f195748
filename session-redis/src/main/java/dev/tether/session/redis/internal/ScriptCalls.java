package dev.tether.session.redis.internal;

import dev.tether.protocol.session.SessionStoreException;
import io.lettuce.core.RedisConnectionException;
import io.lettuce.core.RedisException;
import java.util.List;
import reactor.core.publisher.Mono;

/**
 * Runs a script as one store operation: refused once the store is closed, and with every Redis failure turned into
 * the {@link SessionStoreException} that says whether the operation may have run.
 */
public final class ScriptCalls {

    // Lettuce's message for a command rejected while disconnected (DisconnectedBehavior.REJECT_COMMANDS).
    private static final String LETTUCE_REJECTED = "Currently not connected";

    private final RedisBackend redis;
    private final Runnable onConnectionFailure;
    private volatile boolean closed;

    /** Runs on {@code redis}; {@code onConnectionFailure} runs when a call could not connect. */
    public ScriptCalls(RedisBackend redis, Runnable onConnectionFailure) {
        this.redis = redis;
        this.onConnectionFailure = onConnectionFailure;
    }

    /** The script's reply, or a store failure naming {@code operation}. */
    public Mono<List<Object>> run(LuaScript script, String operation, String[] keys, String... args) {
        return Mono.defer(() -> {
            requireOpen(operation);
            return redis.run(script, keys, args);
        }).onErrorMap(e -> !(e instanceof SessionStoreException), e -> {
            if (e instanceof RedisConnectionException) {
                onConnectionFailure.run();
            }
            return failure(operation, e);
        });
    }

    /** Fails with {@code rejected} once {@link #close()}d: the operation was not sent. */
    public void requireOpen(String operation) {
        if (closed) {
            throw SessionStoreException.rejected(operation, new IllegalStateException("the store is closed"));
        }
    }

    /** Refuses every later call. */
    public void close() {
        closed = true;
    }

    /**
     * A Redis failure as a store failure: {@code rejected} when the command never left this process (Lettuce was
     * disconnected and rejects commands at once, or could not connect at all), else {@code unavailable}, because a
     * command that timed out or was in flight when the connection dropped may have run.
     */
    public static SessionStoreException failure(String operation, Throwable e) {
        boolean notSent = e instanceof RedisConnectionException
                || e instanceof RedisException && e.getMessage() != null
                        && e.getMessage().startsWith(LETTUCE_REJECTED);
        return notSent ? SessionStoreException.rejected(operation, e) : SessionStoreException.unavailable(operation, e);
    }

    /** The status a script replies first: 0 when the session's metadata does not exist. */
    public static long status(List<Object> reply) {
        return (Long) reply.get(0);
    }
}
