package dev.tether.session.redis.internal;

import java.util.List;

/**
 * The Lua scripts of a session's log and client messages, and the Lua helpers every script shares (the server's
 * clock, trimming, first use, appending a frame, reading and writing a lease). Each script runs atomically on the node
 * that owns the session's slot and costs one round trip; all of a script's keys share the session's hash tag. Each
 * binds its KEYS and ARGV to named locals first; the helpers it needs are prepended to it as text. The session's
 * lifecycle and the statistics registry are in {@link SessionScripts}, the reply leases in {@link ReplyScripts}, the
 * leases on handling client events in {@link EventScripts}, the state in {@link StateScripts}.
 *
 * <p>Replies are arrays whose first element is a status: 0 means the session's metadata does not exist, 2 from a
 * script that touches a reply's lease means the reply has ended (its lease is gone). Times come from the server's
 * {@code TIME}, so that nodes with skewed clocks agree. A script that stores something returns, after its usual
 * elements, the TTL it gave a disconnected session on its first use ({@code mark_used}), if it did. The metadata's
 * fields are listed in {@link SessionMeta}, the lease's format in {@link Lease}.
 */
public final class Scripts {

    private Scripts() {
    }

    /** Every script, for loading them into the server's cache up front. */
    public static List<LuaScript> all() {
        return List.of(SessionScripts.CREATE, SessionScripts.FIND, SessionScripts.ATTACH, SessionScripts.DETACH,
                SessionScripts.REFRESH, APPEND, APPEND_ONCE, READ, APPEND_CLIENT, READ_CLIENT, ReplyScripts.RENEW_REPLY,
                ReplyScripts.FIND_LEASE, ReplyScripts.END_LAPSED, ReplyScripts.FIND_LEASES, ReplyScripts.TAKE_OVER,
                ReplyScripts.MARK_CANCEL, NodeScripts.HEARTBEAT, NodeScripts.ALIVE, NodeScripts.INDEX,
                NodeScripts.FORGET, NodeScripts.REGISTER, NodeScripts.MEMBERS, NodeScripts.UNREGISTER, NodeScripts.SESSIONS,
                EventScripts.RENEW_EVENT, EventScripts.EVENT_HANDLED,
                EventScripts.CLAIM_EVENTS, SessionScripts.REMOVE, SessionScripts.REGISTRY,
                SessionScripts.STATS, StateScripts.READ, StateScripts.WRITE, SessionScripts.USER_ADD,
                SessionScripts.USER_OF, SessionScripts.USER_MEMBERS, SessionScripts.USER_PRUNE);
    }

    static final String CLOCK = """
            local function now_ms()
              local t = redis.call('TIME')
              return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
            end
            """;

    /**
     * Trimming by age, of the log (its meta's first, ft and fb) and of the client messages (its meta's ct and cb), and
     * by count and bytes. The meta keeps each stream's running byte total (fb, cb: the length of the frames or
     * messages retained), so the byte bound costs no scan; an entry's size is the length of its first field.
     */
    static final String TRIM = CLOCK + """
            local function entry_seq(id)
              return tonumber(string.match(id, '^(%d+)'))
            end
            -- Drops the entries of stream s appended before cutoff, scanning from entry <from>-0 (an entry's
            -- second field, 't', is its append time); returns the seq and the time of the first entry kept (nil
            -- when none is), and the bytes dropped.
            local function drop_before(s, from, cutoff)
              local dropped = 0
              while true do
                local entries = redis.call('XRANGE', s, from .. '-0', '+', 'COUNT', 100)
                if #entries == 0 then break end
                for _, e in ipairs(entries) do
                  local t = tonumber(e[2][4])
                  if t and t >= cutoff then
                    redis.call('XTRIM', s, 'MINID', e[1])
                    return entry_seq(e[1]), t, dropped
                  end
                  dropped = dropped + #e[2][2]
                end
                from = entry_seq(entries[#entries][1]) + 1
              end
              redis.call('XTRIM', s, 'MAXLEN', 0)
              return nil, nil, dropped
            end
            -- Lowers the running byte total in the meta's field by dropped, never below 0 (for a stream whose
            -- total was not kept when it was written); returns the new total.
            local function less_bytes(meta, field, dropped)
              local bytes = math.max(0, (tonumber(redis.call('HGET', meta, field)) or 0) - dropped)
              redis.call('HSET', meta, field, bytes)
              return bytes
            end
            -- Drops frames older than max_age from the log and returns the new first seq. ft is the append time
            -- of the first retained frame or older, so the scan runs only when something may be due.
            local function trim_age(meta, log, first, last, ft, now, max_age)
              if first > last or now - ft <= max_age then return first end
              local seq, t, dropped = drop_before(log, first, now - max_age)
              if not seq then seq, t = last + 1, now end
              redis.call('HSET', meta, 'first', seq, 'ft', t)
              less_bytes(meta, 'fb', dropped)
              return seq
            end
            -- Drops client messages older than max_age and returns the append time of the first one kept, or 0
            -- when none is. The meta's ct is that time or older (0: none kept), so the scan runs only when due.
            local function trim_client_age(meta, inbox, now, max_age)
              local ct = tonumber(redis.call('HGET', meta, 'ct')) or 0
              if ct == 0 or now - ct <= max_age then return ct end
              local _, t, dropped = drop_before(inbox, 0, now - max_age)
              ct = t or 0
              redis.call('HSET', meta, 'ct', ct)
              less_bytes(meta, 'cb', dropped)
              return ct
            end
            -- Drops the oldest entries of stream s, which holds n entries of bytes in all, while there are more
            -- than max_len or they hold more than max_bytes, reading each one dropped for its size (an append
            -- drops about one); returns the entries and bytes left.
            local function trim_size(s, n, bytes, max_len, max_bytes)
              while n > 0 and (n > max_len or bytes > max_bytes) do
                local entries = redis.call('XRANGE', s, '-', '+', 'COUNT', 8)
                if #entries == 0 then return 0, 0 end
                local last_dropped
                for _, e in ipairs(entries) do
                  if n <= max_len and bytes <= max_bytes then break end
                  n, bytes, last_dropped = n - 1, bytes - #e[2][2], e[1]
                end
                redis.call('XTRIM', s, 'MINID', (entry_seq(last_dropped) + 1) .. '-0')
              end
              if n == 0 then bytes = 0 end
              return n, math.max(0, bytes)
            end
            """;

