package dev.tether.session.redis.internal;

import dev.tether.protocol.ClientEvent;
import dev.tether.protocol.ClientMessage;
import dev.tether.protocol.FrameCodec;
import dev.tether.protocol.UserMessage;
import dev.tether.protocol.session.ClientAppend;
import dev.tether.protocol.session.SessionIds;
import dev.tether.protocol.session.SessionLimits;
import dev.tether.protocol.session.SessionStoreException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * The Redis store's appends of client messages, with the leases they take, and the renewals, endings and claims of the
 * leases on handling client events, one script call each.
 */
public final class ClientCalls {

    private final ScriptCalls calls;
    private final ReplyCalls replies;
    private final Keys keys;
    private final FrameCodec codec;
    private final StateCalls.FirstUse firstUse;
    private final String maxMessages;
    private final String maxAgeMs;
    private final String graceMs;
    private final String maxBytes;

    /**
     * Calls through {@code calls}, on the keys of {@code keys}; messages are encoded and decoded with {@code codec} and
     * kept to the history {@code limits}; a message stored in a disconnected session for the first time gives it the
     * full grace and tells {@code firstUse}; a user message's session is indexed under its node through
     * {@code replies}.
     */
    public ClientCalls(ScriptCalls calls, ReplyCalls replies, Keys keys, FrameCodec codec, SessionLimits limits,
                       StateCalls.FirstUse firstUse) {
        this.calls = calls;
        this.replies = replies;
        this.keys = keys;
        this.codec = codec;
        this.firstUse = firstUse;
        this.maxMessages = Integer.toString(limits.historyFrames());
        this.maxAgeMs = Long.toString(limits.historyMaxAge().toMillis());
        this.graceMs = Long.toString(limits.grace().toMillis());
        this.maxBytes = Long.toString(limits.historyBytes());
    }

    /** See {@link dev.tether.protocol.session.SessionStore#appendClient}. */
    public Mono<ClientAppend> append(String sessionId, ClientMessage message, String nodeId, Duration lease) {
        // A reply's or an event's lease is written by the same script, so that no crash can leave it owed unleased.
        boolean leased = message instanceof UserMessage || message instanceof ClientEvent;
        String leaseMillis = leased ? Long.toString(Math.max(1, lease.toMillis())) : "0";
        String leasePrefix = message instanceof ClientEvent ? "e" : "";
        // The node's index of sessions, in the node's slot, goes beside the script, not in it (see ReplyCalls).
        Mono<Boolean> indexed = message instanceof UserMessage ? replies.indexed(nodeId, sessionId, lease)
                : Mono.just(true);
        return SessionIds.require(sessionId).then(Mono.defer(() -> Mono.zip(calls.run(Scripts.APPEND_CLIENT,
                        "appendClient",
                        new String[] {keys.meta(sessionId), keys.in(sessionId), keys.leases(sessionId)},
                        Long.toString(message.cseq()), codec.encode(message), maxMessages, leaseMillis, nodeId,
                        maxAgeMs, graceMs, maxBytes, leasePrefix), indexed, (reply, done) -> reply))
                .flatMap(reply -> firstUse.counted(sessionId, reply, 2))
                .map(reply -> {
                    long acked = reply.size() > 1 ? (Long) reply.get(1) : 0;
                    return switch ((int) ScriptCalls.status(reply)) {
                        case 1 -> new ClientAppend(ClientAppend.Outcome.STORED, acked);
                        case 2 -> new ClientAppend(ClientAppend.Outcome.DUPLICATE, acked);
                        case 3 -> new ClientAppend(ClientAppend.Outcome.OUT_OF_ORDER, acked);
                        default -> throw SessionStoreException.notFound(sessionId);
                    };
                }));
    }

    /** See {@link dev.tether.protocol.session.SessionStore#renewEvent}. */
    public Mono<Void> renewEvent(String sessionId, long cseq, String nodeId, Duration ttl) {
        return SessionIds.require(sessionId)
                .then(calls.run(EventScripts.RENEW_EVENT, "renewEvent", leaseKeys(sessionId), Long.toString(cseq),
                        Long.toString(Math.max(1, ttl.toMillis())), nodeId))
                .flatMap(reply -> found(sessionId, reply));
    }

    /** See {@link dev.tether.protocol.session.SessionStore#eventHandled}. */
    public Mono<Void> eventHandled(String sessionId, long cseq) {
        return SessionIds.require(sessionId)
                .then(calls.run(EventScripts.EVENT_HANDLED, "eventHandled", leaseKeys(sessionId),
                        Long.toString(cseq)))
                .flatMap(reply -> found(sessionId, reply));
    }

    /** See {@link dev.tether.protocol.session.SessionStore#claimLapsedEvents}. */
    public Flux<ClientEvent> claimLapsed(String sessionId, Set<Long> handling, String nodeId, Duration ttl) {
        List<String> args = new ArrayList<>(List.of(Long.toString(Math.max(1, ttl.toMillis())), nodeId));
        handling.forEach(cseq -> args.add(Long.toString(cseq)));
        return SessionIds.require(sessionId).thenMany(calls.run(EventScripts.CLAIM_EVENTS, "claimLapsedEvents",
                        new String[] {keys.meta(sessionId), keys.in(sessionId), keys.leases(sessionId)},
                        args.toArray(String[]::new))
                .flatMapMany(reply -> {
                    if (ScriptCalls.status(reply) == 0) {
                        return Flux.error(SessionStoreException.notFound(sessionId));
                    }
                    List<ClientEvent> events = new ArrayList<>();
                    for (Object json : (List<?>) reply.get(1)) {
                        events.add((ClientEvent) codec.decodeClientMessage((String) json));
                    }
                    return Flux.fromIterable(events);
                }));
    }

    private static Mono<Void> found(String sessionId, List<Object> reply) {
        return ScriptCalls.status(reply) == 0 ? Mono.error(SessionStoreException.notFound(sessionId)) : Mono.empty();
    }

    private String[] leaseKeys(String sessionId) {
        return new String[] {keys.meta(sessionId), keys.leases(sessionId)};
    }
}
