package dev.tether.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** No frame larger than the limit, no lone surrogate, no error that echoes its input at length. */
class FrameLimitsTest {

    private static final int LIMIT = Protocol.DEFAULT_MAX_FRAME_BYTES;
    private static final FrameCodec CODEC = new FrameCodec(LIMIT);
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    /** The widest assistant_delta around a text: 19-digit seq and replyTo. */
    private static final int DELTA_ENVELOPE =
            "{\"type\":\"assistant_delta\",\"seq\":9223372036854775807,\"replyTo\":9223372036854775807,\"text\":\"\"}"
                    .length();

    private static int bytes(String json) {
        return json.getBytes(StandardCharsets.UTF_8).length;
    }

    private static String userMessage(String textJson) {
        return "{\"type\":\"user_message\",\"cseq\":1,\"text\":\"" + textJson + "\"}";
    }

    @Nested
    class UserMessageText {

        @Test
        void textBudgetIsTheLimitLessTheWidestDelta() {
            assertThat(CODEC.maxTextBytes()).isEqualTo(LIMIT - DELTA_ENVELOPE).isEqualTo(65_444);
        }

        @Test
        void textThatFillsTheBudgetIsAcceptedAndItsStoredFrameAndEchoFit() {
            String text = "x".repeat(CODEC.maxTextBytes());
            UserMessage message = (UserMessage) CODEC.decodeClient(userMessage(text));
            assertThat(message.text()).isEqualTo(text);
            assertThat(bytes(CODEC.encode(message.withCseq(Long.MAX_VALUE)))).isLessThanOrEqualTo(LIMIT);
            assertThat(CODEC.deltas(Long.MAX_VALUE, text)).singleElement().satisfies(delta ->
                    assertThat(bytes(CODEC.encode(delta.withSeq(Long.MAX_VALUE)))).isEqualTo(LIMIT));
        }

        @Test
        void aOneWordMessageOfTheWholeFrameLimitIsAValidationErrorSayingTheLimit() {
            // The probe's case: 65,536 bytes of text would be echoed in a 65,550-byte delta.
            assertThatThrownBy(() -> CODEC.decodeClient(userMessage("x".repeat(LIMIT))))
                    .isInstanceOfSatisfying(FrameException.class, e -> {
                        assertThat(e.code()).isEqualTo(ErrorCode.VALIDATION_ERROR);
                        assertThat(e.isTooLarge()).isTrue();
                    })
                    .hasMessage("user_message.text must be at most 65444 bytes encoded (the frame limit of 65536"
                            + " bytes less the widest frame around it), got 65536 bytes");
        }

        @Test
        void oneByteOverTheBudgetIsRefused() {
            assertThatThrownBy(() -> CODEC.decodeClient(userMessage("x".repeat(CODEC.maxTextBytes() + 1))))
                    .isInstanceOf(FrameException.class)
                    .hasMessageContaining("got 65445 bytes");
        }

        @Test
        void escapesAndMultiByteCharactersCountAsEncoded() {
            // 21,815 quotes are 43,630 bytes encoded; 21,815 three-byte characters are 65,445 bytes.
            assertThat(CODEC.decodeClient(userMessage("\\\"".repeat(21_815)))).isInstanceOf(UserMessage.class);
            assertThatThrownBy(() -> CODEC.decodeClient(userMessage("\u4e16".repeat(21_815))))
                    .hasMessageContaining("got 65445 bytes");
            // A control character is written \\u00XX: 6 bytes for 1 character.
            assertThatThrownBy(() -> CODEC.decodeClient(userMessage("\\u0001".repeat(10_908))))
                    .hasMessageContaining("got 65448 bytes");
        }
    }

    @Nested
    class ClientEvents {

