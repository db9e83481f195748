package dev.tether.session.redis.internal;

/**
 * The Lua scripts behind every store operation. Each runs atomically on the node that owns the session's slot and
 * costs one round trip; all of a script's keys share the session's hash tag.
 *
 * <p>Replies are arrays whose first element is a status: 0 means the session's metadata does not exist, 2 from a
 * script that touches a reply's lease means the reply has ended (its lease is gone).
 * Times come from the server's {@code TIME}, so that nodes with skewed clocks agree.
 */
public final class Scripts {

    private Scripts() {
    }

    /** Every script, for loading them into the server's cache up front. */
    public static java.util.List<LuaScript> all() {
        return java.util.List.of(CREATE, FIND, ATTACH, DETACH, REFRESH, APPEND, APPEND_ONCE, READ, APPEND_CLIENT,
                READ_CLIENT, RENEW_REPLY, FIND_LEASE, END_LAPSED, REMOVE, REGISTRY, STATS);
    }

    private static final String PRELUDE = """
            local function now_ms()
              local t = redis.call('TIME')
              return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
            end
            local function entry_seq(id)
              return tonumber(string.match(id, '^(%d+)'))
            end
            -- Drops the entries of stream s appended before cutoff, scanning from entry <from>-0 (an entry's
            -- second field, 't', is its append time); returns the seq and the time of the first entry kept, or
            -- nil when none is.
            local function drop_before(s, from, cutoff)
              while true do
                local entries = redis.call('XRANGE', s, from .. '-0', '+', 'COUNT', 100)
                if #entries == 0 then break end
                for _, e in ipairs(entries) do
                  local t = tonumber(e[2][4])
                  if t and t >= cutoff then
                    redis.call('XTRIM', s, 'MINID', e[1])
                    return entry_seq(e[1]), t
                  end
                end
                from = entry_seq(entries[#entries][1]) + 1
              end
              redis.call('XTRIM', s, 'MAXLEN', 0)
              return nil
            end
            -- Drops frames older than max_age from the log and returns the new first seq. ft is the append time
            -- of the first retained frame or older, so the scan runs only when something may be due.
            local function trim_age(meta, log, first, last, ft, now, max_age)
              if first > last or now - ft <= max_age then return first end
              local seq, t = drop_before(log, first, now - max_age)
              if not seq then seq, t = last + 1, now end
              redis.call('HSET', meta, 'first', seq, 'ft', t)
              return seq
            end
            -- Drops client messages older than max_age and returns the append time of the first one kept, or 0
            -- when none is. The meta's ct is that time or older (0: none kept), so the scan runs only when due.
            local function trim_client_age(meta, inbox, now, max_age)
              local ct = tonumber(redis.call('HGET', meta, 'ct')) or 0
              if ct == 0 or now - ct <= max_age then return ct end
              local _, t = drop_before(inbox, 0, now - max_age)
              ct = t or 0
              redis.call('HSET', meta, 'ct', ct)
              return ct
            end
            """;

    /** The prelude plus {@code append_frame}, for the scripts that append server frames. */
    private static final String APPEND_PRELUDE = PRELUDE + """
            -- Appends a frame, its JSON split around the seq, as entry <seq>-0 (trimmed to max_len), trims by age,
            -- publishes it and returns its seq. v is the meta's {last, first, ft}, or nil to read it here; the
            -- session's metadata must exist. TTLs are left alone: the refresh timer owns them.
            local function append_frame(meta, log, channel, v, now, before, after, max_len, max_age, publish)
              v = v or redis.call('HMGET', meta, 'last', 'first', 'ft')
              local last = tonumber(v[1])
              local first = tonumber(v[2])
              local ft = tonumber(v[3]) or 0
              local seq = last + 1
              local frame = before .. seq .. after
              redis.call('XADD', log, 'MAXLEN', max_len, seq .. '-0', 'f', frame, 't', now)
              if last == 0 then
                local ttl = redis.call('PTTL', meta)
                if ttl > 0 then redis.call('PEXPIRE', log, ttl) end
              end
              if first > last then ft = now end
              if seq - max_len + 1 > first then first = seq - max_len + 1 end
              redis.call('HSET', meta, 'last', seq, 'first', first, 'ft', ft)
              trim_age(meta, log, first, seq, ft, now, max_age)
              redis.call(publish, channel, frame)
              return seq
            end
            """;

