package dev.tether.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tether.gateway.testing.GatewayExtension;
import dev.tether.gateway.testing.TestSocket;
import dev.tether.protocol.AssistantDelta;
import dev.tether.protocol.AssistantDone;
import dev.tether.protocol.ErrorCode;
import dev.tether.protocol.ErrorFrame;
import dev.tether.protocol.Hello;
import dev.tether.protocol.Protocol;
import dev.tether.protocol.ServerAck;
import dev.tether.protocol.ServerEvent;
import dev.tether.protocol.UserMessage;
import dev.tether.protocol.Welcome;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.tether.protocol.DoneReason;
import dev.tether.protocol.FrameCodec;
import dev.tether.protocol.ServerFrame;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.netty.ByteBufFlux;
import reactor.netty.http.client.HttpClient;

/**
 * No frame the gateway stores or sends exceeds the frame limit, whatever produced it, so that a client enforcing the
 * protocol's 64 KiB (the Java client's default) can always read its session; and no input comes back at length.
 */
class FrameLimitsIT {

    private static final String KEY = "push-api-key-0123456789";
    private static final int LIMIT = Protocol.DEFAULT_MAX_FRAME_BYTES;
    /** The text budget of a user message at 64 KiB: the limit less the widest assistant_delta around it. */
    private static final int MAX_TEXT = 65_444;

    @RegisterExtension
    // History bytes that hold frames of the limit, which the default (half of it) does not: resumes here replay them.
    final GatewayExtension gateway = new GatewayExtension(c -> c.pushApi(PushApiOptions.withApiKey(KEY))
            .sessionLimits(l -> l.historyBytes(4L * LIMIT)));

    private record Reply(int status, String body) {
    }

    private Reply post(String sessionId, byte[] body) {
        return HttpClient.create()
                .headers(h -> h.set("Content-Type", "application/json").set("Authorization", "Bearer " + KEY))
                .post()
                .uri("http://127.0.0.1:" + gateway.gateway().port() + "/api/v1/sessions/" + sessionId + "/events")
                .send(ByteBufFlux.fromInbound(Mono.just(body)))
                .responseSingle((head, content) -> content.asString().defaultIfEmpty("")
                        .map(text -> new Reply(head.status().code(), text)))
                .block(TestSocket.TIMEOUT);
    }

    private Reply post(String sessionId, String body) {
        return post(sessionId, body.getBytes(StandardCharsets.UTF_8));
    }

    /** A socket that, like the Java client by default, fails on any frame over 64 KiB. */
    private TestSocket strictClient() {
        return gateway.connect(LIMIT);
    }

    private static String userMessage(long cseq, String text) {
        return "{\"type\":\"user_message\",\"cseq\":" + cseq + ",\"text\":\"" + text + "\"}";
    }

    private long lastSeq(String sessionId) {
        return gateway.store().find(sessionId).block(TestSocket.TIMEOUT).lastSeq();
    }

    @Test
    void aOneWordUserMessageFillingTheFrameIsRefusedAndTheSessionStaysReadable() {
        TestSocket socket = strictClient();
        socket.send(Hello.fresh());
        Welcome welcome = socket.next(Welcome.class);

        // The probe's case: a frame of exactly 64 KiB, whose echo would have been a 65,550-byte delta.
        String tooLong = userMessage(1, "x".repeat(LIMIT - userMessage(1, "").length()));
        assertThat(tooLong.length()).isEqualTo(LIMIT);
        socket.sendText(tooLong);
        ErrorFrame error = socket.next(ErrorFrame.class);
        assertThat(error.code()).isEqualTo(ErrorCode.VALIDATION_ERROR);
        assertThat(error.message()).startsWith("user_message.text must be at most " + MAX_TEXT + " bytes encoded");

        // The longest text accepted is acknowledged and echoed in one delta that the strict client reads.
        String longest = "y".repeat(MAX_TEXT);
        socket.sendText(userMessage(1, longest));
        assertThat(socket.next(ServerAck.class).cseq()).isEqualTo(1);
        assertThat(socket.nextMatching(AssistantDelta.class, delta -> true).text()).isEqualTo(longest);
        assertThat(socket.nextMatching(AssistantDone.class, done -> true).seq())
                .isEqualTo(lastSeq(welcome.sessionId()));

        // And a resume replays it to another strict client.
        socket.abort();
        TestSocket again = strictClient();
        again.send(Hello.resume(new Hello.Resume(welcome.sessionId(), welcome.token(), welcome.epoch(), 0)));
        assertThat(again.next(Welcome.class).resumed()).isTrue();
        assertThat(again.nextMatching(AssistantDelta.class, delta -> true).text()).isEqualTo(longest);
        assertThat(again.nextMatching(AssistantDone.class, done -> true).reason()).isNotNull();
    }

