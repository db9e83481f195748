package dev.tether.protocol;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonProcessingException;
import static dev.tether.protocol.JsonFields.bool;
import static dev.tether.protocol.JsonFields.data;
import static dev.tether.protocol.JsonFields.identifier;
import static dev.tether.protocol.JsonFields.integer;
import static dev.tether.protocol.JsonFields.nonNegative;
import static dev.tether.protocol.JsonFields.optionalObject;
import static dev.tether.protocol.JsonFields.positive;
import static dev.tether.protocol.JsonFields.string;
import static dev.tether.protocol.JsonFields.typeOf;

import com.fasterxml.jackson.core.ErrorReportConfiguration;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.io.SegmentedStringWriter;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.TextNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Encodes frames to JSON text and decodes and validates JSON text into frames. Thread-safe; share one instance.
 *
 * <p>The same {@code type} can mean different frames in each direction ({@code event}, {@code ack}), so decoding
 * is per direction: {@link #decodeClient(String)} on the gateway, {@link #decodeServer(String)} in the client.
 * Unknown fields are ignored. Every rejection is a {@link FrameException} whose message names the field.
 *
 * <p>A codec made with a frame limit is the one place that knows the encoded size of frames: it never encodes a
 * frame larger than the limit, refuses client messages whose stored frame or reply would not fit (see
 * {@link #maxTextBytes()}), {@linkplain #check checks} the frames others produce before they are stored, and cuts
 * reply text into {@linkplain #deltas deltas} that fit.
 */
public final class FrameCodec {

    /** Deepest JSON nesting accepted in {@code data}; deeper input is rejected rather than recursed into. */
    public static final int MAX_NESTING_DEPTH = 64;

    /** The largest seq, cseq or replyTo, whose digits make the widest frame around a text or data. */
    private static final long WIDEST_NUMBER = Long.MAX_VALUE;

    private final ObjectMapper mapper;
    private final JsonFactory factory;
    private final int maxFrameBytes;
    private final int maxTextBytes;

    /** A codec that bounds no frame by its size: for a session store or a tool, which hold frames checked before. */
    public FrameCodec() {
        this(Integer.MAX_VALUE);
    }

    /** A codec whose frames, either way, are at most {@code maxFrameBytes} bytes encoded (256 or more). */
    public FrameCodec(int maxFrameBytes) {
        this.maxFrameBytes = Checks.between("maxFrameBytes", maxFrameBytes, 256, Integer.MAX_VALUE);
        this.factory = JsonFactory.builder()
                .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(MAX_NESTING_DEPTH).build())
                // Parser messages go back to the client in error frames: they must not echo its input at length.
                .errorReportConfiguration(ErrorReportConfiguration.builder()
                        .maxErrorTokenLength(FrameException.MAX_QUOTED).maxRawContentLength(0).build())
                .build();
        // One frame is one JSON object: a second value or other text after it is not ignored.
        this.mapper = new ObjectMapper(factory).enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
        this.maxTextBytes = maxFrameBytes - (int)
                EncodedText.utf8Length(write(new AssistantDelta(WIDEST_NUMBER, WIDEST_NUMBER, "")));
    }

    /** The mapper behind this codec, for building {@code data} trees. */
    public ObjectMapper mapper() {
        return mapper;
    }

    /** The largest frame this codec encodes or accepts, in bytes; {@link Integer#MAX_VALUE} for no bound. */
    public int maxFrameBytes() {
        return maxFrameBytes;
    }

    /**
     * The most bytes the {@code text} of a {@code user_message} may take encoded (UTF-8, JSON escapes included): the
     * frame limit less the widest {@code assistant_delta} around it (seq and replyTo of 19 digits), so that both the
     * stored message and a reply that repeats the text in one delta fit in a frame: 65,444 for 64 KiB.
     */
    public int maxTextBytes() {
        return maxTextBytes;
    }

    // ---------------------------------------------------------------- limits

    /**
     * Checks a frame about to be stored or sent: every string in it well-formed Unicode and its encoding within the
     * frame limit, a sequenced frame measured at the widest seq the store can give it, a user message's text within
     * {@link #maxTextBytes()}. A client message that passes is one the gateway accepts.
     *
     * @throws FrameException a {@code validation_error}; {@link FrameException#isTooLarge()} if only the size is
     *                        wrong
     */
    public void check(Frame frame) {
        switch (frame) {
            case UserMessage message -> {
                EncodedText.wellFormed(message.type(), "text", message.text());
                requireTextFits(message.text());
            }
            case AssistantDelta delta -> EncodedText.wellFormed(delta.type(), "text", delta.text());
            case ClientEvent event -> EncodedText.wellFormedEvent(event.type(), event.name(), event.data());
            case ServerEvent event -> EncodedText.wellFormedEvent(event.type(), event.name(), event.data());
            case ErrorFrame error -> EncodedText.wellFormed(error.type(), "message", error.message());
            default -> {
                // The other frames carry numbers, enums and identifiers only.
            }
        }
        Frame widest = frame instanceof Sequenced sequenced && sequenced.seq() == Sequenced.UNASSIGNED
                ? sequenced.withSeq(WIDEST_NUMBER) : frame;
        long bytes = EncodedText.utf8Length(write(widest));
        if (bytes > maxFrameBytes) {
            throw FrameException.tooLarge(frame.type(), bytes, maxFrameBytes);
        }
    }

    /**
     * The deltas that carry {@code text} as part of the reply to {@code replyTo}: one, or several when it does not
     * fit in one frame, cut between code points, each at most {@link #maxTextBytes()} encoded. A lone surrogate,
     * which has no encoding, becomes U+FFFD: a reply is never refused halfway for its text.
     */
    public List<AssistantDelta> deltas(long replyTo, String text) {
        String whole = EncodedText.replaceLoneSurrogates(text);
        if ((long) whole.length() * 6 <= maxTextBytes) {
            return List.of(AssistantDelta.of(replyTo, whole));
        }
        List<AssistantDelta> deltas = new ArrayList<>();
        int start = 0;
        do {
            int end = EncodedText.cut(whole, start, maxTextBytes);
            deltas.add(AssistantDelta.of(replyTo, whole.substring(start, end)));
            start = end;
        } while (start < whole.length());
        return deltas;
    }

    // ---------------------------------------------------------------- encoding

    /**
     * The JSON text of a frame.
     *
     * @throws FrameException if it is larger than the frame limit: a frame that reached this far unchecked
     */
    public String encode(Frame frame) {
        String json = write(frame);
        // A char takes at most 3 bytes in UTF-8 (a surrogate pair 4 for its 2): most frames need no counting.
        if ((long) json.length() * 3 > maxFrameBytes) {
            long bytes = EncodedText.utf8Length(json);
            if (bytes > maxFrameBytes) {
                throw FrameException.tooLarge(frame.type(), bytes, maxFrameBytes);
            }
        }
        return json;
    }

    private String write(Frame frame) {
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
                    if (hello.auth() != null) {
                        json.writeObjectFieldStart("auth");
                        json.writeStringField("token", hello.auth().token());
                        json.writeEndObject();
                    }
                }
                case ClientAuth auth -> json.writeStringField("token", auth.token());
                case AuthOk ok -> json.writeNumberField("expiresAt", ok.expiresAt());
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
                    if (done.error() != null) {
                        json.writeObjectFieldStart("error");
                        json.writeStringField("code", done.error().code());
                        json.writeStringField("message", done.error().message());
                        json.writeEndObject();
                    }
                    if (done.usage() != null) {
                        json.writeObjectFieldStart("usage");
                        json.writeNumberField("promptTokens", done.usage().promptTokens());
                        json.writeNumberField("completionTokens", done.usage().completionTokens());
                        json.writeEndObject();
                    }
                    if (done.continued() > 0) {
                        json.writeNumberField("continued", done.continued());
                    }
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
                    if (error.retryAfterMs() > 0) {
                        json.writeNumberField("retryAfterMs", error.retryAfterMs());
                    }
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

    /**
     * The size of a frame as it is stored and sent: the UTF-8 length of its JSON text, whatever the frame limit (a
     * store measures what it retains with it).
     */
    public long encodedSize(Frame frame) {
        return EncodedText.utf8Length(write(frame));
    }

    /** The UTF-8 length of a frame's JSON text as {@link #encode} returns it. */
    public static long utf8Length(String json) {
        return EncodedText.utf8Length(json);
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
            case UserMessage.TYPE -> userMessage(node);
            case Cancel.TYPE -> new Cancel(positive(node, type, "cseq"), positive(node, type, "replyTo"));
            case ClientEvent.TYPE -> {
                ClientEvent event = new ClientEvent(
                        positive(node, type, "cseq"), string(node, type, "name", true), data(node, type));
                // Written again to be stored: measured as it will be, not as the client wrote it.
                check(event);
                yield event;
            }
            case ClientAck.TYPE -> new ClientAck(nonNegative(node, type, "seq"));
            case ClientAuth.TYPE -> new ClientAuth(string(node, type, "token", true));
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
            case AssistantDone.TYPE -> decodeDone(node);
            case ServerEvent.TYPE -> new ServerEvent(
                    positive(node, type, "seq"), string(node, type, "name", true), data(node, type));
            case ServerAck.TYPE -> new ServerAck(nonNegative(node, type, "cseq"));
            case AuthOk.TYPE -> new AuthOk(nonNegative(node, type, "expiresAt"));
            case ErrorFrame.TYPE -> new ErrorFrame(
                    ErrorCode.fromWire(string(node, type, "code", true)), string(node, type, "message", false),
                    node.hasNonNull("retryAfterMs") ? nonNegative(node, type, "retryAfterMs") : 0);
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

    private UserMessage userMessage(JsonNode node) {
        String type = UserMessage.TYPE;
        long cseq = positive(node, type, "cseq");
        String text = string(node, type, "text", false);
        requireTextFits(text);
        return new UserMessage(cseq, text);
    }

    private void requireTextFits(String text) {
        // 6 bytes is the most a char takes encoded: most texts need no counting.
        if ((long) text.length() * 6 > maxTextBytes) {
            long bytes = EncodedText.bytes(text);
            if (bytes > maxTextBytes) {
                throw FrameException.tooLong(UserMessage.TYPE, "text", bytes, maxTextBytes, maxFrameBytes);
            }
        }
    }

    private Hello decodeHello(JsonNode node) {
        int v = (int) Math.min(Integer.MAX_VALUE, positive(node, Hello.TYPE, "v"));
        JsonNode authNode = optionalObject(node, Hello.TYPE, "auth");
        Hello.Auth auth = authNode == null ? null
                : new Hello.Auth(string(authNode, Hello.TYPE + ".auth", "token", true));
        JsonNode resume = node.get("resume");
        if (resume == null || resume.isNull()) {
            return new Hello(v, null, auth);
        }
        if (!resume.isObject()) {
            throw FrameException.invalidField(Hello.TYPE, "resume", "an object", resume.getNodeType());
        }
        String type = Hello.TYPE + ".resume";
        return new Hello(v, new Hello.Resume(
                identifier(resume, type, "sessionId"),
                identifier(resume, type, "token"),
                integer(resume, type, "epoch"),
                nonNegative(resume, type, "lastSeq")), auth);
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
                        "one of not_found, bad_token, history_lost, history_truncated, forbidden", reasonNode);
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

    private static AssistantDone decodeDone(JsonNode node) {
        String type = AssistantDone.TYPE;
        long seq = positive(node, type, "seq");
        long replyTo = positive(node, type, "replyTo");
        DoneReason reason = doneReason(node);
        ReplyError error = null;
        JsonNode errorNode = optionalObject(node, type, "error");
        if (errorNode != null) {
            if (reason != DoneReason.FAILED) {
                throw FrameException.invalidField(type, "error", "absent unless reason is failed", errorNode);
            }
            error = new ReplyError(string(errorNode, type + ".error", "code", true),
                    string(errorNode, type + ".error", "message", false));
        }
        TokenUsage usage = null;
        JsonNode usageNode = optionalObject(node, type, "usage");
        if (usageNode != null) {
            usage = new TokenUsage(nonNegative(usageNode, type + ".usage", "promptTokens"),
                    nonNegative(usageNode, type + ".usage", "completionTokens"));
        }
        int continued = 0;
        JsonNode continuedNode = node.get("continued");
        if (continuedNode != null && !continuedNode.isNull()) {
            long value = nonNegative(node, type, "continued");
            if (value > Integer.MAX_VALUE) {
                throw FrameException.invalidField(type, "continued", "an integer from 0 to " + Integer.MAX_VALUE,
                        value);
            }
            continued = (int) value;
        }
        return new AssistantDone(seq, replyTo, reason, error, usage, continued);
    }

    private static DoneReason doneReason(JsonNode node) {
        String name = string(node, AssistantDone.TYPE, "reason", true);
        DoneReason reason = DoneReason.fromWire(name);
        if (reason == null) {
            throw FrameException.invalidField(AssistantDone.TYPE, "reason",
                    "one of complete, cancelled, failed, interrupted", TextNode.valueOf(name));
        }
        return reason;
    }
}