    /** KEYS meta, log, in, leases, once; ARGV tokenDigest, epoch, node, graceMs. {0} when the id is taken. */
    public static final LuaScript CREATE = LuaScript.of("create", PRELUDE + """
            if redis.call('EXISTS', KEYS[1]) == 1 then return {0} end
            redis.call('DEL', KEYS[2], KEYS[3], KEYS[4], KEYS[5])
            local now = now_ms()
            redis.call('HSET', KEYS[1], 'tok', ARGV[1], 'ep', ARGV[2], 'gen', 1, 'own', ARGV[3], 'con', 1,
              'ack', 0, 'last', 0, 'first', 1, 'ft', 0, 'cat', now, 'seen', now)
            redis.call('PEXPIRE', KEYS[1], ARGV[4])
            return {1, redis.call('HGETALL', KEYS[1])}
            """);

    /** KEYS meta, log; ARGV maxAgeMs. {1, HGETALL}. */
    public static final LuaScript FIND = LuaScript.of("find", PRELUDE + """
            local v = redis.call('HMGET', KEYS[1], 'last', 'first', 'ft')
            if not v[1] then return {0} end
            trim_age(KEYS[1], KEYS[2], tonumber(v[2]), tonumber(v[1]), tonumber(v[3]) or 0, now_ms(),
              tonumber(ARGV[1]))
            return {1, redis.call('HGETALL', KEYS[1])}
            """);

    /**
     * KEYS meta, log, in, leases, once, channel; ARGV node, graceMs, maxAgeMs, publish command. Bumps the generation,
     * publishes {@code g:<generation>} (the takeover notice) and returns {1, HGETALL}.
     */
    public static final LuaScript ATTACH = LuaScript.of("attach", PRELUDE + """
            local v = redis.call('HMGET', KEYS[1], 'last', 'first', 'ft')
            if not v[1] then return {0} end
            local now = now_ms()
            trim_age(KEYS[1], KEYS[2], tonumber(v[2]), tonumber(v[1]), tonumber(v[3]) or 0, now, tonumber(ARGV[3]))
            local gen = redis.call('HINCRBY', KEYS[1], 'gen', 1)
            redis.call('HSET', KEYS[1], 'own', ARGV[1], 'con', 1, 'seen', now)
            for i = 1, 5 do redis.call('PEXPIRE', KEYS[i], ARGV[2]) end
            redis.call(ARGV[4], KEYS[6], 'g:' .. gen)
            return {1, redis.call('HGETALL', KEYS[1])}
            """);

    /**
     * KEYS meta, log, in, leases, once; ARGV generation, graceMs. {1} detached and grace started; {2} stale generation,
     * nothing changed.
     */
    public static final LuaScript DETACH = LuaScript.of("detach", PRELUDE + """
            local g = redis.call('HGET', KEYS[1], 'gen')
            if not g then return {0} end
            if tonumber(g) ~= tonumber(ARGV[1]) then return {2} end
            redis.call('HSET', KEYS[1], 'con', 0, 'seen', now_ms())
            for i = 1, 5 do redis.call('PEXPIRE', KEYS[i], ARGV[2]) end
            return {1}
            """);

    /**
     * KEYS meta, log, in, leases, once; ARGV generation, ttlMs. The timer's TTL refresh of a connected session:
     * {1} refreshed; {2, generation} taken over by a later generation; {3} no longer connected.
     */
    public static final LuaScript REFRESH = LuaScript.of("refresh", """
            local v = redis.call('HMGET', KEYS[1], 'gen', 'con')
            if not v[1] then return {0} end
            if tonumber(v[1]) ~= tonumber(ARGV[1]) then return {2, tonumber(v[1])} end
            if v[2] ~= '1' then return {3} end
            for i = 1, 5 do redis.call('PEXPIRE', KEYS[i], ARGV[2]) end
            return {1}
            """);

