package dev.tether.session.redis.internal;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tether.protocol.session.SessionIds;
import dev.tether.protocol.session.SessionState;
import dev.tether.protocol.session.SessionStoreException;
import dev.tether.protocol.session.StoreArguments;
import reactor.core.publisher.Mono;

/** The Redis store's reads and compare-and-sets of a session's state, one script call each. */
public final class StateCalls {

    private final ScriptCalls calls;
    private final Keys keys;
    private final int maxBytes;

    /** Calls through {@code calls}, on the keys of {@code keys}, refusing states over {@code maxBytes}. */
    public StateCalls(ScriptCalls calls, Keys keys, int maxBytes) {
        this.calls = calls;
        this.keys = keys;
        this.maxBytes = maxBytes;
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
                                Long.toString(ifVersion), json)
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
