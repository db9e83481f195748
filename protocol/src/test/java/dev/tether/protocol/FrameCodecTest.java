package dev.tether.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.math.BigInteger;
import java.util.stream.Stream;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

class FrameCodecTest {

    private static final FrameCodec CODEC = new FrameCodec();
    // A plain mapper, independent of the codec, to read what the codec writes.
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private static final String UNICODE = "héllo wörld, 世界, emoji 🚀🧵, rtl עברית, quote \" backslash \\ "
            + "newline \n tab \t nul \u0000 line-sep \u2028";
    private static final String LONG_ID = "x".repeat(128);
    private static final String TOO_LONG_ID = "x".repeat(129);

    static Stream<ClientFrame> clientFrames() {
        ObjectNode data = NODES.objectNode().put("tool", "search").put("n", 3);
        data.putArray("hits").add(1).add("two").addNull().add(true).addObject().put("deep", 1.5);
        return Stream.of(
                Hello.fresh(),
                Hello.resume(new Hello.Resume("sess-1", "tok_-1", 7, 0)),
                Hello.resume(new Hello.Resume(LONG_ID, LONG_ID, -3, Long.MAX_VALUE)),
                new Hello(2, null),
                Hello.fresh().withToken("eyJhbGciOiJIUzI1NiJ9.e30.sig"),
                Hello.resume(new Hello.Resume("sess-1", "tok_-1", 7, 0)).withToken("a.b.c"),
                new ClientAuth("eyJhbGciOiJIUzI1NiJ9.e30.sig"),
                new UserMessage(1, "hello"),
                new UserMessage(Long.MAX_VALUE, ""),
                new UserMessage(2, UNICODE),
                new Cancel(3, 1),
                new ClientEvent(4, "typing", data),
                new ClientEvent(5, "list", NODES.arrayNode().add(1).add(2)),
                new ClientEvent(6, "nothing", NullNode.getInstance()),
                new ClientEvent(7, "scalar", NODES.textNode(UNICODE)),
                new ClientEvent(8, "big", NODES.numberNode(new BigInteger("123456789012345678901234567890"))),
                new ClientEvent(9, UNICODE, NODES.booleanNode(false)),
                new ClientAck(0),
                new ClientAck(42),
                new Ping(0),
                new Ping(-17),
                new Pong(1_700_000_000_000L),
                new Bye());
    }

    static Stream<ServerFrame> serverFrames() {
        return Stream.of(
                new Welcome(1, "sess-1", "tok-1", 1, false, null, 0, 0, 25_000),
                new Welcome(1, "sess-1", "tok-1", 2, true, null, 99, 12, 1),
                new Welcome(1, "s", "t", 3, false, ResumeFailure.NOT_FOUND, 0, 0, 25_000),
                new Welcome(1, "s", "t", 3, false, ResumeFailure.BAD_TOKEN, 0, 0, 25_000),
                new Welcome(1, "s", "t", 4, false, ResumeFailure.HISTORY_LOST, 0, 0, 25_000),
                new Welcome(1, LONG_ID, LONG_ID, -1, false, ResumeFailure.HISTORY_TRUNCATED, 5000, 7, 25_000),
                new AssistantDelta(1, 1, "Hel"),
                new AssistantDelta(2, 1, ""),
                new AssistantDelta(3, 1, UNICODE),
                new AssistantDone(4, 1, DoneReason.COMPLETE),
                new AssistantDone(5, 2, DoneReason.CANCELLED),
                new AssistantDone(6, 3, DoneReason.FAILED),
                new AssistantDone(7, 4, DoneReason.INTERRUPTED),
                new AssistantDone(7, 4, DoneReason.FAILED, new ReplyError(ReplyError.UPSTREAM_BROKEN, UNICODE), null),
                new AssistantDone(7, 4, DoneReason.FAILED, new ReplyError("x", ""), new TokenUsage(0, 0)),
                new AssistantDone(7, 4, DoneReason.COMPLETE, null, new TokenUsage(12, Long.MAX_VALUE)),
                new ServerEvent(8, "tool_result", NODES.objectNode().put("ok", true).put("text", UNICODE)),
                new ServerEvent(9, "list", NODES.arrayNode().add("a").addNull()),
                new ServerEvent(10, "nothing", NullNode.getInstance()),
                new ServerEvent(Long.MAX_VALUE, "n", NODES.numberNode(-0.25)),
                new Welcome(1, "s", "t", 3, false, ResumeFailure.FORBIDDEN, 0, 0, 25_000),
                new AuthOk(0),
                new AuthOk(1_700_000_000_000L),
                new ServerAck(0),
                new ServerAck(17),
                new ErrorFrame(ErrorCode.VALIDATION_ERROR, "user_message.cseq must be an integer >= 1, got 0"),
                new ErrorFrame(ErrorCode.OTHER, ""),
                new ErrorFrame(ErrorCode.STORE_UNAVAILABLE, UNICODE),
                new Ping(5),
                new Pong(-5));
    }

    @Test
    void credentialsAreNeverPrinted() {
        String token = "eyJhbGciOiJIUzI1NiJ9.secret-claims.signature";
        assertThat(Hello.fresh().withToken(token).toString()).doesNotContain(token).contains("auth=***");
        assertThat(new ClientAuth(token).toString()).doesNotContain(token);
        assertThat(Hello.fresh().toString()).contains("auth=none");
    }

    @Test
    void helloCarriesItsTokenInAuth() {
        String json = CODEC.encode(Hello.fresh().withToken("a.b.c"));
        assertThat(json).contains("\"auth\":{\"token\":\"a.b.c\"}");
        assertThat(((Hello) CODEC.decodeClient(json)).token()).contains("a.b.c");
        assertThat(Hello.fresh().token()).isEmpty();
        assertThatThrownBy(() -> CODEC.decodeClient("{\"type\":\"hello\",\"v\":1,\"auth\":{\"token\":\"\"}}"))
                .isInstanceOf(FrameException.class).hasMessageContaining("hello.auth.token");
        assertThatThrownBy(() -> CODEC.decodeClient("{\"type\":\"hello\",\"v\":1,\"auth\":\"a.b.c\"}"))
                .isInstanceOf(FrameException.class).hasMessageContaining("hello.auth");
    }

