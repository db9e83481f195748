package dev.tether.session.redis.internal;

/**
 * The Lua scripts of the reply leases, apart from the appends they fence ({@link Scripts#APPEND}) and the client
 * message that writes a reply's first lease ({@link Scripts#APPEND_CLIENT}). Their replies and times follow
 * {@link Scripts}; the lease's format is read and written only by {@link Scripts#LEASES}.
 */
final class ReplyScripts {

    private ReplyScripts() {
    }

    /**
     * Renews a reply's lease: KEYS meta, leases; ARGV replyTo, ttlMs, node. Moves an existing lease's expiry to ttl
     * from the server's now, in node's name, keeping its progress; {2} when there is no lease (the reply ended),
     * which is never created here.
     */
    static final LuaScript RENEW_REPLY = LuaScript.of("renew_reply", Scripts.CLOCK + Scripts.LEASES + """
            local meta, leases = KEYS[1], KEYS[2]
            local reply, ttl, node = ARGV[1], tonumber(ARGV[2]), ARGV[3]
            if redis.call('EXISTS', meta) == 0 then return {0} end
            local stored = redis.call('HGET', leases, reply)
            if not stored then return {2} end
            local lease = lease_parse(stored)
            redis.call('HSET', leases, reply, lease_format(now_ms() + ttl, lease.parts, lease.last_seq, node))
            return {1}
            """);

    /** Reads a reply's lease: KEYS meta, leases; ARGV replyTo. {1, lease}, or {1} when the reply has no lease. */
    static final LuaScript FIND_LEASE = LuaScript.of("find_lease", """
            local meta, leases = KEYS[1], KEYS[2]
            local reply = ARGV[1]
            if redis.call('EXISTS', meta) == 0 then return {0} end
            local lease = redis.call('HGET', leases, reply)
            if not lease then return {1} end
            return {1, lease}
            """);

    /**
     * Ends the replies whose lease lapsed: KEYS meta, log, channel, leases; ARGV the done frame's JSON before the
     * seq, between the seq and the replyTo, and after the replyTo, maxFrames, maxAgeMs, publish command, ttlMs, node,
     * maxBytes, then the replyTos the caller is still producing. Every reply lease expired by the server's now is
     * deleted and its reply ended with the done frame, in replyTo order, except those being produced, which are renewed
     * in node's name; event leases are left alone. {1, [seq, replyTo, ...]} of the frames appended.
     */
    static final LuaScript END_LAPSED = LuaScript.of("end_lapsed", Scripts.APPEND_FRAME + Scripts.LEASES + """
            local meta, log, channel, leases = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
            local done_before, done_middle, done_after = ARGV[1], ARGV[2], ARGV[3]
            local max_len, max_age, publish = tonumber(ARGV[4]), tonumber(ARGV[5]), ARGV[6]
            local ttl, node, max_bytes = tonumber(ARGV[7]), ARGV[8], tonumber(ARGV[9])
            local producing = {}
            for i = 10, #ARGV do producing[ARGV[i]] = true end
            if redis.call('EXISTS', meta) == 0 then return {0} end
            local now = now_ms()
            local all = redis.call('HGETALL', leases)
            local lapsed = {}
            for i = 1, #all, 2 do
              local reply, lease = all[i], lease_parse(all[i + 1])
              -- An event's lease (field e<cseq>) is claimed by its own script, never ended here.
              if lease and lease.expiry <= now and tonumber(reply) then
                if producing[reply] then
                  redis.call('HSET', leases, reply, lease_format(now + ttl, lease.parts, lease.last_seq, node))
                else
                  lapsed[#lapsed + 1] = reply
                end
              end
            end
            table.sort(lapsed, function(a, b) return tonumber(a) < tonumber(b) end)
            local out = {}
            for _, reply in ipairs(lapsed) do
              redis.call('HDEL', leases, reply)
              out[#out + 1] = append_frame(meta, log, channel, nil, now, done_before,
                done_middle .. reply .. done_after, max_len, max_bytes, max_age, publish)
              out[#out + 1] = tonumber(reply)
            end
            return {1, out}
            """);
}
