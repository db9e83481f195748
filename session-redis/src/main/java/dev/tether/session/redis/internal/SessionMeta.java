package dev.tether.session.redis.internal;

import dev.tether.protocol.session.SessionRecord;
import java.time.Instant;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A session's metadata hash as the scripts write it: {@code tok} (the token digest, Base64), {@code ep}, {@code gen},
 * {@code own}, {@code con} ({@code 1} when connected), {@code ack}, {@code first}, {@code last}, {@code ft} (the
 * append time of the first retained frame, or older), {@code ct} (the same for client messages, 0 for none),
 * {@code cat} and {@code seen} (times in ms), {@code usr} (the user it belongs to; absent for nobody), and {@code new} ({@code 1} until the session is first used; see
 * {@link dev.tether.protocol.session.SessionLimits#unusedGrace()}).
 */
public final class SessionMeta {

    private SessionMeta() {
    }

    /** The record of {@code sessionId} from its hash as {@code HGETALL} returns it: field, value, field, value... */
    public static SessionRecord record(String sessionId, Object hgetall) {
        List<?> flat = (List<?>) hgetall;
        Map<String, String> fields = new HashMap<>();
        for (int i = 0; i + 1 < flat.size(); i += 2) {
            fields.put((String) flat.get(i), (String) flat.get(i + 1));
        }
        return new SessionRecord(sessionId,
                Base64.getDecoder().decode(fields.getOrDefault("tok", "")),
                number(fields, "ep"), number(fields, "first"), number(fields, "last"), number(fields, "ack"),
                number(fields, "gen"), "1".equals(fields.get("con")), fields.get("own"),
                Instant.ofEpochMilli(number(fields, "cat")), Instant.ofEpochMilli(number(fields, "seen")),
                fields.get("usr"));
    }

    private static long number(Map<String, String> fields, String name) {
        String value = fields.get(name);
        return value == null ? 0 : Long.parseLong(value);
    }
}