    @Nested
    class RoundTrip {

        @ParameterizedTest
        @MethodSource("dev.tether.protocol.FrameCodecTest#clientFrames")
        void clientFrameDecodesToAnEqualRecord(ClientFrame frame) {
            assertThat(CODEC.decodeClient(CODEC.encode(frame))).isEqualTo(frame);
        }

        @ParameterizedTest
        @MethodSource("dev.tether.protocol.FrameCodecTest#serverFrames")
        void serverFrameDecodesToAnEqualRecord(ServerFrame frame) {
            assertThat(CODEC.decodeServer(CODEC.encode(frame))).isEqualTo(frame);
        }

        @ParameterizedTest
        @MethodSource("dev.tether.protocol.FrameCodecTest#clientFrames")
        void encodingIsStable(ClientFrame frame) {
            String once = CODEC.encode(frame);
            assertThat(CODEC.encode(CODEC.decodeClient(once))).isEqualTo(once);
        }

        @ParameterizedTest
        @EnumSource(ErrorCode.class)
        void everyErrorCodeSurvivesTheWire(ErrorCode code) {
            ErrorFrame frame = new ErrorFrame(code, "because");
            assertThat(CODEC.decodeServer(CODEC.encode(frame))).isEqualTo(frame);
        }

        @Test
        void pingAndPongDecodeTheSameInBothDirections() {
            for (Frame frame : new Frame[] {new Ping(9), new Pong(9)}) {
                String text = CODEC.encode(frame);
                assertThat(CODEC.decodeClient(text)).isEqualTo(frame);
                assertThat(CODEC.decodeServer(text)).isEqualTo(frame);
            }
        }

        @Test
        void eventAndAckMeanDifferentFramesPerDirection() {
            assertThat(CODEC.decodeClient("{\"type\":\"ack\",\"seq\":3}")).isEqualTo(new ClientAck(3));
            assertThat(CODEC.decodeServer("{\"type\":\"ack\",\"cseq\":3}")).isEqualTo(new ServerAck(3));
            assertThat(CODEC.decodeClient("{\"type\":\"event\",\"cseq\":1,\"name\":\"n\",\"data\":1}"))
                    .isEqualTo(new ClientEvent(1, "n", NODES.numberNode(1)));
            assertThat(CODEC.decodeServer("{\"type\":\"event\",\"seq\":1,\"name\":\"n\",\"data\":1}"))
                    .isEqualTo(new ServerEvent(1, "n", NODES.numberNode(1)));
        }

        @Test
        void escapedUnicodeDecodesToTheSameText() {
            UserMessage message = (UserMessage) CODEC.decodeClient(
                    "{\"type\":\"user_message\",\"cseq\":1,\"text\":\"\\u00e9\\ud83d\\ude80\\u4e16\"}");
            assertThat(message.text()).isEqualTo("é🚀世");
        }

        @Test
        void eventDataThatIsAbsentOrNullDecodesAsJsonNull() {
            assertThat(CODEC.decodeClient("{\"type\":\"event\",\"cseq\":1,\"name\":\"n\"}"))
                    .isEqualTo(new ClientEvent(1, "n", NullNode.getInstance()));
            assertThat(CODEC.decodeClient("{\"type\":\"event\",\"cseq\":1,\"name\":\"n\",\"data\":null}"))
                    .isEqualTo(new ClientEvent(1, "n", NullNode.getInstance()));
            assertThat(CODEC.decodeServer("{\"type\":\"event\",\"seq\":1,\"name\":\"n\"}"))
                    .isEqualTo(new ServerEvent(1, "n", NullNode.getInstance()));
        }

        @Test
        void javaNullDataIsWrittenAsJsonNull() {
            assertThat(tree(CODEC.encode(new ServerEvent(1, "n", null))).get("data").isNull()).isTrue();
            assertThat(tree(CODEC.encode(new ClientEvent(1, "n", null))).get("data").isNull()).isTrue();
        }

        @Test
        void dataNestedUpToTheLimitIsAccepted() {
            // The frame object is one level, so data may nest MAX_NESTING_DEPTH - 1 levels.
            String text = eventWithNestedData(FrameCodec.MAX_NESTING_DEPTH - 1);
            ClientEvent event = (ClientEvent) CODEC.decodeClient(text);
            assertThat(CODEC.encode(event)).isEqualTo(text);
        }

        @ParameterizedTest
        @ValueSource(doubles = {Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, Double.NaN})
        void anEventMadeByTheGatewayWithANumberNoJsonCanCarryIsRefusedBeforeItIsStored(double number) {
            // A push body or a handler's event reaches the store through check(), not through decode.
            ServerEvent event = ServerEvent.of("n", CODEC.mapper().createObjectNode().put("x", number));
            FrameException error = catchFrameException(() -> CODEC.check(event));
            assertThat(error.code()).isEqualTo(ErrorCode.VALIDATION_ERROR);
            assertThat(error.getMessage()).startsWith("event.data must be");
        }

        @ParameterizedTest
        @ValueSource(strings = {"1e400", "-1e400", "[1, {\"x\": 1e309}]"})
        void numbersInDataBeyondTheRangeOfADoubleAreRejectedRatherThanTurnedIntoText(String data) {
            for (String type : new String[]{"\"type\":\"event\",\"cseq\":1", "\"type\":\"event\",\"seq\":1"}) {
                String text = "{" + type + ",\"name\":\"n\",\"data\":" + data + "}";
                ThrowingCallable decode = type.contains("cseq")
                        ? () -> CODEC.decodeClient(text) : () -> CODEC.decodeServer(text);
                FrameException error = catchFrameException(decode);
                assertThat(error.code()).isEqualTo(ErrorCode.VALIDATION_ERROR);
                assertThat(error.getMessage()).startsWith("event.data must be");
            }
        }

