package dev.tether.session.redis.internal;

/**
 * The Lua scripts of the session's state ({@link Keys#state}), apart from those of the log. The state's key gets the
 * TTL of the session's metadata when it is written, and the scripts that keep the TTLs of a session's keys
 * ({@link SessionScripts#ATTACH}, {@link SessionScripts#DETACH}, {@link SessionScripts#REFRESH}) and remove them
 * ({@link SessionScripts#CREATE}, {@link SessionScripts#REMOVE}) list it with the others, so the state expires with
 * its session. Status 0 means the session's metadata does not exist, as in {@link Scripts}.
 */
final class StateScripts {

    private StateScripts() {
    }

    /** Reads the state: KEYS meta, state. {1, version, json}, version 0 and an empty json when never written. */
    static final LuaScript READ = LuaScript.of("read_state", """
            local meta, state = KEYS[1], KEYS[2]
            if redis.call('EXISTS', meta) == 0 then return {0} end
            local v = redis.call('HMGET', state, 'v', 'j')
            return {1, tonumber(v[1]) or 0, v[2] or ''}
            """);

    /**
     * Writes the state: KEYS meta, state; ARGV ifVersion (-1 for any), json, graceMs. {1, version, ttlGiven?}
     * written, with the version one more than before and the key expiring with the metadata; {2, version} the state
     * is at another version than ifVersion, nothing written. A state is something stored: the write uses the session
     * ({@link Scripts#USE}), so that a session with a state never gets the unused grace, whose shorter TTL its state
     * key would keep while its metadata got the full grace.
     */
    static final LuaScript WRITE = LuaScript.of("write_state", Scripts.CLOCK + Scripts.USE + """
            local meta, state = KEYS[1], KEYS[2]
            local if_version, json, grace_ms = tonumber(ARGV[1]), ARGV[2], ARGV[3]
            if redis.call('EXISTS', meta) == 0 then return {0} end
            local version = tonumber(redis.call('HGET', state, 'v')) or 0
            if if_version >= 0 and if_version ~= version then return {2, version} end
            local ttl_given = mark_used(meta, now_ms(), grace_ms)
            redis.call('HSET', state, 'v', version + 1, 'j', json)
            local ttl = redis.call('PTTL', meta)
            if ttl > 0 then redis.call('PEXPIRE', state, ttl) end
            return {1, version + 1, ttl_given}
            """);
}
