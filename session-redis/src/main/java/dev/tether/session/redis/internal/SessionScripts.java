package dev.tether.session.redis.internal;

/**
 * The Lua scripts of a session's lifecycle (create, find, attach, detach, the TTL refresh, remove) and of the
 * statistics registry those events keep. Their replies and times follow {@link Scripts}; the scripts that keep the
 * TTLs of a session's keys or remove them list every key of the session ({@link Keys#all}).
 */
public final class SessionScripts {

    private SessionScripts() {
    }

    /**
     * Creates a session: KEYS meta, log, in, leases, once, state; ARGV tokenDigest (Base64), epoch, node,
     * graceMs, user (empty for nobody). Clears any leftover keys and writes the metadata, connected as generation 1, for one grace period.
     * {1, HGETALL}, or {0} when the id is taken.
     */
    public static final LuaScript CREATE = LuaScript.of("create", Scripts.CLOCK + """
            local meta, log, inbox, leases, once, state = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6]
            local token_digest, epoch, node, grace_ms, user = ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5]
            if redis.call('EXISTS', meta) == 1 then return {0} end
            redis.call('DEL', log, inbox, leases, once, state)
            local now = now_ms()
            redis.call('HSET', meta, 'tok', token_digest, 'ep', epoch, 'gen', 1, 'own', node, 'con', 1,
              'ack', 0, 'last', 0, 'first', 1, 'ft', 0, 'ct', 0, 'fb', 0, 'cb', 0, 'cat', now, 'seen', now, 'new', 1)
            if user and user ~= '' then redis.call('HSET', meta, 'usr', user) end
            redis.call('PEXPIRE', meta, grace_ms)
            return {1, redis.call('HGETALL', meta)}
            """);

    /** Reads a session: KEYS meta, log; ARGV maxAgeMs. Trims the log by age first. {1, HGETALL}. */
    public static final LuaScript FIND = LuaScript.of("find", Scripts.TRIM + """
            local meta, log = KEYS[1], KEYS[2]
            local max_age = tonumber(ARGV[1])
            local v = redis.call('HMGET', meta, 'last', 'first', 'ft')
            if not v[1] then return {0} end
            trim_age(meta, log, tonumber(v[2]), tonumber(v[1]), tonumber(v[3]) or 0, now_ms(), max_age)
            return {1, redis.call('HGETALL', meta)}
            """);

    /**
     * Attaches a connection: KEYS meta, log, in, leases, once, state, channel; ARGV node, graceMs, maxAgeMs, publish
     * command.
     * Bumps the generation, marks the session connected to node and used, gives every key one grace period, publishes
     * {@code g:<generation>} (the takeover notice) and returns {1, HGETALL}.
     */
    public static final LuaScript ATTACH = LuaScript.of("attach", Scripts.TRIM + """
            local meta, log, inbox, leases, once, state = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6]
            local channel = KEYS[7]
            local node, grace_ms, max_age, publish = ARGV[1], ARGV[2], tonumber(ARGV[3]), ARGV[4]
            local v = redis.call('HMGET', meta, 'last', 'first', 'ft')
            if not v[1] then return {0} end
            local now = now_ms()
            trim_age(meta, log, tonumber(v[2]), tonumber(v[1]), tonumber(v[3]) or 0, now, max_age)
            local gen = redis.call('HINCRBY', meta, 'gen', 1)
            redis.call('HSET', meta, 'own', node, 'con', 1, 'seen', now)
            redis.call('HDEL', meta, 'new')
            for _, key in ipairs({meta, log, inbox, leases, once, state}) do redis.call('PEXPIRE', key, grace_ms) end
            redis.call(publish, channel, 'g:' .. gen)
            return {1, redis.call('HGETALL', meta)}
            """);

    /**
     * Detaches a connection: KEYS meta, log, in, leases, once, state; ARGV generation, graceMs, unusedGraceMs.
     * {1, ttlMs, user} detached and the grace period started on every key, the unused one for a session still marked
     * new (user is nil for a session of nobody);
     * {2} a stale generation, nothing changed.
     */
    public static final LuaScript DETACH = LuaScript.of("detach", Scripts.CLOCK + """
            local meta, log, inbox, leases, once, state = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6]
            local generation, grace_ms, unused_ms = tonumber(ARGV[1]), ARGV[2], ARGV[3]
            local v = redis.call('HMGET', meta, 'gen', 'new')
            if not v[1] then return {0} end
            if tonumber(v[1]) ~= generation then return {2} end
            local ttl = grace_ms
            if v[2] == '1' then ttl = unused_ms end
            redis.call('HSET', meta, 'con', 0, 'seen', now_ms())
            for _, key in ipairs({meta, log, inbox, leases, once, state}) do redis.call('PEXPIRE', key, ttl) end
            return {1, tonumber(ttl), redis.call('HGET', meta, 'usr')}
            """);