    /**
     * KEYS meta, log, channel, leases; ARGV frame JSON before the seq, frame JSON after it, maxFrames, maxAgeMs,
     * publish command, the replyTo whose lease fences the append (0 for none), the lease's new ttlMs (0 when the
     * frame ends the reply), node, the frame's part number in the reply. {1, seq} appended; {2} the fencing reply
     * has ended, nothing appended; {3, seq} the part is the one stored last, not appended again; {4, parts} the part
     * is not the next one. The append renews the lease, or deletes it when the frame ends the reply, in the same
     * step. A lease is {@code "<expiryMs>:<parts>:<lastSeq>:<node>"}: when it lapses, how many parts of the reply are
     * stored and the seq of the last one, and who produces it.
     */
    public static final LuaScript APPEND = LuaScript.of("append", APPEND_PRELUDE + """
            local v = redis.call('HMGET', KEYS[1], 'last', 'first', 'ft')
            if not v[1] then return {0} end
            local now = now_ms()
            local reply = ARGV[6]
            local after_append = nil
            if reply ~= '0' then
              local lease = redis.call('HGET', KEYS[4], reply)
              if not lease then return {2} end
              local parts, last_seq = string.match(lease, '^%d+:(%d+):(%d+):')
              parts = tonumber(parts)
              local part = tonumber(ARGV[9])
              if part == parts - 1 then return {3, tonumber(last_seq)} end
              if part ~= parts then return {4, parts} end
              after_append = parts + 1
            end
            local seq = append_frame(KEYS[1], KEYS[2], KEYS[3], v, now, ARGV[1], ARGV[2], tonumber(ARGV[3]),
              tonumber(ARGV[4]), ARGV[5])
            if after_append then
              local ttl = tonumber(ARGV[7])
              if ttl == 0 then
                redis.call('HDEL', KEYS[4], reply)
              else
                redis.call('HSET', KEYS[4], reply, (now + ttl) .. ':' .. after_append .. ':' .. seq .. ':' .. ARGV[8])
              end
            end
            return {1, seq}
            """);

    /**
     * KEYS meta, log, channel, once; ARGV frame JSON before the seq, frame JSON after it, maxFrames, maxAgeMs,
     * publish command, idempotency key. {2, seq} when a frame still retained was appended under the key, and then
     * nothing is appended; else {1, seq} appended, with the key remembered and the keys of frames no longer retained
     * forgotten.
     */
    public static final LuaScript APPEND_ONCE = LuaScript.of("append_once", APPEND_PRELUDE + """
            local v = redis.call('HMGET', KEYS[1], 'last', 'first', 'ft')
            if not v[1] then return {0} end
            local seen = redis.call('ZSCORE', KEYS[4], ARGV[6])
            if seen and tonumber(seen) >= tonumber(v[2]) then return {2, tonumber(seen)} end
            local seq = append_frame(KEYS[1], KEYS[2], KEYS[3], v, now_ms(), ARGV[1], ARGV[2], tonumber(ARGV[3]),
              tonumber(ARGV[4]), ARGV[5])
            redis.call('ZREMRANGEBYSCORE', KEYS[4], '-inf', '(' .. redis.call('HGET', KEYS[1], 'first'))
            redis.call('ZADD', KEYS[4], seq, ARGV[6])
            local ttl = redis.call('PTTL', KEYS[1])
            if ttl > 0 then redis.call('PEXPIRE', KEYS[4], ttl) end
            return {1, seq}
            """);

