package dev.tether.protocol.session;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * A session's state as the store holds it: a small JSON object that survives reconnects and nodes, and its version.
 *
 * <p>The version counts the writes: 0 for a session whose state was never written (its value is then the empty
 * object), and one more with each {@link SessionStore#writeState}. A writer that read version {@code v} and writes
 * with {@code ifVersion v} changes the state only if nobody wrote in between: a compare-and-set. The value is copied
 * in and out, so a {@code SessionState} never changes.
 *
 * @param version the number of writes so far, >= 0
 * @param value   the state, a JSON object
 */
public record SessionState(long version, ObjectNode value) {

    /** The {@code ifVersion} of an unconditional {@link SessionStore#writeState}: any version will do. */
    public static final long ANY_VERSION = -1;

    private static final ObjectMapper JSON = new ObjectMapper();

    public SessionState {
        if (version < 0) {
            throw new IllegalArgumentException("version must be >= 0, got " + version);
        }
        value = Objects.requireNonNull(value, "value").deepCopy();
    }

    /** The state of a session whose state was never written: version 0, the empty object. */
    public static SessionState initial() {
        return new SessionState(0, JSON.createObjectNode());
    }

    /** A copy of the state, free to change. */
    @Override
    public ObjectNode value() {
        return value.deepCopy();
    }

    /** The state's JSON, as the stores keep it and measure it. */
    public String json() {
        return encode(value);
    }

    /** {@code value} as compact JSON. */
    public static String encode(ObjectNode value) {
        try {
            return JSON.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a JSON tree always encodes", e);
        }
    }

    /** The size of {@code json} as the state's bound counts it: bytes in UTF-8. */
    public static int size(String json) {
        return json.getBytes(StandardCharsets.UTF_8).length;
    }

    /** The state stored as {@code json} at {@code version}; the JSON must be an object. */
    public static SessionState decode(long version, String json) {
        try {
            JsonNode node = JSON.readTree(json);
            if (!(node instanceof ObjectNode object)) {
                throw new IllegalArgumentException("a session state must be a JSON object, got " + node.getNodeType());
            }
            return new SessionState(version, object);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("a stored session state is not JSON: " + e.getOriginalMessage(), e);
        }
    }
}
