package dev.tether.session.redis.internal;

/**
 * The Lua scripts of the leases on handling client events, apart from the client message that writes an event's first
 * lease ({@link Scripts#APPEND_CLIENT}). An event's lease lives in the session's leases hash beside the replies'
 * leases, under the field {@code e<cseq>}, in the same format ({@link Lease} with no parts,
 * {@code <expiryMs>:0:0:<node>}), so it is kept, expired and removed with the session's other keys. Their replies and
 * times follow {@link Scripts}.
 */
final class EventScripts {

    private EventScripts() {
    }

    /**
     * Renews an event's lease: KEYS meta, leases; ARGV cseq, ttlMs, node. Moves the lease's expiry to ttl from the
     * server's now if node holds it: {1}; {2} when there is no lease or another node holds it, which is left alone.
     */
    static final LuaScript RENEW_EVENT = LuaScript.of("renew_event", Scripts.CLOCK + Scripts.LEASES + """
            local meta, leases = KEYS[1], KEYS[2]
            local field, ttl, node = 'e' .. ARGV[1], tonumber(ARGV[2]), ARGV[3]
            if redis.call('EXISTS', meta) == 0 then return {0} end
            local stored = redis.call('HGET', leases, field)
            local lease = stored and lease_parse(stored)
            if not lease or lease.node ~= node then return {2} end
            redis.call('HSET', leases, field, lease_format(now_ms() + ttl, 0, 0, node))
            return {1}
            """);

    /** Ends an event's lease: KEYS meta, leases; ARGV cseq. {1, leases removed (0 or 1)}. */
    static final LuaScript EVENT_HANDLED = LuaScript.of("event_handled", """
            local meta, leases = KEYS[1], KEYS[2]
            local field = 'e' .. ARGV[1]
            if redis.call('EXISTS', meta) == 0 then return {0} end
            return {1, redis.call('HDEL', leases, field)}
            """);

    /**
     * Claims the events whose lease lapsed: KEYS meta, in, leases; ARGV ttlMs, node, then the cseqs the caller is still
     * handling. Every event lease expired by the server's now moves to node for ttl; those the caller handles are only
     * renewed, and those whose message is no longer retained are deleted instead. {1, [message JSON...]} of the events
     * claimed, in cseq order.
     */
    static final LuaScript CLAIM_EVENTS = LuaScript.of("claim_events", Scripts.CLOCK + Scripts.LEASES + """
            local meta, inbox, leases = KEYS[1], KEYS[2], KEYS[3]
            local ttl, node = tonumber(ARGV[1]), ARGV[2]
            local handling = {}
            for i = 3, #ARGV do handling[ARGV[i]] = true end
            if redis.call('EXISTS', meta) == 0 then return {0} end
            local now = now_ms()
            local all = redis.call('HGETALL', leases)
            local lapsed = {}
            for i = 1, #all, 2 do
              local cseq = string.match(all[i], '^e(%d+)$')
              local lease = cseq and lease_parse(all[i + 1])
              if lease and lease.expiry <= now then
                if handling[cseq] then
                  redis.call('HSET', leases, all[i], lease_format(now + ttl, 0, 0, node))
                else
                  lapsed[#lapsed + 1] = cseq
                end
              end
            end
            table.sort(lapsed, function(a, b) return tonumber(a) < tonumber(b) end)
            local out = {}
            for _, cseq in ipairs(lapsed) do
              local e = redis.call('XRANGE', inbox, cseq .. '-0', cseq .. '-0')
              if e[1] then
                redis.call('HSET', leases, 'e' .. cseq, lease_format(now + ttl, 0, 0, node))
                out[#out + 1] = e[1][2][2]
              else
                redis.call('HDEL', leases, 'e' .. cseq)
              end
            end
            return {1, out}
            """);
}
