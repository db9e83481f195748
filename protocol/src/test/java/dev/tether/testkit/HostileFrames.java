package dev.tether.testkit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.Set;

/**
 * A seeded generator of hostile client frames as JSON text: valid frames and their random mutations, wrong types,
 * missing fields, extreme numbers, deep nesting, long strings, unknown types, lone surrogates and text that is not
 * JSON. The same seed gives the same frames, so a failure replays.
 *
 * <p>Shared by the codec's fuzz test and the live fuzz run against a gateway.
 */
public final class HostileFrames {

    /** What a generated frame tries. */
    public enum Kind {
        /** A well-formed client frame with random field values. */
        VALID,
        /** A valid frame's text with random character edits: deleted, inserted, swapped, cut. */
        MUTATED,
        /** One field holds a value of another JSON type. */
        WRONG_TYPE,
        /** One required field is absent or null. */
        MISSING_FIELD,
        /** One integer field is huge, negative, zero, fractional or out of the 64-bit range. */
        EXTREME_NUMBER,
        /** {@code data}, or the whole frame, nested far deeper than the limit, or just within it. */
        DEEP_NESTING,
        /** One string field, or the type, is very long. */
        LONG_STRING,
        /** A type that is not a client frame: random, empty, a gateway-only type, long. */
        UNKNOWN_TYPE,
        /** A string holding an unpaired UTF-16 surrogate, escaped or raw. */
        LONE_SURROGATE,
        /** Text that is not one JSON object: garbage, a truncated object, trailing text, a JSON array or scalar. */
        INVALID_JSON
    }

    /** One generated frame. */
    public record Sample(Kind kind, String text) {
        @Override
        public String toString() {
            String shown = text.length() > 200 ? text.substring(0, 200) + "... (" + text.length() + " chars)" : text;
            return kind + " " + shown;
        }
    }

    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    private static final String[] CLIENT_TYPES =
            {"hello", "user_message", "cancel", "event", "ack", "ping", "pong", "bye"};
    private static final String[] OTHER_TYPES =
            {"welcome", "assistant_delta", "assistant_done", "error", "", "HELLO", "hello ", "user-message", "\u0000"};
    private static final String[] NOT_OBJECTS = {"null", "true", "42", "\"hello\"", "  ", "{", "}", "{]", "/* */{}"};
    private static final String[] SURROGATES = {"\\ud800", "\\udfff", "\\udbff\\u0041", "\\udc00\\ud800"};
    private static final String[] NUMBERS = {"0", "-1", "-9223372036854775808", "9223372036854775807",
            "9223372036854775808", "-9223372036854775809", "1e400", "-1e400", "1.5", "1.0", "1e3", "-0",
            "123456789012345678901234567890123456789", "0.0000000001", "NaN", "Infinity", "01", "+1", "0x10"};

    private final Random random;
    private final int longStringMax;
    private final Kind[] kinds;

    /**
     * A generator whose long strings are up to {@code longStringMax} characters: above the frame limit, some frames
     * are too big to send, which a live run wants now and then.
     */
    public HostileFrames(long seed, int longStringMax) {
        this(seed, longStringMax, Set.of());
    }

    /** A generator that never picks the {@code excluded} kinds by itself. */
    public HostileFrames(long seed, int longStringMax, Set<Kind> excluded) {
        this.random = new Random(seed);
        this.longStringMax = longStringMax;
        this.kinds = Arrays.stream(Kind.values()).filter(kind -> !excluded.contains(kind)).toArray(Kind[]::new);
    }

    /** The generator's random source, for callers that pick among their own cases with the same seed. */
    public Random random() {
        return random;
    }

    /** A frame of a random kind. */
    public Sample next() {
        return next(kinds[random.nextInt(kinds.length)]);
    }

    /** A frame of this kind. */
    public Sample next(Kind kind) {
        return new Sample(kind, switch (kind) {
            case VALID -> valid().toString();
            case MUTATED -> mutate(valid().toString());
            case WRONG_TYPE -> wrongType();
            case MISSING_FIELD -> missingField();
            case EXTREME_NUMBER -> extremeNumber();
            case DEEP_NESTING -> deepNesting();
            case LONG_STRING -> longString();
            case UNKNOWN_TYPE -> unknownType();
            case LONE_SURROGATE -> loneSurrogate();
            case INVALID_JSON -> invalidJson();
        });
    }

