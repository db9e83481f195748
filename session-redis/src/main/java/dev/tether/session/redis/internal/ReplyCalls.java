package dev.tether.session.redis.internal;

import dev.tether.protocol.AssistantDone;
import dev.tether.protocol.DoneReason;
import dev.tether.protocol.Sequenced;
import dev.tether.protocol.session.ReplyLease;
import dev.tether.protocol.session.SessionIds;
import dev.tether.protocol.session.SessionLimits;
import dev.tether.protocol.session.SessionStoreException;
import dev.tether.protocol.session.TakenReply;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/** The Redis store's renewals, reads and endings of reply leases, one script call each. */
public final class ReplyCalls {

    private final ScriptCalls calls;
    private final NodeCalls nodes;
    private final Keys keys;
    private final FrameTemplates templates;
    private final String publishCommand;
    private final String maxFrames;
    private final String maxAgeMs;
    private final String maxBytes;

    /**
     * Calls through {@code calls}, on the keys of {@code keys}; the done frames that end lapsed replies are built from
     * {@code templates}, published with {@code publishCommand} and trimmed to the history {@code limits}; a renewed or
     * taken lease indexes its session under its node in {@code nodes}.
     */
    public ReplyCalls(ScriptCalls calls, NodeCalls nodes, Keys keys, FrameTemplates templates, String publishCommand,
                      SessionLimits limits) {
        this.calls = calls;
        this.nodes = nodes;
        this.keys = keys;
        this.templates = templates;
        this.publishCommand = publishCommand;
        this.maxFrames = Integer.toString(limits.historyFrames());
        this.maxAgeMs = Long.toString(limits.historyMaxAge().toMillis());
        this.maxBytes = Long.toString(limits.historyBytes());
    }

    /** See {@link dev.tether.protocol.session.SessionStore#renewReply}. */
    public Mono<Void> renew(String sessionId, long replyTo, String nodeId, Duration ttl) {
        return SessionIds.require(sessionId)
                .then(Mono.zip(calls.run(ReplyScripts.RENEW_REPLY, "renewReply", leaseKeys(sessionId),
                                Long.toString(replyTo), Long.toString(Math.max(1, ttl.toMillis())), nodeId),
                        indexed(nodeId, sessionId, ttl), (reply, indexed) -> reply))
                .flatMap(reply -> switch ((int) ScriptCalls.status(reply)) {
                    case 0 -> Mono.error(SessionStoreException.notFound(sessionId));
                    case 2 -> Mono.error(SessionStoreException.replyEnded(sessionId, replyTo));
                    default -> Mono.empty();
                });
    }

    /**
     * Indexes the session under the node, sent beside the lease's own script (another slot, so not in it): the index
     * is a hint for finding a dead node's replies sooner than their leases lapse, and a failure to write it is left to
     * the leases. True when done, false when it failed.
     */
    public Mono<Boolean> indexed(String nodeId, String sessionId, Duration lease) {
        return nodes.index(nodeId, sessionId, lease).thenReturn(true).onErrorReturn(false);
    }

    /** See {@link dev.tether.protocol.session.SessionStore#findReplyLeases}. */
    public Flux<ReplyLease> findAll(String sessionId) {
        return SessionIds.require(sessionId)
                .then(calls.run(ReplyScripts.FIND_LEASES, "findReplyLeases", leaseKeys(sessionId)))
                .flatMapMany(reply -> {
                    if (ScriptCalls.status(reply) == 0) {
                        return Flux.error(SessionStoreException.notFound(sessionId));
                    }
                    List<?> found = (List<?>) reply.get(1);
                    List<ReplyLease> leases = new ArrayList<>(found.size() / 2);
                    for (int i = 0; i < found.size(); i += 2) {
                        leases.add(Lease.parse((String) found.get(i + 1))
                                .toReplyLease(Long.parseLong((String) found.get(i))));
                    }
                    leases.sort(Comparator.comparingLong(ReplyLease::replyTo));
                    return Flux.fromIterable(leases);
                });
    }