        @Test
        void storedFramesDecodeByKind() {
            Sequenced delta = new AssistantDelta(1, 1, "x");
            assertThat(CODEC.decodeSequenced(CODEC.encode(delta))).isEqualTo(delta);
            ClientMessage message = new UserMessage(1, "x");
            assertThat(CODEC.decodeClientMessage(CODEC.encode(message))).isEqualTo(message);
            assertThatThrownBy(() -> CODEC.decodeSequenced(CODEC.encode(new ServerAck(1))))
                    .isInstanceOf(FrameException.class);
            assertThatThrownBy(() -> CODEC.decodeClientMessage(CODEC.encode(new ClientAck(1))))
                    .isInstanceOf(FrameException.class);
        }

        @Test
        void anExceptionReportsItselfAsAnErrorFrame() {
            FrameException error = catchFrameException(() -> CODEC.decodeClient("{\"type\":\"user_message\"}"));
            ErrorFrame frame = error.toErrorFrame();
            assertThat(frame.code()).isEqualTo(ErrorCode.VALIDATION_ERROR);
            assertThat(frame.message()).isEqualTo(error.getMessage());
            assertThat(CODEC.decodeServer(CODEC.encode(frame))).isEqualTo(frame);
            assertThat(error.isRetryable()).isFalse();
            assertThat(error.getStackTrace()).as("stackless").isEmpty();
        }
    }

    @Nested
    class WireFormat {

        static Stream<Arguments> exactJson() {
            return Stream.of(
                    arguments(Hello.fresh(), "{\"type\":\"hello\",\"v\":1}"),
                    arguments(Hello.resume(new Hello.Resume("s1", "t1", 2, 10)),
                            "{\"type\":\"hello\",\"v\":1,\"resume\":"
                                    + "{\"sessionId\":\"s1\",\"token\":\"t1\",\"epoch\":2,\"lastSeq\":10}}"),
                    arguments(new UserMessage(1, "hi"), "{\"type\":\"user_message\",\"cseq\":1,\"text\":\"hi\"}"),
                    arguments(new Cancel(2, 1), "{\"type\":\"cancel\",\"cseq\":2,\"replyTo\":1}"),
                    arguments(new ClientEvent(3, "e", NODES.objectNode().put("k", "v")),
                            "{\"type\":\"event\",\"cseq\":3,\"name\":\"e\",\"data\":{\"k\":\"v\"}}"),
                    arguments(new ClientAck(5), "{\"type\":\"ack\",\"seq\":5}"),
                    arguments(new Ping(6), "{\"type\":\"ping\",\"t\":6}"),
                    arguments(new Pong(6), "{\"type\":\"pong\",\"t\":6}"),
                    arguments(new Bye(), "{\"type\":\"bye\"}"),
                    arguments(new Welcome(1, "s1", "t1", 2, true, null, 10, 3, 25000),
                            "{\"type\":\"welcome\",\"v\":1,\"sessionId\":\"s1\",\"token\":\"t1\",\"epoch\":2,"
                                    + "\"resumed\":true,\"lastSeq\":10,\"ackedCseq\":3,\"heartbeatMs\":25000}"),
                    arguments(new Welcome(1, "s2", "t2", 1, false, ResumeFailure.HISTORY_TRUNCATED, 0, 0, 25000),
                            "{\"type\":\"welcome\",\"v\":1,\"sessionId\":\"s2\",\"token\":\"t2\",\"epoch\":1,"
                                    + "\"resumed\":false,\"reason\":\"history_truncated\",\"lastSeq\":0,"
                                    + "\"ackedCseq\":0,\"heartbeatMs\":25000}"),
                    arguments(new AssistantDelta(11, 1, "Hel"),
                            "{\"type\":\"assistant_delta\",\"seq\":11,\"replyTo\":1,\"text\":\"Hel\"}"),
                    arguments(new AssistantDone(12, 1, DoneReason.CANCELLED),
                            "{\"type\":\"assistant_done\",\"seq\":12,\"replyTo\":1,\"reason\":\"cancelled\"}"),
                    arguments(new AssistantDone(12, 1, DoneReason.FAILED,
                                    new ReplyError("upstream_timeout", "no token in 60s"), new TokenUsage(7, 0)),
                            "{\"type\":\"assistant_done\",\"seq\":12,\"replyTo\":1,\"reason\":\"failed\","
                                    + "\"error\":{\"code\":\"upstream_timeout\",\"message\":\"no token in 60s\"},"
                                    + "\"usage\":{\"promptTokens\":7,\"completionTokens\":0}}"),
                    arguments(new AssistantDone(12, 1, DoneReason.COMPLETE, null, null, 1),
                            "{\"type\":\"assistant_done\",\"seq\":12,\"replyTo\":1,\"reason\":\"complete\","
                                    + "\"continued\":1}"),
                    arguments(new ServerEvent(13, "e", NODES.arrayNode().add(1)),
                            "{\"type\":\"event\",\"seq\":13,\"name\":\"e\",\"data\":[1]}"),
                    arguments(new ServerAck(4), "{\"type\":\"ack\",\"cseq\":4}"),
                    arguments(new ErrorFrame(ErrorCode.OUT_OF_ORDER, "m"),
                            "{\"type\":\"error\",\"code\":\"out_of_order\",\"message\":\"m\"}"));
        }

        @ParameterizedTest
        @MethodSource
        void exactJson(Frame frame, String expected) {
            assertThat(tree(CODEC.encode(frame))).isEqualTo(tree(expected));
        }