    /** Bytes that are not valid UTF-8: overlong forms, lone continuation bytes, surrogates, cut sequences. */
    public byte[] invalidUtf8() {
        byte[][] bad = {{(byte) 0xC0, (byte) 0x80}, {(byte) 0x80}, {(byte) 0xED, (byte) 0xA0, (byte) 0x80},
                {(byte) 0xF8, (byte) 0x88, (byte) 0x80, (byte) 0x80, (byte) 0x80}, {(byte) 0xE2, (byte) 0x82},
                {(byte) 0xFF}, {(byte) 0xF4, (byte) 0x90, (byte) 0x80, (byte) 0x80}};
        byte[] prefix = valid().toString().getBytes(java.nio.charset.StandardCharsets.UTF_8);
        byte[] inject = bad[random.nextInt(bad.length)];
        int at = random.nextInt(prefix.length + 1);
        byte[] out = new byte[prefix.length + inject.length];
        System.arraycopy(prefix, 0, out, 0, at);
        System.arraycopy(inject, 0, out, at, inject.length);
        System.arraycopy(prefix, at, out, at + inject.length, prefix.length - at);
        return out;
    }

    /** A well-formed client frame of a random type. */
    public ObjectNode valid() {
        return valid(CLIENT_TYPES[random.nextInt(CLIENT_TYPES.length)]);
    }

    /** A well-formed client frame of this type, with random values. */
    public ObjectNode valid(String type) {
        ObjectNode frame = NODES.objectNode().put("type", type);
        switch (type) {
            case "hello" -> {
                frame.put("v", random.nextInt(4) == 0 ? 1 + random.nextInt(3) : 1);
                if (random.nextBoolean()) {
                    frame.putObject("resume").put("sessionId", word(1 + random.nextInt(30)))
                            .put("token", word(1 + random.nextInt(50))).put("epoch", random.nextInt(5))
                            .put("lastSeq", random.nextInt(100));
                }
            }
            case "user_message" -> frame.put("cseq", 1 + random.nextInt(20)).put("text", sentence());
            case "cancel" -> frame.put("cseq", 1 + random.nextInt(20)).put("replyTo", 1 + random.nextInt(1000));
            case "event" -> frame.put("cseq", 1 + random.nextInt(20)).put("name", word(1 + random.nextInt(12)))
                    .set("data", data(3));
            case "ack" -> frame.put("seq", random.nextInt(4) == 0 ? Long.MAX_VALUE : random.nextInt(1000));
            case "ping", "pong" -> frame.put("t", random.nextLong());
            default -> {
                // bye has no fields
            }
        }
        return frame;
    }

    private String mutate(String text) {
        StringBuilder out = new StringBuilder(text);
        int edits = 1 + random.nextInt(4);
        for (int i = 0; i < edits && !out.isEmpty(); i++) {
            int at = random.nextInt(out.length());
            switch (random.nextInt(6)) {
                case 0 -> out.deleteCharAt(at);
                case 1 -> out.insert(at, "{}[]\",:\\0-9eE.tfn \u0000\u00e9\ud83d".charAt(random.nextInt(20)));
                case 2 -> out.setCharAt(at, (char) (32 + random.nextInt(95)));
                case 3 -> out.setLength(at);
                case 4 -> out.insert(at, out.substring(at, Math.min(out.length(), at + 1 + random.nextInt(20))));
                default -> out.append(random.nextBoolean() ? "}" : " {\"type\":\"bye\"}");
            }
        }
        return out.toString();
    }

    private String wrongType() {
        ObjectNode frame = valid();
        List<String> fields = fields(frame);
        String field = fields.get(random.nextInt(fields.size()));
        JsonNode[] values = {NODES.textNode("1"), NODES.booleanNode(true), NODES.numberNode(1.5), NODES.nullNode(),
                NODES.arrayNode().add(1).add(2), NODES.objectNode().put("a", 1), NODES.numberNode(7),
                NODES.arrayNode().add(sentence()), NODES.textNode(word(300))};
        frame.set(field, values[random.nextInt(values.length)]);
        if (frame.get("resume") instanceof ObjectNode resume && random.nextBoolean()) {
            List<String> inner = fields(resume);
            // A copy: the resume object may itself be one of the values, and must not come to contain itself.
            resume.set(inner.get(random.nextInt(inner.size())), values[random.nextInt(values.length)].deepCopy());
        }
        return frame.toString();
    }

    private String missingField() {
        ObjectNode frame = valid();
        List<String> fields = fields(frame);
        String field = fields.get(random.nextInt(fields.size()));
        if (random.nextBoolean()) {
            frame.remove(field);
        } else {
            frame.putNull(field);
        }
        return frame.toString();
    }

    private String extremeNumber() {
        ObjectNode frame = valid();
        List<String> numeric = new ArrayList<>();
        frame.fields().forEachRemaining(e -> {
            if (e.getValue().isNumber()) {
                numeric.add(e.getKey());
            }
        });
        String number = random.nextInt(5) == 0
                ? new BigInteger(64 + random.nextInt(2000), random).negate().toString()
                : NUMBERS[random.nextInt(NUMBERS.length)];
        String field = numeric.isEmpty() ? "cseq" : numeric.get(random.nextInt(numeric.size()));
        frame.put(field, "@@");
        return frame.toString().replace("\"@@\"", number);
    }