    /**
     * A session's first use: a session is created marked new ({@code new} = 1 in its meta) and gets the shorter,
     * unused grace when it is detached, until something is stored in it or it is resumed.
     */
    static final String USE = """
            -- Removes the mark; a disconnected session then gets what is left of the full grace period, grace_ms
            -- from its detach, rather than the unused grace it was given, and that TTL is returned (for the
            -- statistics registry); else nil. grace_ms nil leaves the TTL alone.
            local function mark_used(meta, now, grace_ms)
              local v = redis.call('HMGET', meta, 'new', 'con', 'seen')
              if v[1] ~= '1' then return nil end
              redis.call('HDEL', meta, 'new')
              if grace_ms and v[2] == '0' then
                local left = math.max(1, tonumber(grace_ms) - (now - tonumber(v[3])))
                if left > redis.call('PTTL', meta) then
                  redis.call('PEXPIRE', meta, left)
                  return left
                end
              end
              return nil
            end
            """;

    /** {@link #TRIM} and {@link #USE} plus {@code append_frame}, for the scripts that append server frames. */
    static final String APPEND_FRAME = TRIM + USE + """
            -- Appends a frame, its JSON split around the seq, as entry <seq>-0, trims the log to max_len frames and
            -- max_bytes, then by age, publishes the frame and returns its seq, and the TTL mark_used gave. v is the
            -- meta's {last, first, ft}, or nil to read it here; the session's metadata must exist. TTLs are left
            -- alone (the refresh timer owns them), but for the first use of a disconnected session, which gets its
            -- full grace_ms (see mark_used).
            local function append_frame(meta, log, channel, v, now, before, after, max_len, max_bytes, max_age,
                                        publish, grace_ms)
              v = v or redis.call('HMGET', meta, 'last', 'first', 'ft')
              local ttl_given = mark_used(meta, now, grace_ms)
              local last = tonumber(v[1])
              local first = tonumber(v[2])
              local ft = tonumber(v[3]) or 0
              local seq = last + 1
              local frame = before .. seq .. after
              redis.call('XADD', log, seq .. '-0', 'f', frame, 't', now)
              if last == 0 then
                local ttl = redis.call('PTTL', meta)
                if ttl > 0 then redis.call('PEXPIRE', log, ttl) end
              end
              if first > last then ft = now end
              -- The log holds frames first..seq, one entry each: trimming keeps it so.
              local bytes = (tonumber(redis.call('HGET', meta, 'fb')) or 0) + #frame
              local n
              n, bytes = trim_size(log, redis.call('XLEN', log), bytes, max_len, max_bytes)
              first = seq - n + 1
              redis.call('HSET', meta, 'last', seq, 'first', first, 'ft', ft, 'fb', bytes)
              trim_age(meta, log, first, seq, ft, now, max_age)
              redis.call(publish, channel, frame)
              return seq, ttl_given
            end
            """;