        @Test
        void typeComesFirstSoReadersCanDispatchEarly() {
            assertThat(CODEC.encode(new AssistantDelta(1, 1, "x"))).startsWith("{\"type\":\"assistant_delta\"");
        }

        @Test
        void theTokenIsNeverPrinted() {
            assertThat(new Hello.Resume("s", "secret-token", 1, 0).toString()).doesNotContain("secret-token");
            assertThat(new Welcome(1, "s", "secret-token", 1, false, null, 0, 0, 1).toString())
                    .doesNotContain("secret-token");
        }

        @ParameterizedTest
        @EnumSource(ErrorCode.class)
        void errorCodesAreSnakeCaseAndRoundTrip(ErrorCode code) {
            assertThat(code.wireName()).matches("[a-z]+(_[a-z]+)*").isEqualTo(code.name().toLowerCase());
            assertThat(ErrorCode.fromWire(code.wireName())).isEqualTo(code);
        }

        @ParameterizedTest
        @EnumSource(DoneReason.class)
        void doneReasonsAreSnakeCaseAndRoundTrip(DoneReason reason) {
            assertThat(reason.wireName()).isEqualTo(reason.name().toLowerCase());
            assertThat(DoneReason.fromWire(reason.wireName())).isEqualTo(reason);
        }

        @ParameterizedTest
        @EnumSource(ResumeFailure.class)
        void resumeFailuresAreSnakeCaseAndRoundTrip(ResumeFailure failure) {
            assertThat(failure.wireName()).isEqualTo(failure.name().toLowerCase());
            assertThat(ResumeFailure.fromWire(failure.wireName())).isEqualTo(failure);
        }

        @Test
        void unknownWireNamesAreNotGuessed() {
            assertThat(ErrorCode.fromWire("quota_exceeded")).isEqualTo(ErrorCode.OTHER);
            assertThat(ErrorCode.fromWire("RATE_LIMITED")).isEqualTo(ErrorCode.OTHER);
            assertThat(ErrorCode.fromWire(null)).isEqualTo(ErrorCode.OTHER);
            assertThat(DoneReason.fromWire("COMPLETE")).isNull();
            assertThat(ResumeFailure.fromWire("expired")).isNull();
        }

        @Test
        void anUnknownErrorCodeFromANewerPeerIsKeptAsOther() {
            assertThat(CODEC.decodeServer("{\"type\":\"error\",\"code\":\"quota_exceeded\",\"message\":\"slow\"}"))
                    .isEqualTo(new ErrorFrame(ErrorCode.OTHER, "slow"));
        }

        @Test
        void rateLimitedCarriesItsRetryAfterAndOtherErrorsNone() {
            ErrorFrame limited = new ErrorFrame(ErrorCode.RATE_LIMITED, "cseq 4 was not stored", 1500);
            String wire = CODEC.encode(limited);
            assertThat(wire).isEqualTo("{\"type\":\"error\",\"code\":\"rate_limited\",\"message\":"
                    + "\"cseq 4 was not stored\",\"retryAfterMs\":1500}");
            assertThat(CODEC.decodeServer(wire)).isEqualTo(limited);
            assertThat(CODEC.encode(new ErrorFrame(ErrorCode.INTERNAL, "x"))).doesNotContain("retryAfterMs");
            assertThat(CODEC.decodeServer("{\"type\":\"error\",\"code\":\"internal\",\"message\":\"x\","
                    + "\"retryAfterMs\":null}")).isEqualTo(new ErrorFrame(ErrorCode.INTERNAL, "x"));
        }

        @Test
        void protocolConstants() {
            assertThat(Protocol.VERSION).isEqualTo(1);
            assertThat(Protocol.DEFAULT_PATH).isEqualTo("/ws");
            assertThat(Protocol.DEFAULT_MAX_FRAME_BYTES).isEqualTo(65_536);
        }
    }

    @Nested
    class UnknownFields {

        @Test
        void areIgnoredInClientFrames() {
            assertThat(CODEC.decodeClient("{\"x\":1,\"type\":\"user_message\",\"cseq\":1,\"text\":\"t\","
                    + "\"extra\":{\"nested\":[1,2]},\"cseqq\":\"no\"}"))
                    .isEqualTo(new UserMessage(1, "t"));
            assertThat(CODEC.decodeClient("{\"type\":\"hello\",\"v\":1,\"client\":\"tether-java/1.0\","
                    + "\"resume\":{\"sessionId\":\"s\",\"token\":\"t\",\"epoch\":1,\"lastSeq\":2,\"hint\":true}}"))
                    .isEqualTo(Hello.resume(new Hello.Resume("s", "t", 1, 2)));
            assertThat(CODEC.decodeClient("{\"type\":\"bye\",\"why\":\"done\"}")).isEqualTo(new Bye());
        }

        @Test
        void areIgnoredInServerFrames() {
            assertThat(CODEC.decodeServer("{\"type\":\"welcome\",\"v\":1,\"sessionId\":\"s\",\"token\":\"t\","
                    + "\"epoch\":1,\"resumed\":true,\"lastSeq\":0,\"ackedCseq\":0,\"heartbeatMs\":100,"
                    + "\"node\":\"gw-2\",\"features\":[\"push\"]}"))
                    .isEqualTo(new Welcome(1, "s", "t", 1, true, null, 0, 0, 100));
            assertThat(CODEC.decodeServer("{\"type\":\"assistant_done\",\"seq\":2,\"replyTo\":1,"
                    + "\"reason\":\"complete\",\"cost\":{\"tokens\":12},\"usage\":{\"promptTokens\":1,"
                    + "\"completionTokens\":2,\"totalTokens\":3}}"))
                    .isEqualTo(new AssistantDone(2, 1, DoneReason.COMPLETE, null, new TokenUsage(1, 2)));
        }