    /** See {@link dev.tether.protocol.session.SessionStore#takeOverReplies}. */
    public Flux<TakenReply> takeOver(String sessionId, Set<String> fromNodes, String nodeId, Duration ttl) {
        List<String> args = new ArrayList<>(List.of(Long.toString(Math.max(1, ttl.toMillis())), nodeId));
        args.addAll(fromNodes);
        return SessionIds.require(sessionId)
                .then(calls.run(ReplyScripts.TAKE_OVER, "takeOverReplies", leaseKeys(sessionId),
                        args.toArray(String[]::new)))
                .flatMapMany(reply -> {
                    if (ScriptCalls.status(reply) == 0) {
                        return Flux.error(SessionStoreException.notFound(sessionId));
                    }
                    List<?> out = (List<?>) reply.get(1);
                    List<TakenReply> taken = new ArrayList<>(out.size() / 5);
                    for (int i = 0; i < out.size(); i += 5) {
                        taken.add(new TakenReply((Long) out.get(i), (Long) out.get(i + 1), (Long) out.get(i + 2),
                                ((Long) out.get(i + 3)).intValue(), (Long) out.get(i + 4) == 1));
                    }
                    Mono<Boolean> index = taken.isEmpty() ? Mono.just(true) : indexed(nodeId, sessionId, ttl);
                    return index.thenMany(Flux.fromIterable(taken));
                });
    }

    /**
     * Marks a cancel requested on the lease of the reply to {@code replyTo}: the lease as it was, or empty when there
     * is none.
     */
    public Mono<ReplyLease> markCancel(String sessionId, long replyTo) {
        return SessionIds.require(sessionId)
                .then(calls.run(ReplyScripts.MARK_CANCEL, "requestCancel", leaseKeys(sessionId),
                        Long.toString(replyTo)))
                .flatMap(reply -> leaseIn(reply, sessionId, replyTo));
    }

    /** See {@link dev.tether.protocol.session.SessionStore#findReplyLease}. */
    public Mono<ReplyLease> find(String sessionId, long replyTo) {
        return SessionIds.require(sessionId)
                .then(calls.run(ReplyScripts.FIND_LEASE, "findReplyLease", leaseKeys(sessionId),
                        Long.toString(replyTo)))
                .flatMap(reply -> leaseIn(reply, sessionId, replyTo));
    }

    /** See {@link dev.tether.protocol.session.SessionStore#endLapsedReplies}. */
    public Flux<Sequenced> endLapsed(String sessionId, Set<Long> producing, String nodeId, Duration ttl) {
        List<String> args = new ArrayList<>(templates.interruptedDone());
        args.addAll(List.of(maxFrames, maxAgeMs, publishCommand, Long.toString(Math.max(1, ttl.toMillis())), nodeId,
                maxBytes));
        producing.forEach(replyTo -> args.add(Long.toString(replyTo)));
        return SessionIds.require(sessionId).thenMany(calls.run(ReplyScripts.END_LAPSED, "endLapsedReplies",
                        new String[] {keys.meta(sessionId), keys.log(sessionId), keys.channel(sessionId),
                                keys.leases(sessionId)}, args.toArray(String[]::new))
                .flatMapMany(reply -> {
                    if (ScriptCalls.status(reply) == 0) {
                        return Flux.error(SessionStoreException.notFound(sessionId));
                    }
                    List<?> ended = (List<?>) reply.get(1);
                    List<Sequenced> frames = new ArrayList<>(ended.size() / 2);
                    for (int i = 0; i < ended.size(); i += 2) {
                        frames.add(new AssistantDone((Long) ended.get(i), (Long) ended.get(i + 1),
                                DoneReason.INTERRUPTED));
                    }
                    return Flux.fromIterable(frames);
                }));
    }

    private String[] leaseKeys(String sessionId) {
        return new String[] {keys.meta(sessionId), keys.leases(sessionId)};
    }

    /** The lease a lease script answered ({@code [status, lease?]}): an error for an unknown session, empty for none. */
    private static Mono<ReplyLease> leaseIn(List<Object> reply, String sessionId, long replyTo) {
        if (ScriptCalls.status(reply) == 0) {
            return Mono.error(SessionStoreException.notFound(sessionId));
        }
        if (reply.size() < 2) {
            return Mono.empty();
        }
        return Mono.just(Lease.parse((String) reply.get(1)).toReplyLease(replyTo));
    }
}
