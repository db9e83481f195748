package dev.tether.protocol;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.TextNode;

/** Reads the fields of a decoded frame, each failure a {@link FrameException} naming {@code type.field}. */
final class JsonFields {

    static final int MAX_ID_LENGTH = 128;

    private JsonFields() {
    }

    /** The frame's {@code type}, which every frame has. */
    static String typeOf(JsonNode node) {
        JsonNode type = node.get("type");
        if (type == null || !type.isTextual()) {
            throw FrameException.missingType();
        }
        return type.textValue();
    }

    /** The {@code data} of an event, held to the rule every string and number of a frame is held to. */
    static JsonNode data(JsonNode node, String type) {
        JsonNode data = node.get("data");
        if (data == null) {
            return NullNode.getInstance();
        }
        EncodedText.wellFormedData(type, data);
        return data;
    }

    static long integer(JsonNode node, String type, String field) {
        JsonNode value = node.get(field);
        if (value == null || value.isNull()) {
            throw FrameException.missingField(type, field, "an integer");
        }
        if (!value.isIntegralNumber() || !value.canConvertToLong()) {
            throw FrameException.invalidField(type, field, "an integer", value);
        }
        return value.longValue();
    }

    static long positive(JsonNode node, String type, String field) {
        long value = integer(node, type, field);
        if (value < 1) {
            throw FrameException.invalidField(type, field, "an integer >= 1", value);
        }
        return value;
    }

    static long nonNegative(JsonNode node, String type, String field) {
        long value = integer(node, type, field);
        if (value < 0) {
            throw FrameException.invalidField(type, field, "an integer >= 0", value);
        }
        return value;
    }

    static boolean bool(JsonNode node, String type, String field) {
        JsonNode value = node.get(field);
        if (value == null || value.isNull()) {
            throw FrameException.missingField(type, field, "a boolean");
        }
        if (!value.isBoolean()) {
            throw FrameException.invalidField(type, field, "a boolean", value);
        }
        return value.booleanValue();
    }

    static String string(JsonNode node, String type, String field, boolean nonEmpty) {
        JsonNode value = node.get(field);
        String expected = nonEmpty ? "a non-empty string" : "a string";
        if (value == null || value.isNull()) {
            throw FrameException.missingField(type, field, expected);
        }
        if (!value.isTextual()) {
            throw FrameException.invalidField(type, field, expected, value.getNodeType());
        }
        if (nonEmpty && value.textValue().isEmpty()) {
            throw FrameException.invalidField(type, field, expected, "\"\"");
        }
        EncodedText.wellFormed(type, field, value.textValue());
        return value.textValue();
    }

    static String identifier(JsonNode node, String type, String field) {
        String value = string(node, type, field, true);
        if (value.length() > MAX_ID_LENGTH) {
            throw FrameException.invalidField(type, field,
                    "at most " + MAX_ID_LENGTH + " characters", TextNode.valueOf(value));
        }
        return value;
    }

    /** The object in {@code field}, or {@code null} when it is absent or {@code null}. */
    static JsonNode optionalObject(JsonNode node, String type, String field) {
        JsonNode value = node.get(field);
        if (value == null || value.isNull()) {
            return null;
        }
        if (!value.isObject()) {
            throw FrameException.invalidField(type, field, "an object", value.getNodeType());
        }
        return value;
    }
}