        @Test
        void nullOptionalFieldsMeanAbsent() {
            assertThat(CODEC.decodeServer("{\"type\":\"assistant_done\",\"seq\":2,\"replyTo\":1,"
                    + "\"reason\":\"failed\",\"error\":null,\"usage\":null}"))
                    .isEqualTo(new AssistantDone(2, 1, DoneReason.FAILED));
            assertThat(CODEC.decodeClient("{\"type\":\"hello\",\"v\":1,\"resume\":null}")).isEqualTo(Hello.fresh());
            assertThat(CODEC.decodeServer("{\"type\":\"welcome\",\"v\":1,\"sessionId\":\"s\",\"token\":\"t\","
                    + "\"epoch\":1,\"resumed\":false,\"reason\":null,\"lastSeq\":0,\"ackedCseq\":0,"
                    + "\"heartbeatMs\":100}"))
                    .isEqualTo(new Welcome(1, "s", "t", 1, false, null, 0, 0, 100));
        }

        @Test
        void whitespaceAroundTheObjectIsAllowed() {
            assertThat(CODEC.decodeClient(" \n{ \"type\" : \"ping\" , \"t\" : 1 }\r\n ")).isEqualTo(new Ping(1));
        }
    }

    @Nested
    class Rejections {

        private static final String HELLO = "{\"type\":\"hello\",\"v\":1,"
                + "\"resume\":{\"sessionId\":\"s\",\"token\":\"t\",\"epoch\":1,\"lastSeq\":0}}";
        private static final String USER_MESSAGE = "{\"type\":\"user_message\",\"cseq\":1,\"text\":\"hi\"}";
        private static final String CANCEL = "{\"type\":\"cancel\",\"cseq\":2,\"replyTo\":1}";
        private static final String CLIENT_EVENT = "{\"type\":\"event\",\"cseq\":1,\"name\":\"n\",\"data\":{}}";
        private static final String CLIENT_ACK = "{\"type\":\"ack\",\"seq\":1}";
        private static final String PING = "{\"type\":\"ping\",\"t\":1}";
        private static final String PONG = "{\"type\":\"pong\",\"t\":1}";
        private static final String WELCOME = "{\"type\":\"welcome\",\"v\":1,\"sessionId\":\"s\",\"token\":\"t\","
                + "\"epoch\":1,\"resumed\":false,\"reason\":\"not_found\",\"lastSeq\":0,\"ackedCseq\":0,"
                + "\"heartbeatMs\":25000}";
        private static final String DELTA = "{\"type\":\"assistant_delta\",\"seq\":1,\"replyTo\":1,\"text\":\"x\"}";
        private static final String DONE = "{\"type\":\"assistant_done\",\"seq\":2,\"replyTo\":1,"
                + "\"reason\":\"complete\"}";
        private static final String FAILED = "{\"type\":\"assistant_done\",\"seq\":2,\"replyTo\":1,"
                + "\"reason\":\"failed\",\"error\":{\"code\":\"c\",\"message\":\"m\"},"
                + "\"usage\":{\"promptTokens\":1,\"completionTokens\":2}}";
        private static final String SERVER_EVENT = "{\"type\":\"event\",\"seq\":1,\"name\":\"n\",\"data\":null}";
        private static final String SERVER_ACK = "{\"type\":\"ack\",\"cseq\":1}";
        private static final String ERROR = "{\"type\":\"error\",\"code\":\"internal\",\"message\":\"m\"}";

        @Test
        void theValidBasesDecode() {
            for (String base : new String[] {HELLO, USER_MESSAGE, CANCEL, CLIENT_EVENT, CLIENT_ACK, PING, PONG}) {
                assertThat(CODEC.decodeClient(base)).isNotNull();
            }
            for (String base : new String[] {WELCOME, DELTA, DONE, FAILED, SERVER_EVENT, SERVER_ACK, ERROR, PING, PONG}) {
                assertThat(CODEC.decodeServer(base)).isNotNull();
            }
        }

        static Stream<Arguments> notJsonObjects() {
            return Stream.of(
                    arguments("", "empty"),
                    arguments("   ", "empty"),
                    arguments("{", "frame is not a JSON object"),
                    arguments("not json", "frame is not a JSON object"),
                    arguments("{\"type\":\"ping\",\"t\":1,}", "frame is not a JSON object"),
                    arguments("{'type':'ping','t':1}", "frame is not a JSON object"),
                    arguments("{\"type\":\"ping\",\"t\":NaN}", "frame is not a JSON object"),
                    arguments("{\"type\":\"ping\",\"t\":01}", "frame is not a JSON object"),
                    arguments("/* c */ {\"type\":\"ping\",\"t\":1}", "frame is not a JSON object"),
                    arguments("{\"type\":\"ping\",\"t\":1} {\"type\":\"bye\"}", "frame is not a JSON object"),
                    arguments("{\"type\":\"ping\",\"t\":1} trailing", "frame is not a JSON object"),
                    arguments("[{\"type\":\"ping\",\"t\":1}]", "ARRAY"),
                    arguments("\"ping\"", "STRING"),
                    arguments("42", "NUMBER"),
                    arguments("true", "BOOLEAN"),
                    arguments("null", "NULL"));
        }

        @ParameterizedTest
        @MethodSource
        void notJsonObjects(String text, String fragment) {
            assertRejected(() -> CODEC.decodeClient(text), ErrorCode.INVALID_JSON, fragment);
            assertRejected(() -> CODEC.decodeServer(text), ErrorCode.INVALID_JSON, fragment);
        }

        @Test
        void nestingDeeperThanTheLimitIsRejectedWithoutRecursingIntoIt() {
            assertRejected(() -> CODEC.decodeClient(eventWithNestedData(FrameCodec.MAX_NESTING_DEPTH)),
                    ErrorCode.INVALID_JSON, "nesting depth");
            assertRejected(() -> CODEC.decodeServer("{\"type\":\"event\",\"seq\":1,\"name\":\"n\",\"data\":"
                    + "[".repeat(10_000) + "]".repeat(10_000) + "}"), ErrorCode.INVALID_JSON, "nesting depth");
        }

