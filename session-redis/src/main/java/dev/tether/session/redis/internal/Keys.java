package dev.tether.session.redis.internal;

import java.util.Arrays;

/**
 * The key layout. Every key of one session carries the hash tag {@code {sessionId}}, so a session lives in one
 * Redis Cluster slot and its scripts never cross slots:
 * <ul>
 *   <li>{@code <prefix>:{id}:meta}: hash of metadata, the fields {@link SessionMeta} lists;</li>
 *   <li>{@code <prefix>:{id}:log}: stream of sequenced frames, entry id {@code <seq>-0};</li>
 *   <li>{@code <prefix>:{id}:in}: stream of stored client messages, entry id {@code <cseq>-0};</li>
 *   <li>{@code <prefix>:{id}:leases}: hash of leases, each a {@link Lease} in its stored form: a reply's under its
 *   {@code replyTo}, the handling of a client event's under {@code e<cseq>};</li>
 *   <li>{@code <prefix>:{id}:once}: sorted set of the idempotency keys of frames still retained, scored by
 *   their seq;</li>
 *   <li>{@code <prefix>:{id}:state}: hash of the session's state, {@code v} its version and {@code j} its JSON
 *   (absent until the state is first written);</li>
 *   <li>{@code <prefix>:{id}:ch}: the (sharded) pub/sub channel of the session, not a key;</li>
 *   <li>{@code <prefix>:{node:<nodeId>}:cancel}: the (sharded) pub/sub channel of a node's cancel requests;</li>
 *   <li>{@code <prefix>:{node:<nodeId>}:alive}: a node's liveness record, a string with a short TTL;</li>
 *   <li>{@code <prefix>:{node:<nodeId>}:replies}: sorted set of the sessions in which the node may hold reply
 *   leases, scored by when the entry is due;</li>
 *   <li>{@code <prefix>:{nodes}}: set of the registered nodes.</li>
 * </ul>
 * The sessions of each user ({@link dev.tether.protocol.session.SessionStore#sessionsOf}) are a set per user in a
 * slot of its own, {@code <prefix>:{user:<sub>}:sessions}, touched by separate calls, never inside a session's
 * script; its TTL follows the longest-lived of its sessions as far as this store knows.
 * Statistics live in two sorted sets in their own slot: {@code <prefix>:{registry}:sessions} and
 * {@code <prefix>:{registry}:connected}, scored by expiry time.
 */
public final class Keys {

    private final String prefix;

    public Keys(String prefix) {
        this.prefix = prefix;
    }

    private String base(String sessionId) {
        return prefix + ":{" + sessionId + "}:";
    }

    public String meta(String sessionId) {
        return base(sessionId) + "meta";
    }

    public String log(String sessionId) {
        return base(sessionId) + "log";
    }

    public String in(String sessionId) {
        return base(sessionId) + "in";
    }

    public String leases(String sessionId) {
        return base(sessionId) + "leases";
    }

    public String once(String sessionId) {
        return base(sessionId) + "once";
    }

    public String state(String sessionId) {
        return base(sessionId) + "state";
    }

    public String channel(String sessionId) {
        return base(sessionId) + "ch";
    }

    /**
     * The pub/sub channel on which node {@code nodeId} hears cancel requests for the replies it produces: in a slot
     * of its own (hash tag {@code {node:<id>}}), never touched by a script, so no script crosses slots for it.
     */
    public String cancelChannel(String nodeId) {
        return prefix + ":{node:" + nodeId + "}:cancel";
    }

    /** A node's liveness record, in the node's own slot. */
    public String nodeAlive(String nodeId) {
        return prefix + ":{node:" + nodeId + "}:alive";
    }

    /** A node's index of the sessions in which it may hold reply leases, in the node's own slot. */
    public String nodeReplies(String nodeId) {
        return prefix + ":{node:" + nodeId + "}:replies";
    }

    /** The registry of nodes, in a slot of its own. */
    public String nodes() {
        return prefix + ":{nodes}";
    }

    /** The session id of a channel name, or null when it is not one of ours. */
    public String sessionOfChannel(String channel) {
        int start = prefix.length() + 2;
        if (!channel.startsWith(prefix + ":{") || !channel.endsWith("}:ch") || channel.length() < start + 4) {
            return null;
        }
        return channel.substring(start, channel.length() - 4);
    }

    /** Every key of a session, in the order the scripts expect: meta, log, in, leases, once, state. */
    public String[] all(String sessionId) {
        return new String[] {meta(sessionId), log(sessionId), in(sessionId), leases(sessionId), once(sessionId),
                state(sessionId)};
    }

    /** {@link #all} and then the session's channel. */
    public String[] allAndChannel(String sessionId) {
        String[] all = all(sessionId);
        String[] keys = Arrays.copyOf(all, all.length + 1);
        keys[all.length] = channel(sessionId);
        return keys;
    }

    /** The set of the ids of {@code user}'s sessions, in a slot of its own. */
    public String userSessions(String user) {
        return prefix + ":{user:" + user + "}:sessions";
    }

    public String registrySessions() {
        return prefix + ":{registry}:sessions";
    }

    public String registryConnected() {
        return prefix + ":{registry}:connected";
    }
}
