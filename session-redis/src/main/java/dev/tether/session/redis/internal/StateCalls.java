package dev.tether.session.redis.internal;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tether.protocol.session.SessionIds;
import dev.tether.protocol.session.SessionState;
import dev.tether.protocol.session.SessionStoreException;
import dev.tether.protocol.session.StoreArguments;
import java.time.Duration;
import java.util.List;
import reactor.core.publisher.Mono;

/** The Redis store's reads and compare-and-sets of a session's state, one script call each. */
public final class StateCalls {

    private final ScriptCalls calls;
    private final Keys keys;
    private final int maxBytes;
    private final String graceMs;
    private final FirstUse firstUse;

    /** What the store does when a write was a disconnected session's first use and gave it a TTL. */
    @FunctionalInterface
    public interface FirstUse {
        /** Passes {@code reply} on, after counting the TTL at {@code index} of it, if there is one. */
        Mono<List<Object>> counted(String sessionId, List<Object> reply, int index);
    }

    /**
     * Calls through {@code calls}, on the keys of {@code keys}, refusing states over {@code maxBytes}; a write uses
     * a session, giving it the full {@code grace} when it is disconnected, and tells {@code firstUse}.
     */
    public StateCalls(ScriptCalls calls, Keys keys, int maxBytes, Duration grace, FirstUse firstUse) {
        this.calls = calls;
        this.keys = keys;
        this.maxBytes = maxBytes;
        this.graceMs = Long.toString(grace.toMillis());
        this.firstUse = firstUse;
    }

    /** See {@link dev.tether.protocol.session.SessionStore#readState}. */
    public Mono<SessionState> read(String sessionId) {
        return SessionIds.require(sessionId)
                .then(calls.run(StateScripts.READ, "readState", stateKeys(sessionId)))
                .map(reply -> {
                    if (ScriptCalls.status(reply) == 0) {
                        throw SessionStoreException.notFound(sessionId);
                    }
                    long version = (Long) reply.get(1);
                    return version == 0 ? SessionState.initial() : SessionState.decode(version, (String) reply.get(2));
                });
    }

    /** See {@link dev.tether.protocol.session.SessionStore#writeState}. */
    public Mono<SessionState> write(String sessionId, long ifVersion, ObjectNode state) {
        return SessionIds.require(sessionId)
                .then(StoreArguments.state(sessionId, ifVersion, state, maxBytes))
                .flatMap(json -> calls.run(StateScripts.WRITE, "writeState", stateKeys(sessionId),
                                Long.toString(ifVersion), json, graceMs)
                        .flatMap(reply -> firstUse.counted(sessionId, reply, 2))
                        .map(reply -> switch ((int) ScriptCalls.status(reply)) {
                            case 0 -> throw SessionStoreException.notFound(sessionId);
                            case 2 -> throw SessionStoreException.stateConflict(sessionId, ifVersion,
                                    (Long) reply.get(1));
                            default -> SessionState.decode((Long) reply.get(1), json);
                        }));
    }

    private String[] stateKeys(String sessionId) {
        return new String[] {keys.meta(sessionId), keys.state(sessionId)};
    }
}