        @ParameterizedTest
        @ValueSource(strings = {"{}", "{\"type\":null}", "{\"type\":1}", "{\"type\":true}", "{\"type\":[\"ping\"]}",
                "{\"type\":{\"name\":\"ping\"}}", "{\"t\":1}"})
        void aMissingOrNonStringTypeIsAValidationError(String text) {
            assertRejected(() -> CODEC.decodeClient(text), ErrorCode.VALIDATION_ERROR, "\"type\"");
            assertRejected(() -> CODEC.decodeServer(text), ErrorCode.VALIDATION_ERROR, "\"type\"");
        }

        @ParameterizedTest
        @ValueSource(strings = {"", "nope", "Hello", "PING", "userMessage", "user-message", "assistant_delta",
                "assistant_done", "welcome", "error"})
        void typesTheGatewayDoesNotTakeAreUnknown(String type) {
            assertRejected(() -> CODEC.decodeClient("{\"type\":\"" + type + "\"}"),
                    ErrorCode.UNKNOWN_TYPE, "\"" + type + "\"");
        }

        @ParameterizedTest
        @ValueSource(strings = {"", "nope", "Welcome", "assistantDelta", "hello", "user_message", "cancel", "bye"})
        void typesTheClientDoesNotTakeAreUnknown(String type) {
            assertRejected(() -> CODEC.decodeServer("{\"type\":\"" + type + "\"}"),
                    ErrorCode.UNKNOWN_TYPE, "\"" + type + "\"");
        }

        static Stream<Arguments> invalidClientFields() {
            return Stream.of(
                    // hello
                    bad(HELLO, "v", null, "hello.v is required"),
                    bad(HELLO, "v", "\"1\"", "hello.v must be an integer"),
                    bad(HELLO, "v", "1.0", "hello.v must be an integer"),
                    bad(HELLO, "v", "1e0", "hello.v must be an integer"),
                    bad(HELLO, "v", "0", "hello.v must be an integer >= 1"),
                    bad(HELLO, "v", "-1", "hello.v must be an integer >= 1"),
                    bad(HELLO, "v", "true", "hello.v must be an integer"),
                    bad(HELLO, "resume", "5", "hello.resume must be an object"),
                    bad(HELLO, "resume", "\"s:t\"", "hello.resume must be an object"),
                    bad(HELLO, "resume", "[]", "hello.resume must be an object"),
                    bad(HELLO, "resume", "true", "hello.resume must be an object"),
                    bad(HELLO, "resume", "{}", "hello.resume.sessionId is required"),
                    bad(HELLO, "resume.sessionId", null, "hello.resume.sessionId is required"),
                    bad(HELLO, "resume.sessionId", "\"\"", "hello.resume.sessionId must be a non-empty string"),
                    bad(HELLO, "resume.sessionId", "42", "hello.resume.sessionId must be a non-empty string"),
                    bad(HELLO, "resume.sessionId", json(TOO_LONG_ID), "hello.resume.sessionId must be at most 128"),
                    bad(HELLO, "resume.token", null, "hello.resume.token is required"),
                    bad(HELLO, "resume.token", "\"\"", "hello.resume.token must be a non-empty string"),
                    bad(HELLO, "resume.token", "{}", "hello.resume.token must be a non-empty string"),
                    bad(HELLO, "resume.token", json(TOO_LONG_ID), "hello.resume.token must be at most 128"),
                    bad(HELLO, "resume.epoch", null, "hello.resume.epoch is required"),
                    bad(HELLO, "resume.epoch", "\"1\"", "hello.resume.epoch must be an integer"),
                    bad(HELLO, "resume.epoch", "1.5", "hello.resume.epoch must be an integer"),
                    bad(HELLO, "resume.lastSeq", null, "hello.resume.lastSeq is required"),
                    bad(HELLO, "resume.lastSeq", "-1", "hello.resume.lastSeq must be an integer >= 0"),
                    bad(HELLO, "resume.lastSeq", "\"0\"", "hello.resume.lastSeq must be an integer"),
                    bad(HELLO, "resume.lastSeq", "0.0", "hello.resume.lastSeq must be an integer"),
                    // user_message
                    bad(USER_MESSAGE, "cseq", null, "user_message.cseq is required"),
                    bad(USER_MESSAGE, "cseq", "null", "user_message.cseq is required"),
                    bad(USER_MESSAGE, "cseq", "0", "user_message.cseq must be an integer >= 1, got 0"),
                    bad(USER_MESSAGE, "cseq", "-5", "user_message.cseq must be an integer >= 1, got -5"),
                    bad(USER_MESSAGE, "cseq", "\"1\"", "user_message.cseq must be an integer"),
                    bad(USER_MESSAGE, "cseq", "1.0", "user_message.cseq must be an integer"),
                    bad(USER_MESSAGE, "cseq", "1.5", "user_message.cseq must be an integer"),
                    bad(USER_MESSAGE, "cseq", "1E3", "user_message.cseq must be an integer"),
                    bad(USER_MESSAGE, "cseq", "9223372036854775808", "user_message.cseq must be an integer"),
                    bad(USER_MESSAGE, "cseq", "true", "user_message.cseq must be an integer"),
                    bad(USER_MESSAGE, "cseq", "[1]", "user_message.cseq must be an integer"),
                    bad(USER_MESSAGE, "text", null, "user_message.text is required"),
                    bad(USER_MESSAGE, "text", "null", "user_message.text is required"),
                    bad(USER_MESSAGE, "text", "5", "user_message.text must be a string"),
                    bad(USER_MESSAGE, "text", "[\"hi\"]", "user_message.text must be a string"),
                    bad(USER_MESSAGE, "text", "{\"s\":\"hi\"}", "user_message.text must be a string"),
                    // cancel
                    bad(CANCEL, "cseq", null, "cancel.cseq is required"),
                    bad(CANCEL, "cseq", "0", "cancel.cseq must be an integer >= 1"),
                    bad(CANCEL, "replyTo", null, "cancel.replyTo is required"),
                    bad(CANCEL, "replyTo", "0", "cancel.replyTo must be an integer >= 1"),
                    bad(CANCEL, "replyTo", "\"1\"", "cancel.replyTo must be an integer"),
                    bad(CANCEL, "replyTo", "1.25", "cancel.replyTo must be an integer"),
                    // event
                    bad(CLIENT_EVENT, "cseq", null, "event.cseq is required"),
                    bad(CLIENT_EVENT, "cseq", "-1", "event.cseq must be an integer >= 1"),
                    bad(CLIENT_EVENT, "name", null, "event.name is required"),
                    bad(CLIENT_EVENT, "name", "\"\"", "event.name must be a non-empty string"),
                    bad(CLIENT_EVENT, "name", "7", "event.name must be a non-empty string"),
                    // ack
                    bad(CLIENT_ACK, "seq", null, "ack.seq is required"),
                    bad(CLIENT_ACK, "seq", "-1", "ack.seq must be an integer >= 0"),
                    bad(CLIENT_ACK, "seq", "\"3\"", "ack.seq must be an integer"),
                    bad(CLIENT_ACK, "seq", "2.5", "ack.seq must be an integer"),
                    // ping / pong
                    bad(PING, "t", null, "ping.t is required"),
                    bad(PING, "t", "\"now\"", "ping.t must be an integer"),
                    bad(PING, "t", "1.5", "ping.t must be an integer"),
                    bad(PONG, "t", null, "pong.t is required"),
                    bad(PONG, "t", "{}", "pong.t must be an integer"));
        }