    /**
     * The one reading and writing of a lease, {@code <expiryMs>:<parts>:<lastSeq>:<continued>:<cancel>:<node>} (see
     * {@link Lease}); a lease in the earlier form, {@code <expiryMs>:<parts>:<lastSeq>:<node>}, reads as never
     * continued nor cancelled.
     */
    static final String LEASES = """
            local function lease_parse(s)
              local expiry, parts, last_seq, continued, cancel, node =
                string.match(s, '^(%d+):(%d+):(%d+):(%d+):([01]):(.*)$')
              if not expiry then
                expiry, parts, last_seq, node = string.match(s, '^(%d+):(%d+):(%d+):(.*)$')
                continued, cancel = 0, 0
              end
              if not expiry then return nil end
              return {expiry = tonumber(expiry), parts = tonumber(parts), last_seq = tonumber(last_seq),
                      continued = tonumber(continued), cancel = tonumber(cancel), node = node}
            end
            -- of: the lease this one replaces, whose continuations and cancel mark it keeps; nil for a new one.
            local function lease_format(expiry, parts, last_seq, node, of)
              local continued, cancel = 0, 0
              if of then continued, cancel = of.continued, of.cancel end
              return expiry .. ':' .. parts .. ':' .. last_seq .. ':' .. continued .. ':' .. cancel .. ':' .. node
            end
            """;

    /**
     * Appends a server frame: KEYS meta, log, channel, leases; ARGV the frame's JSON before the seq and after it,
     * maxFrames, maxAgeMs, publish command, the replyTo whose lease fences the append (0 for none), the lease's new
     * ttlMs (0 when the frame ends the reply), node, the frame's part number in the reply, graceMs, maxBytes. {1, seq}
     * appended; {2}
     * the fencing reply has ended, nothing appended; {3, seq} the part is the one stored last, not appended again;
     * {4, parts} the part is not the next one. Only the lease's node appends: for any other, the reply has ended
     * ({2}). The append renews the lease, or deletes it when the frame ends the reply, in the same step.
     */
    public static final LuaScript APPEND = LuaScript.of("append", APPEND_FRAME + LEASES + """
            local meta, log, channel, leases = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
            local before, after, max_len, max_age, publish = ARGV[1], ARGV[2], tonumber(ARGV[3]), tonumber(ARGV[4]),
              ARGV[5]
            local reply, ttl, node, part, grace_ms = ARGV[6], tonumber(ARGV[7]), ARGV[8], tonumber(ARGV[9]), ARGV[10]
            local max_bytes = tonumber(ARGV[11])
            local v = redis.call('HMGET', meta, 'last', 'first', 'ft')
            if not v[1] then return {0} end
            local now = now_ms()
            local lease = nil
            if reply ~= '0' then
              local stored = redis.call('HGET', leases, reply)
              if not stored then return {2} end
              lease = lease_parse(stored)
              if lease.node ~= node then return {2} end
              if part == lease.parts - 1 then return {3, lease.last_seq} end
              if part ~= lease.parts then return {4, lease.parts} end
            end
            local seq, ttl_given = append_frame(meta, log, channel, v, now, before, after, max_len, max_bytes, max_age,
              publish, grace_ms)
            if lease then
              if ttl == 0 then
                redis.call('HDEL', leases, reply)
              else
                redis.call('HSET', leases, reply, lease_format(now + ttl, lease.parts + 1, seq, node, lease))
              end
            end
            return {1, seq, ttl_given}
            """);

    /**
     * Appends a server frame once per idempotency key: KEYS meta, log, channel, once; ARGV the frame's JSON before
     * the seq and after it, maxFrames, maxAgeMs, publish command, idempotency key, graceMs, maxBytes. {2, seq} when a
     * frame
     * still retained was appended under the key, and then nothing is appended; {3, seq} when that frame is not this
     * one (the key reused for another request), appending nothing either; else {1, seq} appended, with the key
     * remembered and the keys of frames no longer retained forgotten.
     */
    public static final LuaScript APPEND_ONCE = LuaScript.of("append_once", APPEND_FRAME + """
            local meta, log, channel, once = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
            local before, after, max_len, max_age, publish = ARGV[1], ARGV[2], tonumber(ARGV[3]), tonumber(ARGV[4]),
              ARGV[5]
            local key, grace_ms, max_bytes = ARGV[6], ARGV[7], tonumber(ARGV[8])
            local v = redis.call('HMGET', meta, 'last', 'first', 'ft')
            if not v[1] then return {0} end
            local seen = redis.call('ZSCORE', once, key)
            if seen and tonumber(seen) >= tonumber(v[2]) then
              local s = tonumber(seen)
              -- The retained frame is the record of the first request: a retry must carry the same one.
              local e = redis.call('XRANGE', log, s .. '-0', s .. '-0')
              if e[1] and e[1][2][2] ~= before .. s .. after then return {3, s} end
              return {2, s}
            end
            local seq, ttl_given = append_frame(meta, log, channel, v, now_ms(), before, after, max_len, max_bytes,
              max_age, publish, grace_ms)
            redis.call('ZREMRANGEBYSCORE', once, '-inf', '(' .. redis.call('HGET', meta, 'first'))
            redis.call('ZADD', once, seq, key)
            local ttl = redis.call('PTTL', meta)
            if ttl > 0 then redis.call('PEXPIRE', once, ttl) end
            return {1, seq, ttl_given}
            """);