    @Test
    void aLoneSurrogateInAUserMessageIsAValidationErrorAndNotStored() {
        TestSocket socket = strictClient();
        socket.send(Hello.fresh());
        socket.next(Welcome.class);

        socket.sendText(userMessage(1, "a\\ud800"));
        ErrorFrame error = socket.next(ErrorFrame.class);
        assertThat(error.code()).isEqualTo(ErrorCode.VALIDATION_ERROR);
        assertThat(error.message()).isEqualTo(
                "user_message.text must be well-formed Unicode, got a lone surrogate at character 1");

        socket.send(new UserMessage(1, "fine \ud83d\ude80"));
        assertThat(socket.next(ServerAck.class).cseq()).as("cseq 1 was not taken by the refused one").isEqualTo(1);
    }

    @Test
    void errorsDescribeLongValuesByTheirLength() {
        TestSocket socket = strictClient();
        socket.send(Hello.fresh());
        socket.next(Welcome.class);

        // The probe's case: a 60,000-character type came back in a 60,021-character error.
        socket.sendText("{\"type\":\"" + "t".repeat(60_000) + "\"}");
        assertThat(socket.next(ErrorFrame.class).message())
                .isEqualTo("unknown frame type a string of 60000 characters");
        socket.sendText("{\"type\":\"user_message\",\"cseq\":\"" + "1".repeat(60_000) + "\",\"text\":\"\"}");
        assertThat(socket.next(ErrorFrame.class).message())
                .isEqualTo("user_message.cseq must be an integer, got a string of 60000 characters");
        socket.sendText("{\"type\":\"ping\",\"t\":" + "x".repeat(60_000) + "}");
        assertThat(socket.next(ErrorFrame.class).message()).hasSizeLessThan(200);
    }

    @Test
    void aPushWhoseBodyFillsTheFrameIs413WithTheLimit() {
        TestSocket socket = strictClient();
        socket.send(Hello.fresh());
        Welcome welcome = socket.next(Welcome.class);

        // The probe's case: a 65,536-byte body became a 65,559-byte event.
        String prefix = "{\"name\":\"n\",\"data\":\"";
        String body = prefix + "x".repeat(LIMIT - prefix.length() - 2) + "\"}";
        assertThat(body.length()).isEqualTo(LIMIT);
        Reply tooLarge = post(welcome.sessionId(), body);
        assertThat(tooLarge.status()).isEqualTo(413);
        assertThat(tooLarge.body()).contains("too_large").contains("more than the frame limit of 65536 bytes");

        Reply overBody = post(welcome.sessionId(), body + " ");
        assertThat(overBody.status()).isEqualTo(413);
        assertThat(overBody.body()).contains("the frame limit of 65536 bytes");
        assertThat(lastSeq(welcome.sessionId())).isZero();
    }

    @Test
    void aPushWhoseFrameWouldGrowOverTheLimitIs413AndOneThatFitsArrives() {
        TestSocket socket = strictClient();
        socket.send(Hello.fresh());
        Welcome welcome = socket.next(Welcome.class);

        // 1E1 is written back as 10.0: a body well under the limit whose frame would be over it.
        StringBuilder growing = new StringBuilder("{\"name\":\"n\",\"data\":[1E1");
        while (growing.length() < 60_000) {
            growing.append(",1E1");
        }
        Reply grown = post(welcome.sessionId(), growing.append("]}").toString());
        assertThat(grown.status()).isEqualTo(413);
        assertThat(grown.body()).contains("event frame would be");

        String prefix = "{\"name\":\"n\",\"data\":\"";
        String fits = prefix + "z".repeat(LIMIT - 100) + "\"}";
        assertThat(post(welcome.sessionId(), fits).status()).isEqualTo(200);
        ServerEvent event = socket.next(ServerEvent.class);
        assertThat(event.data().textValue()).hasSize(LIMIT - 100);
        assertThat(lastSeq(welcome.sessionId())).isEqualTo(1);
    }