        @ParameterizedTest(name = "{0} -> {1}")
        @MethodSource
        void invalidClientFields(String text, String message) {
            assertRejected(() -> CODEC.decodeClient(text), ErrorCode.VALIDATION_ERROR, message);
        }

        static Stream<Arguments> invalidServerFields() {
            return Stream.of(
                    // welcome
                    bad(WELCOME, "v", null, "welcome.v is required"),
                    bad(WELCOME, "v", "0", "welcome.v must be an integer >= 1"),
                    bad(WELCOME, "sessionId", null, "welcome.sessionId is required"),
                    bad(WELCOME, "sessionId", "\"\"", "welcome.sessionId must be a non-empty string"),
                    bad(WELCOME, "sessionId", "1", "welcome.sessionId must be a non-empty string"),
                    bad(WELCOME, "sessionId", json(TOO_LONG_ID), "welcome.sessionId must be at most 128"),
                    bad(WELCOME, "token", null, "welcome.token is required"),
                    bad(WELCOME, "token", json(TOO_LONG_ID), "welcome.token must be at most 128"),
                    bad(WELCOME, "epoch", null, "welcome.epoch is required"),
                    bad(WELCOME, "epoch", "\"1\"", "welcome.epoch must be an integer"),
                    bad(WELCOME, "epoch", "1.5", "welcome.epoch must be an integer"),
                    bad(WELCOME, "resumed", null, "welcome.resumed is required"),
                    bad(WELCOME, "resumed", "\"true\"", "welcome.resumed must be a boolean"),
                    bad(WELCOME, "resumed", "1", "welcome.resumed must be a boolean"),
                    bad(WELCOME, "reason", "\"expired\"", "welcome.reason must be one of not_found"),
                    bad(WELCOME, "reason", "\"NOT_FOUND\"", "welcome.reason must be one of not_found"),
                    bad(WELCOME, "reason", "\"\"", "welcome.reason must be one of not_found"),
                    bad(WELCOME, "reason", "3", "welcome.reason must be one of not_found"),
                    bad(WELCOME, "lastSeq", null, "welcome.lastSeq is required"),
                    bad(WELCOME, "lastSeq", "-1", "welcome.lastSeq must be an integer >= 0"),
                    bad(WELCOME, "ackedCseq", null, "welcome.ackedCseq is required"),
                    bad(WELCOME, "ackedCseq", "-1", "welcome.ackedCseq must be an integer >= 0"),
                    bad(WELCOME, "ackedCseq", "\"0\"", "welcome.ackedCseq must be an integer"),
                    bad(WELCOME, "heartbeatMs", null, "welcome.heartbeatMs is required"),
                    bad(WELCOME, "heartbeatMs", "0", "welcome.heartbeatMs must be an integer >= 1"),
                    bad(WELCOME, "heartbeatMs", "2.5e4", "welcome.heartbeatMs must be an integer"),
                    // assistant_delta
                    bad(DELTA, "seq", null, "assistant_delta.seq is required"),
                    bad(DELTA, "seq", "0", "assistant_delta.seq must be an integer >= 1"),
                    bad(DELTA, "seq", "\"1\"", "assistant_delta.seq must be an integer"),
                    bad(DELTA, "replyTo", null, "assistant_delta.replyTo is required"),
                    bad(DELTA, "replyTo", "-1", "assistant_delta.replyTo must be an integer >= 1"),
                    bad(DELTA, "text", null, "assistant_delta.text is required"),
                    bad(DELTA, "text", "false", "assistant_delta.text must be a string"),
                    // assistant_done
                    bad(DONE, "seq", "-3", "assistant_done.seq must be an integer >= 1"),
                    bad(DONE, "replyTo", "1.0", "assistant_done.replyTo must be an integer"),
                    bad(DONE, "reason", null, "assistant_done.reason is required"),
                    bad(DONE, "reason", "\"done\"", "assistant_done.reason must be one of complete"),
                    bad(DONE, "reason", "\"COMPLETE\"", "assistant_done.reason must be one of complete"),
                    bad(DONE, "reason", "\"\"", "assistant_done.reason must be a non-empty string"),
                    bad(DONE, "reason", "1", "assistant_done.reason must be a non-empty string"),
                    bad(DONE, "error", "{\"code\":\"x\",\"message\":\"m\"}",
                            "assistant_done.error must be absent unless reason is failed"),
                    bad(FAILED, "error", "\"upstream_broken\"", "assistant_done.error must be an object"),
                    bad(FAILED, "error.code", null, "assistant_done.error.code is required"),
                    bad(FAILED, "error.code", "\"\"", "assistant_done.error.code must be a non-empty string"),
                    bad(FAILED, "error.message", "3", "assistant_done.error.message must be a string"),
                    bad(FAILED, "usage", "[1,2]", "assistant_done.usage must be an object"),
                    bad(FAILED, "usage.promptTokens", "-1", "assistant_done.usage.promptTokens must be an integer >= 0"),
                    bad(FAILED, "usage.completionTokens", null, "assistant_done.usage.completionTokens is required"),
                    bad(FAILED, "usage.completionTokens", "1.5",
                            "assistant_done.usage.completionTokens must be an integer"),
                    bad(DONE, "continued", "-1", "assistant_done.continued must be an integer >= 0"),
                    bad(DONE, "continued", "\"1\"", "assistant_done.continued must be an integer"),
                    bad(DONE, "continued", "4294967296", "assistant_done.continued must be an integer from 0 to"),
                    // event
                    bad(SERVER_EVENT, "seq", null, "event.seq is required"),
                    bad(SERVER_EVENT, "seq", "0", "event.seq must be an integer >= 1"),
                    bad(SERVER_EVENT, "name", null, "event.name is required"),
                    bad(SERVER_EVENT, "name", "\"\"", "event.name must be a non-empty string"),
                    // ack
                    bad(SERVER_ACK, "cseq", null, "ack.cseq is required"),
                    bad(SERVER_ACK, "cseq", "-1", "ack.cseq must be an integer >= 0"),
                    bad(SERVER_ACK, "cseq", "\"1\"", "ack.cseq must be an integer"),
                    // error
                    bad(ERROR, "code", null, "error.code is required"),
                    bad(ERROR, "code", "\"\"", "error.code must be a non-empty string"),
                    bad(ERROR, "code", "500", "error.code must be a non-empty string"),
                    bad(ERROR, "message", null, "error.message is required"),
                    bad(ERROR, "message", "[]", "error.message must be a string"),
                    // ping / pong
                    bad(PING, "t", null, "ping.t is required"),
                    bad(PONG, "t", "\"1\"", "pong.t must be an integer"));
        }