    /**
     * KEYS meta, log; ARGV afterSeq, count, maxAgeMs. {1, firstSeq, lastSeq, [frame JSON...]} with up to count
     * frames from afterSeq + 1, read atomically with the metadata they are checked against.
     */
    public static final LuaScript READ = LuaScript.of("read", PRELUDE + """
            local v = redis.call('HMGET', KEYS[1], 'last', 'first', 'ft')
            if not v[1] then return {0} end
            local last = tonumber(v[1])
            local first = trim_age(KEYS[1], KEYS[2], tonumber(v[2]), last, tonumber(v[3]) or 0, now_ms(),
              tonumber(ARGV[3]))
            local after = tonumber(ARGV[1])
            local out = {}
            if after < last and after + 1 >= first then
              local entries = redis.call('XRANGE', KEYS[2], (after + 1) .. '-0', '+', 'COUNT', ARGV[2])
              for i, e in ipairs(entries) do out[i] = e[2][2] end
            end
            return {1, first, last, out}
            """);

    /**
     * KEYS meta, in, leases; ARGV cseq, message JSON, maxMessages, reply lease ms (0 for none), node, maxAgeMs. Dedup
     * against the stored acked cseq: {1, acked} stored (with the reply lease, if any); {2, acked} duplicate; {3, acked}
     * out of order. Nothing is written unless stored; storing also trims the messages by count and age, like frames.
     */
    public static final LuaScript APPEND_CLIENT = LuaScript.of("append_client", PRELUDE + """
            local meta, inbox, leases = KEYS[1], KEYS[2], KEYS[3]
            local cseq, message, max_len = tonumber(ARGV[1]), ARGV[2], ARGV[3]
            local lease_ms, node, max_age = tonumber(ARGV[4]), ARGV[5], tonumber(ARGV[6])
            local a = redis.call('HGET', meta, 'ack')
            if not a then return {0} end
            a = tonumber(a)
            if cseq <= a then return {2, a} end
            if cseq > a + 1 then return {3, a} end
            local now = now_ms()
            if trim_client_age(meta, inbox, now, max_age) == 0 then redis.call('HSET', meta, 'ct', now) end
            redis.call('XADD', inbox, 'MAXLEN', max_len, cseq .. '-0', 'm', message, 't', now)
            if a == 0 then
              local ttl = redis.call('PTTL', meta)
              if ttl > 0 then redis.call('PEXPIRE', inbox, ttl) end
            end
            redis.call('HSET', meta, 'ack', cseq)
            if lease_ms > 0 then
              redis.call('HSET', leases, cseq, (now + lease_ms) .. ':0:0:' .. node)
              local ttl = redis.call('PTTL', meta)
              if ttl > 0 then redis.call('PEXPIRE', leases, ttl) end
            end
            return {1, cseq}
            """);

    /**
     * KEYS meta, in; ARGV afterCseq, count, maxAgeMs. {1, [message JSON...]}: up to count messages from afterCseq + 1,
     * after dropping those older than maxAgeMs.
     */
    public static final LuaScript READ_CLIENT = LuaScript.of("read_client", PRELUDE + """
            local meta, inbox = KEYS[1], KEYS[2]
            local after, count, max_age = tonumber(ARGV[1]), ARGV[2], tonumber(ARGV[3])
            if redis.call('EXISTS', meta) == 0 then return {0} end
            trim_client_age(meta, inbox, now_ms(), max_age)
            local entries = redis.call('XRANGE', inbox, (after + 1) .. '-0', '+', 'COUNT', count)
            local out = {}
            for i, e in ipairs(entries) do out[i] = e[2][2] end
            return {1, out}
            """);

    /**
     * KEYS meta, leases; ARGV replyTo, ttlMs, node. Moves an existing lease's expiry to ttl from the server's now,
     * keeping its progress; {2} when there is no lease (the reply ended), which is never created here.
     */
    public static final LuaScript RENEW_REPLY = LuaScript.of("renew_reply", PRELUDE + """
            if redis.call('EXISTS', KEYS[1]) == 0 then return {0} end
            local lease = redis.call('HGET', KEYS[2], ARGV[1])
            if not lease then return {2} end
            local progress = string.match(lease, '^%d+:(%d+:%d+):')
            redis.call('HSET', KEYS[2], ARGV[1], (now_ms() + tonumber(ARGV[2])) .. ':' .. progress .. ':' .. ARGV[3])
            return {1}
            """);