    private String deepNesting() {
        int depth = switch (random.nextInt(4)) {
            case 0 -> 60 + random.nextInt(8);
            case 1 -> 100 + random.nextInt(1000);
            case 2 -> 5000 + random.nextInt(20_000);
            default -> 2 + random.nextInt(60);
        };
        boolean arrays = random.nextBoolean();
        String open = arrays ? "[" : "{\"a\":";
        String close = arrays ? "]" : "}";
        String nested = open.repeat(depth) + "1" + close.repeat(depth);
        if (random.nextInt(5) == 0) {
            return nested;
        }
        return "{\"type\":\"event\",\"cseq\":1,\"name\":\"deep\",\"data\":" + nested + "}";
    }

    private String longString() {
        int length = random.nextInt(10) == 0 ? 1 + random.nextInt(longStringMax) : 129 + random.nextInt(5000);
        String value = word(length);
        ObjectNode frame = valid();
        switch (random.nextInt(4)) {
            case 0 -> frame.put("type", value);
            case 1 -> frame.put(value.substring(0, Math.min(value.length(), 10_000)), "x");
            default -> {
                String field = switch (frame.get("type").textValue()) {
                    case "user_message" -> "text";
                    case "event" -> "name";
                    default -> "type";
                };
                if (frame.get("resume") instanceof ObjectNode resume) {
                    resume.put(random.nextBoolean() ? "sessionId" : "token", value);
                } else {
                    frame.put(field, value);
                }
            }
        }
        return frame.toString();
    }

    private String unknownType() {
        ObjectNode frame = valid();
        String type = switch (random.nextInt(3)) {
            case 0 -> OTHER_TYPES[random.nextInt(OTHER_TYPES.length)];
            case 1 -> word(1 + random.nextInt(40));
            default -> word(129 + random.nextInt(3000));
        };
        return frame.put("type", type).toString();
    }

    private String loneSurrogate() {
        String type = random.nextBoolean() ? "user_message" : "event";
        ObjectNode frame = valid(type);
        String surrogate = random.nextInt(4) == 0
                ? String.valueOf((char) (0xD800 + random.nextInt(0x800)))
                : SURROGATES[random.nextInt(SURROGATES.length)];
        String field = type.equals("user_message") ? "text" : random.nextBoolean() ? "name" : "data";
        frame.put(field, "@@");
        return frame.toString().replace("@@", "a" + surrogate + "b");
    }

    private String invalidJson() {
        return switch (random.nextInt(8)) {
            case 0 -> "";
            case 1 -> valid().toString() + " " + valid();
            case 2 -> {
                String text = valid().toString();
                yield text.substring(0, random.nextInt(text.length()));
            }
            case 3 -> "[" + valid() + "]";
            case 4 -> NOT_OBJECTS[random.nextInt(NOT_OBJECTS.length)];
            case 5 -> "{\"type\":\"ping\",\"t\":1,}";
            case 6 -> "{'type':'ping','t':1}";
            default -> garbage(1 + random.nextInt(300));
        };
    }

    private JsonNode data(int depth) {
        return switch (depth <= 0 ? random.nextInt(4) : random.nextInt(6)) {
            case 0 -> NODES.textNode(sentence());
            case 1 -> NODES.numberNode(random.nextLong());
            case 2 -> NODES.booleanNode(random.nextBoolean());
            case 3 -> NODES.nullNode();
            case 4 -> {
                ArrayNode array = NODES.arrayNode();
                for (int i = random.nextInt(4); i > 0; i--) {
                    array.add(data(depth - 1));
                }
                yield array;
            }
            default -> {
                ObjectNode object = NODES.objectNode();
                for (int i = random.nextInt(4); i > 0; i--) {
                    object.set(word(1 + random.nextInt(8)), data(depth - 1));
                }
                yield object;
            }
        };
    }

    private static List<String> fields(ObjectNode frame) {
        List<String> fields = new ArrayList<>();
        frame.fieldNames().forEachRemaining(fields::add);
        return fields;
    }

    private String sentence() {
        StringBuilder out = new StringBuilder();
        for (int i = random.nextInt(12); i >= 0; i--) {
            out.append(word(1 + random.nextInt(9))).append(' ');
        }
        if (random.nextInt(6) == 0) {
            out.append("héllo 世界 🚀 \" \\ \n \u2028");
        }
        return out.toString().trim();
    }

    private String word(int length) {
        StringBuilder out = new StringBuilder(length);
        for (int i = 0; i < length; i++) {
            out.append((char) ('a' + random.nextInt(26)));
        }
        return out.toString();
    }

    private String garbage(int length) {
        StringBuilder out = new StringBuilder(length);
        for (int i = 0; i < length; i++) {
            out.append((char) random.nextInt(random.nextBoolean() ? 128 : 0x3000));
        }
        return out.toString();
    }
}
