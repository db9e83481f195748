package dev.tether.protocol;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.io.SegmentedStringWriter;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.NullNode;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * Encodes frames to JSON text and decodes and validates JSON text into frames. Thread-safe; share one instance.
 *
 * <p>The same {@code type} can mean different frames in each direction ({@code event}, {@code ack}), so decoding
 * is per direction: {@link #decodeClient(String)} on the gateway, {@link #decodeServer(String)} in the client.
 * Unknown fields are ignored. Every rejection is a {@link FrameException} whose message names the field.
 */
public final class FrameCodec {

    /** Deepest JSON nesting accepted in {@code data}; deeper input is rejected rather than recursed into. */
    public static final int MAX_NESTING_DEPTH = 64;

    private static final int MAX_ID_LENGTH = 128;

    private final ObjectMapper mapper;
    private final JsonFactory factory;

    public FrameCodec() {
        this.factory = JsonFactory.builder()
                .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(MAX_NESTING_DEPTH).build())
                .build();
        // One frame is one JSON object: a second value or other text after it is not ignored.
        this.mapper = new ObjectMapper(factory).enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
    }

    /** The mapper behind this codec, for building {@code data} trees. */
    public ObjectMapper mapper() {
        return mapper;
    }

    // ---------------------------------------------------------------- encoding

    /** The JSON text of a frame. */
    public String encode(Frame frame) {
        try (SegmentedStringWriter out = new SegmentedStringWriter(factory._getBufferRecycler());
             JsonGenerator json = factory.createGenerator(out)) {
            json.writeStartObject();
            json.writeStringField("type", frame.type());
            switch (frame) {
                case Hello hello -> {
                    json.writeNumberField("v", hello.v());
                    if (hello.resume() != null) {
                        Hello.Resume resume = hello.resume();
                        json.writeObjectFieldStart("resume");
                        json.writeStringField("sessionId", resume.sessionId());
                        json.writeStringField("token", resume.token());
                        json.writeNumberField("epoch", resume.epoch());
                        json.writeNumberField("lastSeq", resume.lastSeq());
                        json.writeEndObject();
                    }
                }
                case UserMessage message -> {
                    json.writeNumberField("cseq", message.cseq());
                    json.writeStringField("text", message.text());
                }
                case Cancel cancel -> {
                    json.writeNumberField("cseq", cancel.cseq());
                    json.writeNumberField("replyTo", cancel.replyTo());
                }
                case ClientEvent event -> {
                    json.writeNumberField("cseq", event.cseq());
                    json.writeStringField("name", event.name());
                    writeData(json, event.data());
                }
                case ClientAck ack -> json.writeNumberField("seq", ack.seq());
                case Ping ping -> json.writeNumberField("t", ping.t());
                case Pong pong -> json.writeNumberField("t", pong.t());
                case Bye bye -> {
                    // no fields
                }
                case Welcome welcome -> {
                    json.writeNumberField("v", welcome.v());
                    json.writeStringField("sessionId", welcome.sessionId());
                    json.writeStringField("token", welcome.token());
                    json.writeNumberField("epoch", welcome.epoch());
                    json.writeBooleanField("resumed", welcome.resumed());
                    if (welcome.reason() != null) {
                        json.writeStringField("reason", welcome.reason().wireName());
                    }
                    json.writeNumberField("lastSeq", welcome.lastSeq());
                    json.writeNumberField("ackedCseq", welcome.ackedCseq());
                    json.writeNumberField("heartbeatMs", welcome.heartbeatMs());
                }
                case AssistantDelta delta -> {
                    json.writeNumberField("seq", delta.seq());
                    json.writeNumberField("replyTo", delta.replyTo());
                    json.writeStringField("text", delta.text());
                }
                case AssistantDone done -> {
                    json.writeNumberField("seq", done.seq());
                    json.writeNumberField("replyTo", done.replyTo());
                    json.writeStringField("reason", done.reason().wireName());
                }
                case ServerEvent event -> {
                    json.writeNumberField("seq", event.seq());
                    json.writeStringField("name", event.name());
                    writeData(json, event.data());
                }
                case ServerAck ack -> json.writeNumberField("cseq", ack.cseq());
                case ErrorFrame error -> {
                    json.writeStringField("code", error.code().wireName());
                    json.writeStringField("message", error.message());
                }
            }
            json.writeEndObject();
            json.flush();
            return out.getAndClear();
        } catch (IOException e) {
            // Writing to memory fails only on a bug (for example a data tree that cannot be serialized).
            throw new UncheckedIOException("cannot encode " + frame.type(), e);
        }
    }

    private void writeData(JsonGenerator json, JsonNode data) throws IOException {
        json.writeFieldName("data");
        mapper.writeTree(json, data == null ? NullNode.getInstance() : data);
    }

    // ---------------------------------------------------------------- decoding

    /** Decodes a frame sent by a client. */
    public ClientFrame decodeClient(String text) {
        JsonNode node = parse(text);
        String type = typeOf(node);
        return switch (type) {
            case Hello.TYPE -> decodeHello(node);
            case UserMessage.TYPE -> new UserMessage(
                    positive(node, type, "cseq"), string(node, type, "text", false));
            case Cancel.TYPE -> new Cancel(positive(node, type, "cseq"), positive(node, type, "replyTo"));
            case ClientEvent.TYPE -> new ClientEvent(
                    positive(node, type, "cseq"), string(node, type, "name", true), data(node, type));
            case ClientAck.TYPE -> new ClientAck(nonNegative(node, type, "seq"));
            case Ping.TYPE -> new Ping(integer(node, type, "t"));
            case Pong.TYPE -> new Pong(integer(node, type, "t"));
            case Bye.TYPE -> new Bye();
            default -> throw FrameException.unknownType(type);
        };
    }

    /** Decodes a frame sent by the gateway. */
    public ServerFrame decodeServer(String text) {
        JsonNode node = parse(text);
        String type = typeOf(node);
        return switch (type) {
            case Welcome.TYPE -> decodeWelcome(node);
            case AssistantDelta.TYPE -> new AssistantDelta(
                    positive(node, type, "seq"), positive(node, type, "replyTo"), string(node, type, "text", false));
            case AssistantDone.TYPE -> new AssistantDone(
                    positive(node, type, "seq"), positive(node, type, "replyTo"), doneReason(node));
            case ServerEvent.TYPE -> new ServerEvent(
                    positive(node, type, "seq"), string(node, type, "name", true), data(node, type));
            case ServerAck.TYPE -> new ServerAck(nonNegative(node, type, "cseq"));
            case ErrorFrame.TYPE -> new ErrorFrame(
                    ErrorCode.fromWire(string(node, type, "code", true)), string(node, type, "message", false));
            case Ping.TYPE -> new Ping(integer(node, type, "t"));
            case Pong.TYPE -> new Pong(integer(node, type, "t"));
            default -> throw FrameException.unknownType(type);
        };
    }

    /** Decodes a sequenced frame, as stored in a session log. */
    public Sequenced decodeSequenced(String text) {
        if (decodeServer(text) instanceof Sequenced sequenced) {
            return sequenced;
        }
        throw FrameException.invalidJson("not a sequenced frame");
    }

    /** Decodes a client message, as stored in a session log. */
    public ClientMessage decodeClientMessage(String text) {
        if (decodeClient(text) instanceof ClientMessage message) {
            return message;
        }
        throw FrameException.invalidJson("not a client message");
    }

    private JsonNode parse(String text) {
        JsonNode node;
        try {
            node = mapper.readTree(text);
        } catch (JsonProcessingException e) {
            throw FrameException.invalidJson(e.getOriginalMessage());
        }
        if (node == null || node.isMissingNode()) {
            throw FrameException.invalidJson("empty frame");
        }
        if (!node.isObject()) {
            throw FrameException.invalidJson("a JSON " + node.getNodeType());
        }
        return node;
    }

    private static String typeOf(JsonNode node) {
        JsonNode type = node.get("type");
        if (type == null || !type.isTextual()) {
            throw FrameException.missingType();
        }
        return type.textValue();
    }

    private Hello decodeHello(JsonNode node) {
        int v = (int) Math.min(Integer.MAX_VALUE, positive(node, Hello.TYPE, "v"));
        JsonNode resume = node.get("resume");
        if (resume == null || resume.isNull()) {
            return new Hello(v, null);
        }
        if (!resume.isObject()) {
            throw FrameException.invalidField(Hello.TYPE, "resume", "an object", resume.getNodeType());
        }
        String type = Hello.TYPE + ".resume";
        return new Hello(v, new Hello.Resume(
                identifier(resume, type, "sessionId"),
                identifier(resume, type, "token"),
                integer(resume, type, "epoch"),
                nonNegative(resume, type, "lastSeq")));
    }

    private Welcome decodeWelcome(JsonNode node) {
        String type = Welcome.TYPE;
        boolean resumed = bool(node, type, "resumed");
        ResumeFailure reason = null;
        JsonNode reasonNode = node.get("reason");
        if (reasonNode != null && !reasonNode.isNull()) {
            reason = reasonNode.isTextual() ? ResumeFailure.fromWire(reasonNode.textValue()) : null;
            if (reason == null) {
                throw FrameException.invalidField(type, "reason",
                        "one of not_found, bad_token, history_lost, history_truncated", reasonNode);
            }
        }
        return new Welcome(
                (int) Math.min(Integer.MAX_VALUE, positive(node, type, "v")),
                identifier(node, type, "sessionId"),
                identifier(node, type, "token"),
                integer(node, type, "epoch"),
                resumed,
                reason,
                nonNegative(node, type, "lastSeq"),
                nonNegative(node, type, "ackedCseq"),
                positive(node, type, "heartbeatMs"));
    }

    private static DoneReason doneReason(JsonNode node) {
        String name = string(node, AssistantDone.TYPE, "reason", true);
        DoneReason reason = DoneReason.fromWire(name);
        if (reason == null) {
            throw FrameException.invalidField(AssistantDone.TYPE, "reason",
                    "one of complete, cancelled, failed, interrupted", '"' + name + '"');
        }
        return reason;
    }

    private static JsonNode data(JsonNode node, String type) {
        JsonNode data = node.get("data");
        if (data == null) {
            return NullNode.getInstance();
        }
        // Jackson reads 1e400 as an infinite double, which is written back as the string "Infinity".
        if (!finite(data)) {
            throw FrameException.invalidField(type, "data", "JSON whose numbers fit a double", "a number out of range");
        }
        return data;
    }

    private static boolean finite(JsonNode node) {
        if (node.isFloatingPointNumber()) {
            return Double.isFinite(node.doubleValue());
        }
        for (JsonNode child : node) {
            if (!finite(child)) {
                return false;
            }
        }
        return true;
    }

    private static long integer(JsonNode node, String type, String field) {
        JsonNode value = node.get(field);
        if (value == null || value.isNull()) {
            throw FrameException.missingField(type, field, "an integer");
        }
        if (!value.isIntegralNumber() || !value.canConvertToLong()) {
            throw FrameException.invalidField(type, field, "an integer", value);
        }
        return value.longValue();
    }

    private static long positive(JsonNode node, String type, String field) {
        long value = integer(node, type, field);
        if (value < 1) {
            throw FrameException.invalidField(type, field, "an integer >= 1", value);
        }
        return value;
    }

    private static long nonNegative(JsonNode node, String type, String field) {
        long value = integer(node, type, field);
        if (value < 0) {
            throw FrameException.invalidField(type, field, "an integer >= 0", value);
        }
        return value;
    }

    private static boolean bool(JsonNode node, String type, String field) {
        JsonNode value = node.get(field);
        if (value == null || value.isNull()) {
            throw FrameException.missingField(type, field, "a boolean");
        }
        if (!value.isBoolean()) {
            throw FrameException.invalidField(type, field, "a boolean", value);
        }
        return value.booleanValue();
    }

    private static String string(JsonNode node, String type, String field, boolean nonEmpty) {
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
        return value.textValue();
    }

    private static String identifier(JsonNode node, String type, String field) {
        String value = string(node, type, field, true);
        if (value.length() > MAX_ID_LENGTH) {
            throw FrameException.invalidField(type, field,
                    "at most " + MAX_ID_LENGTH + " characters", value.length() + " characters");
        }
        return value;
    }
}
