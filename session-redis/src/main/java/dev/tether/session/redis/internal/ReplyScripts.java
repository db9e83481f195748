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
     * from the server's now, keeping its progress; {2} when there is no lease (the reply ended), which is never created
     * here, or when another node holds it (it took the reply over), which is left alone.
     */
    static final LuaScript RENEW_REPLY = LuaScript.of("renew_reply", Scripts.CLOCK + Scripts.LEASES + """
            local meta, leases = KEYS[1], KEYS[2]
            local reply, ttl, node = ARGV[1], tonumber(ARGV[2]), ARGV[3]
            if redis.call('EXISTS', meta) == 0 then return {0} end
            local stored = redis.call('HGET', leases, reply)
            if not stored then return {2} end
            local lease = lease_parse(stored)
            if lease.node ~= node then return {2} end
            redis.call('HSET', leases, reply, lease_format(now_ms() + ttl, lease.parts, lease.last_seq, node, lease))
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
                  redis.call('HSET', leases, reply, lease_format(now + ttl, lease.parts, lease.last_seq, node, lease))
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

    /**
     * Reads the leases of the replies in progress: KEYS meta, leases. {1, [replyTo, lease, ...]} in the hash's order;
     * event leases are left out.
     */
    static final LuaScript FIND_LEASES = LuaScript.of("find_leases", """
            local meta, leases = KEYS[1], KEYS[2]
            if redis.call('EXISTS', meta) == 0 then return {0} end
            local all = redis.call('HGETALL', leases)
            local out = {}
            for i = 1, #all, 2 do
              if tonumber(all[i]) then
                out[#out + 1] = all[i]
                out[#out + 1] = all[i + 1]
              end
            end
            return {1, out}
            """);

    /**
     * Takes over the replies of dead nodes: KEYS meta, leases; ARGV ttlMs, node, then the dead nodes. Every reply lease
     * naming one of them, lapsed or not, moves to node for ttl from the server's now, keeping the reply's progress and
     * its cancel mark, with one continuation more. {1, [replyTo, parts, lastSeq, continued, cancel, ...]} of the
     * leases taken, in replyTo order.
     */
    static final LuaScript TAKE_OVER = LuaScript.of("take_over", Scripts.CLOCK + Scripts.LEASES + """
            local meta, leases = KEYS[1], KEYS[2]
            local ttl, node = tonumber(ARGV[1]), ARGV[2]
            local dead = {}
            for i = 3, #ARGV do dead[ARGV[i]] = true end
            if redis.call('EXISTS', meta) == 0 then return {0} end
            local now = now_ms()
            local all = redis.call('HGETALL', leases)
            local taken = {}
            for i = 1, #all, 2 do
              local lease = tonumber(all[i]) and lease_parse(all[i + 1])
              if lease and dead[lease.node] then
                taken[#taken + 1] = {tonumber(all[i]), lease}
              end
            end
            table.sort(taken, function(a, b) return a[1] < b[1] end)
            local out = {}
            for _, t in ipairs(taken) do
              local reply, lease = t[1], t[2]
              lease.continued = lease.continued + 1
              redis.call('HSET', leases, reply, lease_format(now + ttl, lease.parts, lease.last_seq, node, lease))
              out[#out + 1] = reply
              out[#out + 1] = lease.parts
              out[#out + 1] = lease.last_seq
              out[#out + 1] = lease.continued
              out[#out + 1] = lease.cancel
            end
            return {1, out}
            """);

    /**
     * Marks a cancel requested on a reply's lease: KEYS meta, leases; ARGV replyTo. {1, lease} as it was before the
     * mark, or {1} when the reply has no lease.
     */
    static final LuaScript MARK_CANCEL = LuaScript.of("mark_cancel", Scripts.LEASES + """
            local meta, leases = KEYS[1], KEYS[2]
            local reply = ARGV[1]
            if redis.call('EXISTS', meta) == 0 then return {0} end
            local stored = redis.call('HGET', leases, reply)
            if not stored then return {1} end
            local lease = lease_parse(stored)
            lease.cancel = 1
            redis.call('HSET', leases, reply, lease_format(lease.expiry, lease.parts, lease.last_seq, lease.node,
              lease))
            return {1, stored}
            """);
}