        @Test
        void anEventWhoseStoredFrameWouldExceedTheLimitIsRefused() {
            // 1E1 is read as the double 10.0 and written back one byte longer: a frame under the limit as sent
            // would be over it as stored.
            StringBuilder json = new StringBuilder("{\"type\":\"event\",\"cseq\":1,\"name\":\"n\",\"data\":[1E1");
            while (json.length() < LIMIT - 10) {
                json.append(",1E1");
            }
            json.append("]}");
            assertThat(bytes(json.toString())).isLessThanOrEqualTo(LIMIT);
            assertThatThrownBy(() -> CODEC.decodeClient(json.toString()))
                    .isInstanceOfSatisfying(FrameException.class, e -> {
                        assertThat(e.code()).isEqualTo(ErrorCode.VALIDATION_ERROR);
                        assertThat(e.isTooLarge()).isTrue();
                    })
                    .hasMessageStartingWith("event frame would be ")
                    .hasMessageEndingWith("bytes encoded, more than the frame limit of 65536 bytes");
        }

        @Test
        void anEventThatFitsIsAccepted() {
            String json = "{\"type\":\"event\",\"cseq\":1,\"name\":\"n\",\"data\":\"" + "y".repeat(LIMIT - 100) + "\"}";
            assertThat(CODEC.decodeClient(json)).isInstanceOf(ClientEvent.class);
        }
    }

    @Nested
    class LoneSurrogates {

        @ParameterizedTest
        @ValueSource(strings = {
                "{\"type\":\"user_message\",\"cseq\":1,\"text\":\"a\\ud800b\"}",
                "{\"type\":\"user_message\",\"cseq\":1,\"text\":\"\\udc00\"}",
                "{\"type\":\"user_message\",\"cseq\":1,\"text\":\"end \\ud83d\"}",
                "{\"type\":\"event\",\"cseq\":1,\"name\":\"\\ud800\"}",
                "{\"type\":\"event\",\"cseq\":1,\"name\":\"n\",\"data\":\"\\ud800\"}",
                "{\"type\":\"event\",\"cseq\":1,\"name\":\"n\",\"data\":{\"a\":[1,{\"b\":[\"ok\",\"\\udfff\"]}]}}",
                "{\"type\":\"hello\",\"v\":1,\"resume\":{\"sessionId\":\"\\ud800\",\"token\":\"t\",\"epoch\":1,"
                        + "\"lastSeq\":0}}"})
        void areAValidationError(String json) {
            assertThatThrownBy(() -> CODEC.decodeClient(json))
                    .isInstanceOfSatisfying(FrameException.class, e -> {
                        assertThat(e.code()).isEqualTo(ErrorCode.VALIDATION_ERROR);
                        assertThat(e.isTooLarge()).isFalse();
                    })
                    .hasMessageContaining("must be well-formed Unicode, got a lone surrogate");
        }

        @ParameterizedTest
        @ValueSource(strings = {"\\ud800", "\\udc00", "x\\ud800y"})
        void inAFieldNameAreAlreadyInvalidJson(String name) {
            // The JSON parser refuses these itself, before the codec's own check.
            assertThatThrownBy(() -> CODEC.decodeClient(
                    "{\"type\":\"event\",\"cseq\":1,\"name\":\"n\",\"data\":{\"" + name + "\":1}}"))
                    .isInstanceOfSatisfying(FrameException.class,
                            e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_JSON))
                    .hasMessageContaining("surrogate");
        }

        @Test
        void surrogatePairsAreText() {
            UserMessage message = (UserMessage) CODEC.decodeClient(userMessage("\\ud83d\\ude80 \ud83e\uddf5"));
            assertThat(message.text()).isEqualTo("\ud83d\ude80 \ud83e\uddf5");
        }

        @Test
        void aServerEventWithOneIsRefusedByCheck() {
            ObjectNode data = NODES.objectNode();
            data.putArray("list").add("fine").add("bad \ud800");
            assertThatThrownBy(() -> CODEC.check(ServerEvent.of("n", data)))
                    .isInstanceOfSatisfying(FrameException.class, e -> assertThat(e.isTooLarge()).isFalse())
                    .hasMessage("event.data must be well-formed Unicode, got a lone surrogate in a string");
            ObjectNode named = NODES.objectNode();
            named.putObject("deep").put("\udc00", 1);
            assertThatThrownBy(() -> CODEC.check(ServerEvent.of("n", named)))
                    .hasMessage("event.data must be well-formed Unicode, got a lone surrogate in a field name");
            assertThatThrownBy(() -> CODEC.check(ServerEvent.of("\ud800", NODES.nullNode())))
                    .hasMessage("event.name must be well-formed Unicode, got a lone surrogate at character 0");
        }