    @Test
    void aPushWithALoneSurrogateInvalidUtf8OrAnInfiniteNumberIs400() {
        TestSocket socket = strictClient();
        socket.send(Hello.fresh());
        Welcome welcome = socket.next(Welcome.class);

        for (String body : List.of("{\"name\":\"n\",\"data\":\"\\ud800\"}", "{\"name\":\"\\udc00x\"}",
                "{\"name\":\"n\",\"data\":{\"a\":[{\"b\":\"\\udfff\"}]}}",
                "{\"name\":\"n\",\"data\":{\"\\ud800\":1}}")) {
            Reply reply = post(welcome.sessionId(), body);
            assertThat(reply.status()).as(body).isEqualTo(400);
            assertThat(reply.body()).as(body).contains("surrogate");
        }
        byte[] invalidUtf8 = "{\"name\":\"n\",\"data\":\"__\"}".getBytes(StandardCharsets.US_ASCII);
        invalidUtf8[20] = (byte) 0xC3;
        invalidUtf8[21] = (byte) 0x28;
        assertThat(post(welcome.sessionId(), invalidUtf8).status()).isEqualTo(400);
        // Jackson reads 1e400 as infinity and would store it as the string "Infinity".
        Reply infinite = post(welcome.sessionId(), "{\"name\":\"n\",\"data\":{\"x\":[1e400]}}");
        assertThat(infinite.status()).isEqualTo(400);
        assertThat(infinite.body()).contains("a number out of range");
        assertThat(lastSeq(welcome.sessionId())).isZero();
    }

    @Test
    void pushErrorsDoNotEchoALongSessionId() {
        Reply reply = post("s".repeat(200), "{\"name\":\"n\"}");
        assertThat(reply.status()).isEqualTo(404);
        assertThat(reply.body()).doesNotContain("s".repeat(65)).contains("id of 200 characters");
    }

    @Test
    void atTheSmallestLimitNoProducerMakesALargerFrame() {
        int limit = 1024;
        FrameCodec codec = new FrameCodec(limit);
        // Long text with escapes and surrogate pairs, an event that fits, the message's text again; and on request an
        // event that cannot fit, which fails its reply.
        gateway.handler((context, message) -> message.text().equals("big event")
                ? Flux.just(ReplyPart.text("before"), ReplyPart.event("big", TextNode.valueOf("e".repeat(limit))))
                : Flux.just(ReplyPart.text("\"\u00e9\ud83d\ude80".repeat(500)),
                        ReplyPart.event("fits", TextNode.valueOf("f".repeat(100))), ReplyPart.text(message.text())));
        gateway.start(c -> c.connections(o -> o.maxFrameBytes(limit)));
        TestSocket socket = gateway.connect(limit);
        socket.send(Hello.fresh());
        Welcome welcome = socket.next(Welcome.class);

        String longest = "w".repeat(codec.maxTextBytes());
        socket.send(new UserMessage(1, longest));
        socket.send(new UserMessage(2, "big event"));
        socket.sendText(userMessage(3, "v".repeat(codec.maxTextBytes() + 1)));
        socket.sendText("{\"type\":\"" + "t".repeat(limit - 20) + "\"}");
        String prefix = "{\"name\":\"n\",\"data\":\"";
        assertThat(post(welcome.sessionId(), prefix + "p".repeat(limit - 100) + "\"}").status()).isEqualTo(200);
        assertThat(post(welcome.sessionId(), prefix + "p".repeat(limit - 40) + "\"}").status()).isEqualTo(413);

        List<ServerFrame> frames = new ArrayList<>();
        int done = 0;
        int errors = 0;
        boolean pushed = false;
        while (done < 2 || errors < 2 || !pushed) {
            String text = socket.nextText();
            assertThat(text.getBytes(StandardCharsets.UTF_8).length).as(text).isLessThanOrEqualTo(limit);
            ServerFrame frame = codec.decodeServer(text);
            frames.add(frame);
            done += frame instanceof AssistantDone ? 1 : 0;
            errors += frame instanceof ErrorFrame ? 1 : 0;
            pushed |= frame instanceof ServerEvent event && event.name().equals("n");
        }
        StringBuilder first = new StringBuilder();
        for (ServerFrame frame : frames) {
            if (frame instanceof AssistantDelta delta && delta.replyTo() == 1) {
                first.append(delta.text());
            }
        }
        assertThat(first.toString()).isEqualTo("\"\u00e9\ud83d\ude80".repeat(500) + longest);
        assertThat(frames).filteredOn(AssistantDone.class::isInstance).extracting(f -> ((AssistantDone) f).reason())
                .containsExactlyInAnyOrder(DoneReason.COMPLETE, DoneReason.FAILED);
        assertThat(frames).filteredOn(ErrorFrame.class::isInstance)
                .extracting(f -> ((ErrorFrame) f).code())
                .containsExactlyInAnyOrder(ErrorCode.VALIDATION_ERROR, ErrorCode.UNKNOWN_TYPE);
        assertThat(frames).filteredOn(ServerEvent.class::isInstance).extracting(f -> ((ServerEvent) f).name())
                .containsExactlyInAnyOrder("fits", "n");
    }
}