    /**
     * Reads a page of the log: KEYS meta, log; ARGV afterSeq, count, maxAgeMs. {1, firstSeq, lastSeq, [frame
     * JSON...]} with up to count frames from afterSeq + 1, read atomically with the metadata they are checked against,
     * after trimming by age.
     */
    public static final LuaScript READ = LuaScript.of("read", TRIM + """
            local meta, log = KEYS[1], KEYS[2]
            local after, count, max_age = tonumber(ARGV[1]), ARGV[2], tonumber(ARGV[3])
            local v = redis.call('HMGET', meta, 'last', 'first', 'ft')
            if not v[1] then return {0} end
            local last = tonumber(v[1])
            local first = trim_age(meta, log, tonumber(v[2]), last, tonumber(v[3]) or 0, now_ms(), max_age)
            local out = {}
            if after < last and after + 1 >= first then
              local entries = redis.call('XRANGE', log, (after + 1) .. '-0', '+', 'COUNT', count)
              for i, e in ipairs(entries) do out[i] = e[2][2] end
            end
            return {1, first, last, out}
            """);

    /**
     * Stores a client message: KEYS meta, in, leases; ARGV cseq, message JSON, maxMessages, lease ms (0 for none),
     * node, maxAgeMs, graceMs, maxBytes, the lease's field prefix (empty for a user message's reply lease, {@code e}
     * for an event's handling lease, see {@link EventScripts}). Dedup against the stored acked cseq: {1, acked}
     * stored (with the lease, if any); {2, acked} duplicate; {3, acked} out of order. Nothing is written unless
     * stored; storing also trims the messages by count, bytes and age, like frames.
     */
    public static final LuaScript APPEND_CLIENT = LuaScript.of("append_client", TRIM + USE + LEASES + """
            local meta, inbox, leases = KEYS[1], KEYS[2], KEYS[3]
            local cseq, message, max_len = tonumber(ARGV[1]), ARGV[2], ARGV[3]
            local lease_ms, node, max_age, grace_ms = tonumber(ARGV[4]), ARGV[5], tonumber(ARGV[6]), ARGV[7]
            local max_bytes, lease_prefix = tonumber(ARGV[8]), ARGV[9]
            local a = redis.call('HGET', meta, 'ack')
            if not a then return {0} end
            a = tonumber(a)
            if cseq <= a then return {2, a} end
            if cseq > a + 1 then return {3, a} end
            local now = now_ms()
            local ttl_given = mark_used(meta, now, grace_ms)
            if trim_client_age(meta, inbox, now, max_age) == 0 then redis.call('HSET', meta, 'ct', now) end
            redis.call('XADD', inbox, cseq .. '-0', 'm', message, 't', now)
            local _, bytes = trim_size(inbox, redis.call('XLEN', inbox),
              (tonumber(redis.call('HGET', meta, 'cb')) or 0) + #message, tonumber(max_len), max_bytes)
            redis.call('HSET', meta, 'cb', bytes)
            if a == 0 then
              local ttl = redis.call('PTTL', meta)
              if ttl > 0 then redis.call('PEXPIRE', inbox, ttl) end
            end
            redis.call('HSET', meta, 'ack', cseq)
            if lease_ms > 0 then
              redis.call('HSET', leases, lease_prefix .. cseq, lease_format(now + lease_ms, 0, 0, node))
              local ttl = redis.call('PTTL', meta)
              if ttl > 0 then redis.call('PEXPIRE', leases, ttl) end
            end
            return {1, cseq, ttl_given}
            """);

    /**
     * Reads a page of client messages: KEYS meta, in; ARGV afterCseq, count, maxAgeMs. {1, [message JSON...]}: up to
     * count messages from afterCseq + 1, after dropping those older than maxAgeMs.
     */
    public static final LuaScript READ_CLIENT = LuaScript.of("read_client", TRIM + """
            local meta, inbox = KEYS[1], KEYS[2]
            local after, count, max_age = tonumber(ARGV[1]), ARGV[2], tonumber(ARGV[3])
            if redis.call('EXISTS', meta) == 0 then return {0} end
            trim_client_age(meta, inbox, now_ms(), max_age)
            local entries = redis.call('XRANGE', inbox, (after + 1) .. '-0', '+', 'COUNT', count)
            local out = {}
            for i, e in ipairs(entries) do out[i] = e[2][2] end
            return {1, out}
            """);
}