        @Test
        void becomeTheReplacementCharacterInReplyText() {
            assertThat(CODEC.deltas(1, "a\ud800b\udc00")).singleElement()
                    .extracting(AssistantDelta::text).isEqualTo("a\ufffdb\ufffd");
        }
    }

    @Nested
    class Errors {

        @Test
        void aLongUnknownTypeIsDescribedByItsLength() {
            // The probe's case: a 60,000-character type came back in a 60,021-character error.
            FrameException e = decodeError("{\"type\":\"" + "t".repeat(60_000) + "\"}");
            assertThat(e.getMessage()).isEqualTo("unknown frame type a string of 60000 characters");
        }

        @Test
        void aShortUnknownTypeIsQuoted() {
            assertThat(decodeError("{\"type\":\"nope\\n\"}").getMessage()).isEqualTo("unknown frame type \"nope\\n\"");
        }

        @ParameterizedTest
        @ValueSource(strings = {
                "{\"type\":\"user_message\",\"cseq\":\"%s\",\"text\":\"\"}",
                "{\"type\":\"user_message\",\"cseq\":1%s,\"text\":\"\"}",
                "{\"type\":\"user_message\",\"cseq\":1.%s,\"text\":\"\"}",
                "{\"type\":\"hello\",\"v\":1,\"resume\":{\"sessionId\":\"%s\",\"token\":\"t\",\"epoch\":1,"
                        + "\"lastSeq\":0}}",
                "{\"type\":\"ping\",\"t\":%s}",
                "{\"type\":\"ping\",\"t\":\"1\",\"x\":1}%s",
                "{\"type\":\"ping\",\"t\":[%s]}"})
        void noMessageEchoesALongValue(String template) {
            // Digits, except where only a bare word makes the JSON parser quote a token.
            String digit = template.contains("\"t\":%s") ? "x" : "1";
            String message = decodeError(template.formatted(digit.repeat(60_000))).getMessage();
            assertThat(message).hasSizeLessThan(200).doesNotContain(digit.repeat(FrameException.MAX_QUOTED + 1));
        }

        @Test
        void anErrorFrameMessageIsBoundedInEncodedBytes() {
            ErrorFrame error = new ErrorFrame(ErrorCode.INTERNAL, "\u0001".repeat(10_000));
            assertThat(EncodedText.bytes(error.message())).isLessThanOrEqualTo(ErrorFrame.MAX_MESSAGE_BYTES);
            assertThat(error.message()).endsWith("\u2026");
            assertThat(bytes(new FrameCodec(1024).encode(error))).isLessThanOrEqualTo(1024);
        }

        @Test
        void aFailedReplysErrorFromAHandlerIsBoundedSoItsDoneFitsTheSmallestLimit() {
            ReplyError error = new ReplyError("c".repeat(1_000), "\u0001".repeat(10_000) + "\ud800");
            assertThat(EncodedText.bytes(error.code())).isLessThanOrEqualTo(ReplyError.MAX_CODE_BYTES);
            assertThat(EncodedText.bytes(error.message())).isLessThanOrEqualTo(ReplyError.MAX_MESSAGE_BYTES);
            assertThat(EncodedText.loneSurrogate(error.message())).isEqualTo(-1);
            AssistantDone done = new AssistantDone(Long.MAX_VALUE, Long.MAX_VALUE, DoneReason.FAILED, error,
                    new TokenUsage(Long.MAX_VALUE, Long.MAX_VALUE));
            assertThat(bytes(new FrameCodec(1024).encode(done))).isLessThanOrEqualTo(1024);
            assertThat(new ReplyError("upstream_timeout", "short").code()).isEqualTo("upstream_timeout");
        }

        @Test
        void anErrorFrameMessageIsWellFormed() {
            assertThat(new ErrorFrame(ErrorCode.INTERNAL, "x\ud800").message()).isEqualTo("x\ufffd");
        }

        private FrameException decodeError(String json) {
            try {
                CODEC.decodeClient(json);
            } catch (FrameException e) {
                return e;
            }
            throw new AssertionError("accepted: " + json.substring(0, Math.min(100, json.length())));
        }
    }

    @Nested
    class Deltas {

        private static final FrameCodec SMALL = new FrameCodec(256);
        private static final String[] ALPHABET = {"a", "Z", " ", "\"", "\\", "\n", "\t", "\u0000", "\u001f",
                "\u007f", "é", "\u07ff", "\u0800", "世", "\u2028", "\ufffd", "\ud83d\ude80", "\ud800", "\udc00"};

        @Test
        void aReplyPartOfAnySizeIsCutIntoDeltasThatFitBetweenCodePoints() {
            Random random = new Random(8);
            for (int round = 0; round < 2_000; round++) {
                StringBuilder text = new StringBuilder();
                int length = random.nextInt(round % 10 == 0 ? 2_000 : 300);
                for (int i = 0; i < length; i++) {
                    text.append(ALPHABET[random.nextInt(ALPHABET.length)]);
                }
                List<AssistantDelta> deltas = SMALL.deltas(Long.MAX_VALUE, text.toString());
                assertThat(deltas).isNotEmpty();
                StringBuilder joined = new StringBuilder();
                for (int i = 0; i < deltas.size(); i++) {
                    String piece = deltas.get(i).text();
                    assertThat(deltas.get(i).replyTo()).isEqualTo(Long.MAX_VALUE);
                    assertThat(EncodedText.loneSurrogate(piece)).isEqualTo(-1);
                    int encoded = bytes(SMALL.encode(deltas.get(i).withSeq(Long.MAX_VALUE)));
                    assertThat(encoded).isLessThanOrEqualTo(256);
                    SMALL.check(deltas.get(i));
                    if (i < deltas.size() - 1) {
                        // Cut no earlier than needed: the next code point would not have fitted.
                        String next = deltas.get(i + 1).text();
                        assertThat(encoded + EncodedText.bytes(next.substring(0, next.offsetByCodePoints(0, 1))))
                                .isGreaterThan(256);
                    }
                    joined.append(piece);
                }
                assertThat(joined.toString()).isEqualTo(EncodedText.replaceLoneSurrogates(text.toString()));
            }
        }

        @Test
        void measuredSizeIsTheEncodedSize() {
            Random random = new Random(9);
            for (int round = 0; round < 1_000; round++) {
                StringBuilder text = new StringBuilder();
                for (int i = random.nextInt(50); i > 0; i--) {
                    text.append(ALPHABET[random.nextInt(ALPHABET.length - 2)]);
                }
                String json = CODEC.encode(AssistantDelta.of(1, text.toString()));
                assertThat(EncodedText.bytes(text.toString()))
                        .isEqualTo(bytes(json) - bytes(CODEC.encode(AssistantDelta.of(1, ""))));
            }
        }

        @Test
        void anEmptyPartIsOneEmptyDelta() {
            assertThat(CODEC.deltas(3, "")).containsExactly(AssistantDelta.of(3, ""));
        }
    }

    @Nested
    class Checks {

        @Test
        void aSequencedFrameIsMeasuredAtTheWidestSeq() {
            // Fits with seq 0 written as one digit, but not once the store numbers it with 19.
            String name = "n".repeat(256 - "{\"type\":\"event\",\"seq\":0,\"name\":\"\",\"data\":null}".length());
            ServerEvent event = ServerEvent.of(name, NODES.nullNode());
            FrameCodec small = new FrameCodec(256);
            assertThat(bytes(small.encode(event))).isEqualTo(256);
            assertThatThrownBy(() -> small.check(event))
                    .isInstanceOfSatisfying(FrameException.class, e -> assertThat(e.isTooLarge()).isTrue())
                    .hasMessage("event frame would be 274 bytes encoded, more than the frame limit of 256 bytes");
        }

        @Test
        void encodingAFrameOverTheLimitFails() {
            ArrayNode data = NODES.arrayNode();
            for (int i = 0; i < 20_000; i++) {
                data.add("abc");
            }
            assertThatThrownBy(() -> CODEC.encode(new ServerEvent(1, "n", data)))
                    .isInstanceOfSatisfying(FrameException.class, e -> assertThat(e.isTooLarge()).isTrue());
            assertThat(new FrameCodec().encode(new ServerEvent(1, "n", data))).hasSizeGreaterThan(LIMIT);
        }
    }
}
