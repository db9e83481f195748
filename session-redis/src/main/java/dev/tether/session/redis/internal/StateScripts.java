package dev.tether.session.redis.internal;

/**
 * The Lua scripts of the session's state ({@link Keys#state}), apart from those of the log. The state's key gets the
 * TTL of the session's metadata when it is written, and the scripts that keep the TTLs of a session's keys
 * ({@link Scripts#ATTACH}, {@link Scripts#DETACH}, {@link Scripts#REFRESH}) and remove them ({@link Scripts#CREATE},
 * {@link Scripts#REMOVE}) list it with the others, so the state expires with its session. Status 0 means the
 * session's metadata does not exist, as in {@link Scripts}.
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
     * Writes the state: KEYS meta, state; ARGV ifVersion (-1 for any), json. {1, version} written, with the version
     * one more than before and the key expiring with the metadata; {2, version} the state is at another version than
     * ifVersion, nothing written.
     */
    static final LuaScript WRITE = LuaScript.of("write_state", """
            local meta, state = KEYS[1], KEYS[2]
            local if_version, json = tonumber(ARGV[1]), ARGV[2]
            if redis.call('EXISTS', meta) == 0 then return {0} end
            local version = tonumber(redis.call('HGET', state, 'v')) or 0
            if if_version >= 0 and if_version ~= version then return {2, version} end
            redis.call('HSET', state, 'v', version + 1, 'j', json)
            local ttl = redis.call('PTTL', meta)
            if ttl > 0 then redis.call('PEXPIRE', state, ttl) end
            return {1, version + 1}
            """);
}
