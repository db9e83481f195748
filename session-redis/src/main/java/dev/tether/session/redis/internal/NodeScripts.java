package dev.tether.session.redis.internal;

/**
 * The Lua scripts of node liveness: each node's record and its index of sessions in the node's own slot (hash tag
 * {@code {node:<id>}}, {@link Keys#nodeAlive}, {@link Keys#nodeReplies}), the registry of nodes in another
 * ({@link Keys#nodes}). No script touches a session's keys, and no session script touches these, so nothing crosses
 * slots in Redis Cluster. Times come from the server's {@code TIME}, as in {@link Scripts}.
 */
final class NodeScripts {

    private NodeScripts() {
    }

    /**
     * Records a node alive: KEYS alive, replies; ARGV ttlMs. Sets the record for ttl and drops the entries of the
     * node's index that are due. {1, whether the record existed}: a node whose record had lapsed registers again.
     */
    static final LuaScript HEARTBEAT = LuaScript.of("node_heartbeat", Scripts.CLOCK + """
            local alive, replies = KEYS[1], KEYS[2]
            local ttl = tonumber(ARGV[1])
            local was = redis.call('EXISTS', alive)
            redis.call('SET', alive, '1', 'PX', ttl)
            redis.call('ZREMRANGEBYSCORE', replies, '-inf', now_ms())
            return {1, was}
            """);

    /** Whether a node is alive: KEYS alive. {1, 1 or 0}. */
    static final LuaScript ALIVE = LuaScript.of("node_alive", """
            local alive = KEYS[1]
            return {1, redis.call('EXISTS', alive)}
            """);

    /**
     * Indexes a session under a node: KEYS replies; ARGV sessionId, keepMs. The entry is due keep from the server's
     * now (scored so), and the index itself expires keep after its last write.
     */
    static final LuaScript INDEX = LuaScript.of("node_index", Scripts.CLOCK + """
            local replies = KEYS[1]
            local session, keep = ARGV[1], tonumber(ARGV[2])
            redis.call('ZADD', replies, now_ms() + keep, session)
            redis.call('PEXPIRE', replies, keep)
            return {1}
            """);

    /** Forgets a dead node's index: KEYS alive, replies. {1, 1} forgotten; {1, 0} the node is alive, kept. */
    static final LuaScript FORGET = LuaScript.of("node_forget", """
            local alive, replies = KEYS[1], KEYS[2]
            if redis.call('EXISTS', alive) == 1 then return {1, 0} end
            redis.call('DEL', replies)
            return {1, 1}
            """);

    /** Registers a node: KEYS nodes; ARGV node. {1}. */
    static final LuaScript REGISTER = LuaScript.of("node_register", """
            local nodes, node = KEYS[1], ARGV[1]
            redis.call('SADD', nodes, node)
            return {1}
            """);

    /** The registered nodes: KEYS nodes. {1, [node...]}. */
    static final LuaScript MEMBERS = LuaScript.of("node_members", """
            local nodes = KEYS[1]
            return {1, redis.call('SMEMBERS', nodes)}
            """);

    /** Unregisters a node: KEYS nodes; ARGV node. {1}. */
    static final LuaScript UNREGISTER = LuaScript.of("node_unregister", """
            local nodes, node = KEYS[1], ARGV[1]
            redis.call('SREM', nodes, node)
            return {1}
            """);

    /** The sessions a node indexed: KEYS replies. {1, [sessionId...]}. */
    static final LuaScript SESSIONS = LuaScript.of("node_sessions", """
            local replies = KEYS[1]
            return {1, redis.call('ZRANGE', replies, 0, -1)}
            """);
}
