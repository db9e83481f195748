package dev.tether.session.redis.internal;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * The Redis store's node liveness: heartbeats, liveness reads, the index of the sessions in which a node may hold
 * reply leases, and the registry of nodes, one script call each ({@link NodeScripts}).
 */
public final class NodeCalls {

    /**
     * Heartbeats between two registrations of a node that was alive all along: a dead node forgotten by a sweep
     * while it was waking up registers again within this many.
     */
    static final int REGISTER_EVERY = 10;

    /** How long a session stays in a node's index after the node last stored or renewed a reply there, in leases. */
    public static final int INDEX_KEPT_LEASES = 3;

    private final ScriptCalls calls;
    private final Keys keys;
    private final AtomicLong beats = new AtomicLong();

    public NodeCalls(ScriptCalls calls, Keys keys) {
        this.calls = calls;
        this.keys = keys;
    }

    /** See {@link dev.tether.protocol.session.SessionStore#heartbeatNode}. */
    public Mono<Void> heartbeat(String nodeId, Duration ttl) {
        return calls.run(NodeScripts.HEARTBEAT, "heartbeatNode", nodeKeys(nodeId),
                        Long.toString(Math.max(1, ttl.toMillis())))
                .flatMap(reply -> (Long) reply.get(1) == 0 || beats.incrementAndGet() % REGISTER_EVERY == 0
                        ? calls.run(NodeScripts.REGISTER, "heartbeatNode", new String[] {keys.nodes()}, nodeId).then()
                        : Mono.empty());
    }

    /** See {@link dev.tether.protocol.session.SessionStore#isNodeAlive}. */
    public Mono<Boolean> alive(String nodeId) {
        return calls.run(NodeScripts.ALIVE, "isNodeAlive", new String[] {keys.nodeAlive(nodeId)})
                .map(reply -> (Long) reply.get(1) == 1);
    }

    /** See {@link dev.tether.protocol.session.SessionStore#deadNodes}. */
    public Flux<String> dead() {
        return calls.run(NodeScripts.MEMBERS, "deadNodes", new String[] {keys.nodes()})
                .flatMapIterable(reply -> strings(reply.get(1)))
                .concatMap(node -> alive(node).filter(alive -> !alive).map(alive -> node));
    }

    /**
     * Indexes {@code sessionId} under {@code nodeId} for {@link #INDEX_KEPT_LEASES} leases of {@code lease}: the node
     * stores or renews a reply there.
     */
    public Mono<Void> index(String nodeId, String sessionId, Duration lease) {
        return calls.run(NodeScripts.INDEX, "indexReply", new String[] {keys.nodeReplies(nodeId)}, sessionId,
                Long.toString(Math.max(1, lease.multipliedBy(INDEX_KEPT_LEASES).toMillis()))).then();
    }

    /** See {@link dev.tether.protocol.session.SessionStore#sessionsOfNode}. */
    public Flux<String> sessions(String nodeId) {
        return calls.run(NodeScripts.SESSIONS, "sessionsOfNode", new String[] {keys.nodeReplies(nodeId)})
                .flatMapIterable(reply -> strings(reply.get(1)));
    }

    /** See {@link dev.tether.protocol.session.SessionStore#forgetNode}. */
    public Mono<Void> forget(String nodeId) {
        return calls.run(NodeScripts.FORGET, "forgetNode", nodeKeys(nodeId))
                .flatMap(reply -> (Long) reply.get(1) == 1
                        ? calls.run(NodeScripts.UNREGISTER, "forgetNode", new String[] {keys.nodes()}, nodeId).then()
                        : Mono.empty());
    }

    private String[] nodeKeys(String nodeId) {
        return new String[] {keys.nodeAlive(nodeId), keys.nodeReplies(nodeId)};
    }

    @SuppressWarnings("unchecked")
    private static List<String> strings(Object reply) {
        return (List<String>) reply;
    }
}