    /**
     * KEYS meta, leases; ARGV replyTo. {1, "<expiryMs>:<parts>:<lastSeq>:<node>"}, or {1} when the reply has no
     * lease.
     */
    public static final LuaScript FIND_LEASE = LuaScript.of("find_lease", """
            if redis.call('EXISTS', KEYS[1]) == 0 then return {0} end
            local lease = redis.call('HGET', KEYS[2], ARGV[1])
            if not lease then return {1} end
            return {1, lease}
            """);

    /**
     * KEYS meta, log, channel, leases; ARGV the done frame's JSON before the seq, between the seq and the replyTo,
     * after the replyTo, maxFrames, maxAgeMs, publish command, ttlMs, node, then the replyTos the caller is still
     * producing. Every lease expired by the server's now is deleted and its reply ended with the done frame, in
     * replyTo order, except those being produced, which are renewed. {1, [seq, replyTo, ...]} of the frames appended.
     */
    public static final LuaScript END_LAPSED = LuaScript.of("end_lapsed", APPEND_PRELUDE + """
            if redis.call('EXISTS', KEYS[1]) == 0 then return {0} end
            local now = now_ms()
            local producing = {}
            for i = 9, #ARGV do producing[ARGV[i]] = true end
            local all = redis.call('HGETALL', KEYS[4])
            local lapsed = {}
            for i = 1, #all, 2 do
              local expiry = tonumber(string.match(all[i + 1], '^(%d+)'))
              if expiry and expiry <= now then
                if producing[all[i]] then
                  local progress = string.match(all[i + 1], '^%d+:(%d+:%d+):')
                  redis.call('HSET', KEYS[4], all[i], (now + tonumber(ARGV[7])) .. ':' .. progress .. ':' .. ARGV[8])
                else
                  lapsed[#lapsed + 1] = all[i]
                end
              end
            end
            table.sort(lapsed, function(a, b) return tonumber(a) < tonumber(b) end)
            local out = {}
            for _, reply in ipairs(lapsed) do
              redis.call('HDEL', KEYS[4], reply)
              out[#out + 1] = append_frame(KEYS[1], KEYS[2], KEYS[3], nil, now, ARGV[1], ARGV[2] .. reply .. ARGV[3],
                tonumber(ARGV[4]), tonumber(ARGV[5]), ARGV[6])
              out[#out + 1] = tonumber(reply)
            end
            return {1, out}
            """);

    /**
     * KEYS meta, log, in, leases, once, channel; ARGV publish command. Deletes everything and publishes {@code x}.
     */
    public static final LuaScript REMOVE = LuaScript.of("remove", """
            local n = redis.call('DEL', KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5])
            redis.call(ARGV[1], KEYS[6], 'x')
            return {1, n}
            """);

    /**
     * KEYS registry sessions, registry connected; ARGV op, ttlMs, sessionId... where op is {@code c} (connected),
     * {@code d} (disconnected), {@code r} (removed) or {@code t} (the refresh tick: connected, and prune expired
     * entries). Scores are expiry times.
     */
    public static final LuaScript REGISTRY = LuaScript.of("registry", PRELUDE + """
            local now = now_ms()
            local expiry = now + tonumber(ARGV[2])
            local op = ARGV[1]
            for i = 3, #ARGV do
              local id = ARGV[i]
              if op == 'r' then
                redis.call('ZREM', KEYS[1], id)
                redis.call('ZREM', KEYS[2], id)
              else
                redis.call('ZADD', KEYS[1], expiry, id)
                if op == 'd' then redis.call('ZREM', KEYS[2], id) else redis.call('ZADD', KEYS[2], expiry, id) end
              end
            end
            if op == 't' then
              redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
              redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now)
            end
            return {1}
            """);

    /** KEYS registry sessions, registry connected. {total, connected} after pruning expired entries. */
    public static final LuaScript STATS = LuaScript.of("stats", PRELUDE + """
            local now = now_ms()
            redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
            redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now)
            return {redis.call('ZCARD', KEYS[1]), redis.call('ZCARD', KEYS[2])}
            """);
}