    /**
     * The timer's TTL refresh of a connected session: KEYS meta, log, in, leases, once, state; ARGV generation, ttlMs.
     * {1, user} refreshed (user nil for a session of nobody); {2, generation} taken over by a later generation; {3} no longer connected.
     */
    public static final LuaScript REFRESH = LuaScript.of("refresh", """
            local meta, log, inbox, leases, once, state = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6]
            local generation, ttl_ms = tonumber(ARGV[1]), ARGV[2]
            local v = redis.call('HMGET', meta, 'gen', 'con')
            if not v[1] then return {0} end
            if tonumber(v[1]) ~= generation then return {2, tonumber(v[1])} end
            if v[2] ~= '1' then return {3} end
            for _, key in ipairs({meta, log, inbox, leases, once, state}) do redis.call('PEXPIRE', key, ttl_ms) end
            return {1, redis.call('HGET', meta, 'usr')}
            """);

    /**
     * Adds a session to its user's set, or only keeps the set alive: KEYS user set; ARGV ttlMs, sessionId (absent to
     * add none). The set's TTL is raised to ttlMs, never lowered, so that it outlives each session it lists. {1}.
     */
    public static final LuaScript USER_ADD = LuaScript.of("user_add", """
            local set = KEYS[1]
            local ttl_ms, id = tonumber(ARGV[1]), ARGV[2]
            if id then redis.call('SADD', set, id) end
            if redis.call('EXISTS', set) == 1 and redis.call('PTTL', set) < ttl_ms then
              redis.call('PEXPIRE', set, ttl_ms)
            end
            return {1}
            """);

    /** The user of a session: KEYS meta. {1, user} (user nil for a session of nobody), or {0} when it is gone. */
    public static final LuaScript USER_OF = LuaScript.of("user_of", """
            local meta = KEYS[1]
            if redis.call('EXISTS', meta) == 0 then return {0} end
            return {1, redis.call('HGET', meta, 'usr')}
            """);

    /** The ids in a user's set: KEYS user set. {1, ids}. */
    public static final LuaScript USER_MEMBERS = LuaScript.of("user_members", """
            return {1, redis.call('SMEMBERS', KEYS[1])}
            """);

    /** Drops sessions that are gone from a user's set: KEYS user set; ARGV sessionId... {1}. */
    public static final LuaScript USER_PRUNE = LuaScript.of("user_prune", """
            local set = KEYS[1]
            redis.call('SREM', set, unpack(ARGV))
            return {1}
            """);

    /**
     * Removes a session: KEYS meta, log, in, leases, once, state, channel; ARGV publish command. Deletes every key and
     * publishes {@code x}. {1, keys deleted}.
     */
    public static final LuaScript REMOVE = LuaScript.of("remove", """
            local meta, log, inbox, leases, once, state = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6]
            local channel = KEYS[7]
            local publish = ARGV[1]
            local n = redis.call('DEL', meta, log, inbox, leases, once, state)
            redis.call(publish, channel, 'x')
            return {1, n}
            """);

    /**
     * Updates the statistics registry: KEYS registry sessions, registry connected; ARGV op, ttlMs, sessionId...
     * where op is {@code c} (connected), {@code d} (disconnected), {@code r} (removed) or {@code t} (the refresh
     * tick: connected, and prune expired entries). Scores are expiry times. {1}.
     */
    public static final LuaScript REGISTRY = LuaScript.of("registry", Scripts.CLOCK + """
            local sessions, connected = KEYS[1], KEYS[2]
            local op, ttl = ARGV[1], tonumber(ARGV[2])
            local now = now_ms()
            local expiry = now + ttl
            for i = 3, #ARGV do
              local id = ARGV[i]
              if op == 'r' then
                redis.call('ZREM', sessions, id)
                redis.call('ZREM', connected, id)
              else
                redis.call('ZADD', sessions, expiry, id)
                if op == 'd' then redis.call('ZREM', connected, id) else redis.call('ZADD', connected, expiry, id) end
              end
            end
            if op == 't' then
              redis.call('ZREMRANGEBYSCORE', sessions, '-inf', now)
              redis.call('ZREMRANGEBYSCORE', connected, '-inf', now)
            end
            return {1}
            """);

    /** Counts sessions: KEYS registry sessions, registry connected. {total, connected} after pruning expired ones. */
    public static final LuaScript STATS = LuaScript.of("stats", Scripts.CLOCK + """
            local sessions, connected = KEYS[1], KEYS[2]
            local now = now_ms()
            redis.call('ZREMRANGEBYSCORE', sessions, '-inf', now)
            redis.call('ZREMRANGEBYSCORE', connected, '-inf', now)
            return {redis.call('ZCARD', sessions), redis.call('ZCARD', connected)}
            """);
}