        @ParameterizedTest(name = "{0} -> {1}")
        @MethodSource
        void invalidServerFields(String text, String message) {
            assertRejected(() -> CODEC.decodeServer(text), ErrorCode.VALIDATION_ERROR, message);
        }

        @Test
        void anEmptyTextIsAValidMessage() {
            assertThat(CODEC.decodeClient("{\"type\":\"user_message\",\"cseq\":1,\"text\":\"\"}"))
                    .isEqualTo(new UserMessage(1, ""));
        }

        @Test
        void idsAtTheLengthLimitAreAccepted() {
            assertThat(CODEC.decodeClient(mutate(HELLO, "resume.sessionId", json(LONG_ID))))
                    .isEqualTo(Hello.resume(new Hello.Resume(LONG_ID, "t", 1, 0)));
        }

        @Test
        void theMessageQuotesABadValueWithoutEchoingLongInput() {
            FrameException error = catchFrameException(
                    () -> CODEC.decodeClient(mutate(HELLO, "resume.token", json("s".repeat(10_000)))));
            assertThat(error.getMessage()).hasSizeLessThan(200).contains("10000 characters");
        }
    }

    // ---------------------------------------------------------------- helpers

    private static JsonNode tree(String text) {
        try {
            return JSON.readTree(text);
        } catch (JsonProcessingException e) {
            throw new AssertionError("not JSON: " + text, e);
        }
    }

    private static String json(String value) {
        return NODES.textNode(value).toString();
    }

    /** A JSON text whose event data is {@code depth} levels of nested arrays. */
    private static String eventWithNestedData(int depth) {
        return "{\"type\":\"event\",\"cseq\":1,\"name\":\"n\",\"data\":" + "[".repeat(depth) + "]".repeat(depth) + "}";
    }

    /** The base frame with {@code path} (dotted for nested fields) set to raw JSON, or removed when it is null. */
    private static String mutate(String base, String path, String rawValue) {
        ObjectNode root = (ObjectNode) tree(base);
        ObjectNode parent = root;
        String[] names = path.split("\\.");
        for (int i = 0; i < names.length - 1; i++) {
            parent = (ObjectNode) parent.get(names[i]);
        }
        String field = names[names.length - 1];
        if (rawValue == null) {
            parent.remove(field);
        } else {
            parent.set(field, tree(rawValue));
        }
        return root.toString();
    }

    private static Arguments bad(String base, String path, String rawValue, String message) {
        return arguments(mutate(base, path, rawValue), message);
    }

    private static FrameException catchFrameException(ThrowingCallable decode) {
        try {
            decode.call();
        } catch (FrameException e) {
            return e;
        } catch (Throwable other) {
            throw new AssertionError("expected a FrameException", other);
        }
        throw new AssertionError("expected a FrameException, but the frame was accepted");
    }

    private static void assertRejected(ThrowingCallable decode, ErrorCode code, String messageFragment) {
        FrameException error = catchFrameException(decode);
        assertThat(error.code()).as(error.getMessage()).isEqualTo(code);
        assertThat(error.getMessage()).contains(messageFragment);
    }
}
