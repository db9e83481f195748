package dev.tether.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tether.gateway.testing.GatewayExtension;
import dev.tether.gateway.testing.TestSocket;
import dev.tether.protocol.AssistantDelta;
import dev.tether.protocol.AssistantDone;
import dev.tether.protocol.Bye;
import dev.tether.protocol.Cancel;
import dev.tether.protocol.ClientAck;
import dev.tether.protocol.DoneReason;
import dev.tether.protocol.ErrorCode;
import dev.tether.protocol.ErrorFrame;
import dev.tether.protocol.Hello;
import dev.tether.protocol.Ping;
import dev.tether.protocol.Pong;
import dev.tether.protocol.ResumeFailure;
import dev.tether.protocol.Sequenced;
import dev.tether.protocol.ServerAck;
import dev.tether.protocol.UserMessage;
import dev.tether.protocol.Welcome;
import dev.tether.protocol.session.SessionLimits;
import dev.tether.testkit.Eventually;
import java.time.Duration;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import reactor.core.publisher.Flux;
import reactor.netty.http.client.HttpClient;
import reactor.test.StepVerifier;

/** The gateway over real sockets: handshake, replies, resume, errors, takeover, bye, health and shutdown. */
class GatewayIT {

    private static final Duration TIMEOUT = TestSocket.TIMEOUT;
    private static final ObjectMapper JSON = new ObjectMapper();

    @RegisterExtension
    final GatewayExtension gateway = new GatewayExtension();

    private Welcome hello(TestSocket socket) {
        socket.send(Hello.fresh());
        return socket.next(Welcome.class);
    }

    private static Hello resume(Welcome welcome, long lastSeq) {
        return Hello.resume(new Hello.Resume(welcome.sessionId(), welcome.token(), welcome.epoch(), lastSeq));
    }

    private static String text(List<? extends Sequenced> frames) {
        return frames.stream().filter(AssistantDelta.class::isInstance).map(f -> ((AssistantDelta) f).text())
                .collect(Collectors.joining());
    }

    private static boolean isDone(Sequenced frame) {
        return frame instanceof AssistantDone;
    }

    @Test
    void helloGetsWelcomeForANewSession() {
        TestSocket socket = gateway.connect();
        Welcome welcome = hello(socket);

        assertThat(welcome.v()).isEqualTo(1);
        assertThat(welcome.resumed()).isFalse();
        assertThat(welcome.reason()).isNull();
        assertThat(welcome.lastSeq()).isZero();
        assertThat(welcome.ackedCseq()).isZero();
        assertThat(welcome.heartbeatMs()).isEqualTo(ConnectionOptions.DEFAULT_HEARTBEAT.toMillis());
        assertThat(welcome.token()).hasSizeGreaterThanOrEqualTo(22);
        assertThat(gateway.store().find(welcome.sessionId()).block(TIMEOUT)).isNotNull();
    }

    @Test
    void echoReplyIsStreamedWordByWordAndCompletes() {
        TestSocket socket = gateway.connect();
        hello(socket);

        socket.send(new UserMessage(1, "hello there brave new world"));

        assertThat(socket.next(ServerAck.class).cseq()).isEqualTo(1);
        List<Sequenced> reply = socket.collectUntil(Sequenced.class, GatewayIT::isDone);
        assertThat(reply).extracting(Sequenced::seq).containsExactly(1L, 2L, 3L, 4L, 5L, 6L);
        assertThat(text(reply)).isEqualTo("hello there brave new world");
        assertThat(reply.getLast()).isEqualTo(new AssistantDone(6, 1, DoneReason.COMPLETE));
    }

    @Test
    void resumeAfterADropReplaysWhatWasMissedWhileTheReplyKeptGoing() {
        gateway.handler((context, message) -> Flux.range(1, 20)
                .map(i -> ReplyPart.text("w" + i + " "))
                .delayElements(Duration.ofMillis(20)));
        TestSocket first = gateway.connect();
        Welcome welcome = hello(first);
        first.send(new UserMessage(1, "go"));
        first.next(ServerAck.class);
        List<AssistantDelta> seen = List.of(first.next(AssistantDelta.class), first.next(AssistantDelta.class));

        first.abort();
        // The reply is produced into the log while nobody is connected.
        long lastSeq = seen.getLast().seq();
        TestSocket second = gateway.connect();
        second.send(resume(welcome, lastSeq));
        Welcome resumed = second.next(Welcome.class);
        List<Sequenced> rest = second.collectUntil(Sequenced.class, GatewayIT::isDone);

        assertThat(resumed.resumed()).isTrue();
        assertThat(resumed.sessionId()).isEqualTo(welcome.sessionId());
        assertThat(resumed.ackedCseq()).isEqualTo(1);
        assertThat(rest.getFirst().seq()).isEqualTo(lastSeq + 1);
        assertThat(rest).extracting(Sequenced::seq)
                .containsExactlyElementsOf(java.util.stream.LongStream.rangeClosed(3, 21).boxed().toList());
        assertThat(text(seen) + text(rest)).isEqualTo(
                java.util.stream.IntStream.rangeClosed(1, 20).mapToObj(i -> "w" + i + " ").collect(
                        Collectors.joining()));
        assertThat(rest.getLast()).isEqualTo(new AssistantDone(21, 1, DoneReason.COMPLETE));
    }

    @Test
    void duplicateUserMessageIsAckedAgainButStoredAndAnsweredOnce() {
        TestSocket socket = gateway.connect();
        Welcome welcome = hello(socket);
        socket.send(new UserMessage(1, "once"));
        assertThat(socket.next(ServerAck.class).cseq()).isEqualTo(1);
        socket.collectUntil(Sequenced.class, GatewayIT::isDone);

        socket.send(new UserMessage(1, "once"));

        assertThat(socket.next(ServerAck.class).cseq()).isEqualTo(1);
        socket.send(new Ping(7));
        assertThat(socket.next()).as("no second reply").isEqualTo(new Pong(7));
        assertThat(gateway.store().readClient(welcome.sessionId(), 0).collectList().block(TIMEOUT))
                .containsExactly(new UserMessage(1, "once"));
    }

    @Test
    void cseqThatSkipsAheadIsOutOfOrderAndNotStored() {
        TestSocket socket = gateway.connect();
        Welcome welcome = hello(socket);

        socket.send(new UserMessage(3, "too early"));

        ErrorFrame error = socket.next(ErrorFrame.class);
        assertThat(error.code()).isEqualTo(ErrorCode.OUT_OF_ORDER);
        assertThat(error.message()).contains("next expected cseq is 1");
        assertThat(gateway.store().find(welcome.sessionId()).block(TIMEOUT).ackedCseq()).isZero();
    }

    @Test
    void malformedFramesGetErrorsAndTheConnectionStaysOpen() {
        TestSocket socket = gateway.connect();
        hello(socket);

        socket.sendText("{not json");
        assertThat(socket.next(ErrorFrame.class).code()).isEqualTo(ErrorCode.INVALID_JSON);
        socket.sendText("{\"type\":\"user_message\",\"cseq\":\"one\"}");
        assertThat(socket.next(ErrorFrame.class).code()).isEqualTo(ErrorCode.VALIDATION_ERROR);
        socket.sendText("{\"type\":\"teleport\"}");
        assertThat(socket.next(ErrorFrame.class).code()).isEqualTo(ErrorCode.UNKNOWN_TYPE);
        socket.sendBinary(new byte[] {1, 2, 3});
        assertThat(socket.next(ErrorFrame.class).code()).isEqualTo(ErrorCode.UNSUPPORTED_FRAME);
        socket.send(Hello.fresh());
        assertThat(socket.next(ErrorFrame.class).code()).isEqualTo(ErrorCode.HANDSHAKE_REQUIRED);

        socket.send(new UserMessage(1, "still here"));
        assertThat(socket.next(ServerAck.class).cseq()).isEqualTo(1);
    }

    @Test
    void clientThatKeepsSendingBadFramesIsClosedWithPolicyViolation() {
        TestSocket socket = gateway.connect();
        hello(socket);

        for (int i = 0; i < ConnectionOptions.DEFAULT_BAD_FRAME_LIMIT; i++) {
            socket.sendText("garbage " + i);
        }

        assertThat(socket.awaitClose().code()).isEqualTo(1008);
    }

    @Test
    void wrongTokenStartsAFreshSessionAndLeavesTheOldOneAlone() {
        TestSocket first = gateway.connect();
        Welcome welcome = hello(first);
        first.abort();

        TestSocket second = gateway.connect();
        second.send(Hello.resume(new Hello.Resume(welcome.sessionId(), "not-the-token", welcome.epoch(), 0)));
        Welcome fresh = second.next(Welcome.class);

        assertThat(fresh.resumed()).isFalse();
        assertThat(fresh.reason()).isEqualTo(ResumeFailure.BAD_TOKEN);
        assertThat(fresh.sessionId()).isNotEqualTo(welcome.sessionId());
        var old = gateway.store().find(welcome.sessionId()).block(TIMEOUT);
        assertThat(old).isNotNull();
        assertThat(old.generation()).as("a failed resume does not attach").isEqualTo(1);
    }

    @Test
    void sessionExpiredAfterGraceIsNotFound() {
        TestSocket first = gateway.connect();
        Welcome welcome = hello(first);
        first.abort();
        awaitDisconnected(welcome.sessionId());

        gateway.clock().advance(SessionLimits.DEFAULT_GRACE.plusSeconds(1));

        TestSocket second = gateway.connect();
        second.send(resume(welcome, 0));
        Welcome fresh = second.next(Welcome.class);
        assertThat(fresh.resumed()).isFalse();
        assertThat(fresh.reason()).isEqualTo(ResumeFailure.NOT_FOUND);
    }

    @Test
    void resumeWithAnotherEpochOrAFutureSeqIsHistoryLost() {
        TestSocket first = gateway.connect();
        Welcome welcome = hello(first);
        first.abort();

        TestSocket second = gateway.connect();
        second.send(Hello.resume(new Hello.Resume(welcome.sessionId(), welcome.token(), welcome.epoch() + 1, 0)));
        assertThat(second.next(Welcome.class).reason()).isEqualTo(ResumeFailure.HISTORY_LOST);
        TestSocket third = gateway.connect();
        third.send(resume(welcome, 5));
        assertThat(third.next(Welcome.class).reason()).isEqualTo(ResumeFailure.HISTORY_LOST);
    }

    @Test
    void resumeFromATrimmedSeqIsHistoryTruncated() {
        gateway.start(c -> c.sessionLimits(l -> l.historyFrames(3)));
        TestSocket first = gateway.connect();
        Welcome welcome = hello(first);
        first.send(new UserMessage(1, "one two three four five"));
        first.collectUntil(Sequenced.class, GatewayIT::isDone);
        first.abort();

        TestSocket second = gateway.connect();
        second.send(resume(welcome, 1));
        Welcome fresh = second.next(Welcome.class);
        assertThat(fresh.resumed()).isFalse();
        assertThat(fresh.reason()).isEqualTo(ResumeFailure.HISTORY_TRUNCATED);

        TestSocket third = gateway.connect();
        third.send(resume(welcome, 3));
        Welcome resumed = third.next(Welcome.class);
        assertThat(resumed.resumed()).isTrue();
        assertThat(third.collectUntil(Sequenced.class, GatewayIT::isDone)).extracting(Sequenced::seq)
                .containsExactly(4L, 5L, 6L);
    }

    @Test
    void cancelStopsTheReplyWithCancelled() {
        gateway.handler((context, message) -> Flux.interval(Duration.ofMillis(20)).map(i -> ReplyPart.text("x")));
        TestSocket socket = gateway.connect();
        hello(socket);
        socket.send(new UserMessage(1, "forever"));
        socket.next(ServerAck.class);
        socket.next(AssistantDelta.class);

        socket.send(new Cancel(2, 1));

        AssistantDone done = socket.nextMatching(AssistantDone.class, d -> true);
        assertThat(done.reason()).isEqualTo(DoneReason.CANCELLED);
        assertThat(done.replyTo()).isEqualTo(1);
    }

    @Test
    void handlerErrorEndsTheReplyWithFailed() {
        gateway.handler((context, message) -> Flux.concat(Flux.just(ReplyPart.text("partial")),
                Flux.error(new IllegalStateException("model down"))));
        TestSocket socket = gateway.connect();
        hello(socket);
        socket.send(new UserMessage(1, "hi"));

        List<Sequenced> reply = socket.collectUntil(Sequenced.class, GatewayIT::isDone);
        assertThat(text(reply)).isEqualTo("partial");
        assertThat(((AssistantDone) reply.getLast()).reason()).isEqualTo(DoneReason.FAILED);
    }

    @Test
    void secondConnectionResumingTheSessionClosesTheFirstWith4009() {
        TestSocket first = gateway.connect();
        Welcome welcome = hello(first);

        TestSocket second = gateway.connect();
        second.send(resume(welcome, 0));
        assertThat(second.next(Welcome.class).resumed()).isTrue();

        assertThat(first.awaitClose().code()).isEqualTo(4009);
        second.send(new Ping(1));
        assertThat(second.nextMatching(Pong.class, p -> true)).isEqualTo(new Pong(1));
    }

    @Test
    void byeRemovesTheSessionAndClosesWith1000() {
        TestSocket socket = gateway.connect();
        Welcome welcome = hello(socket);

        socket.send(new Bye());

        assertThat(socket.awaitClose().code()).isEqualTo(1000);
        StepVerifier.create(gateway.store().find(welcome.sessionId())).expectComplete().verify(TIMEOUT);
    }

    @Test
    void pingIsAnsweredAndAnAckAboveWhatWasSentIsAValidationError() {
        TestSocket socket = gateway.connect();
        hello(socket);
        socket.send(new ClientAck(0));
        socket.send(new Ping(42));
        assertThat(socket.next()).as("the ack of nothing is fine").isEqualTo(new Pong(42));

        socket.send(new ClientAck(7));
        assertThat(socket.next(ErrorFrame.class).code()).isEqualTo(ErrorCode.VALIDATION_ERROR);
        socket.send(new Ping(43));
        assertThat(socket.next()).as("still open").isEqualTo(new Pong(43));
    }

    @Test
    void firstFrameThatIsNotHelloClosesWithPolicyViolation() {
        TestSocket socket = gateway.connect();
        socket.send(new UserMessage(1, "no hello"));
        assertThat(socket.next(ErrorFrame.class).code()).isEqualTo(ErrorCode.HANDSHAKE_REQUIRED);
        assertThat(socket.awaitClose().code()).isEqualTo(1008);
    }

    @Test
    void unsupportedVersionGetsAnErrorAndClosesWithPolicyViolation() {
        TestSocket socket = gateway.connect();
        socket.sendText("{\"type\":\"hello\",\"v\":2}");
        assertThat(socket.next(ErrorFrame.class).code()).isEqualTo(ErrorCode.UNSUPPORTED_VERSION);
        assertThat(socket.awaitClose().code()).isEqualTo(1008);
    }

    @Test
    void frameLargerThanTheLimitClosesWith1009() {
        TestSocket socket = gateway.connect();
        hello(socket);
        socket.send(new UserMessage(1, "x".repeat(ConnectionOptions.DEFAULT_MAX_FRAME_BYTES + 1)));
        assertThat(socket.awaitClose().code()).isEqualTo(1009);
    }

    @Test
    void healthReportsReadinessSessionsAndSettings() throws Exception {
        TestSocket socket = gateway.connect();
        hello(socket);
        TestSocket other = gateway.connect();
        hello(other);
        other.abort();
        awaitConnected(1);

        var response = HttpClient.create().get().uri(gateway.healthUri())
                .responseSingle((head, body) -> body.asString().map(text -> new Object[] {head.status().code(),
                        text}))
                .block(TIMEOUT);
        JsonNode health = JSON.readTree((String) response[1]);

        assertThat(response[0]).isEqualTo(200);
        assertThat(health.get("status").asText()).isEqualTo("ok");
        assertThat(health.get("ready").asBoolean()).isTrue();
        assertThat(health.get("nodeId").asText()).isEqualTo("test-node");
        assertThat(health.at("/sessions/total").asLong()).isEqualTo(2);
        assertThat(health.at("/sessions/connected").asLong()).isEqualTo(1);
        assertThat(health.at("/sessions/disconnected").asLong()).isEqualTo(1);
        assertThat(health.at("/config/heartbeatMs").asLong()).isEqualTo(25_000);
        assertThat(health.at("/config/graceMs").asLong()).isEqualTo(300_000);
        assertThat(health.at("/config/historyFrames").asInt()).isEqualTo(1000);
    }

    @Test
    void shutdownClosesConnectionsWith1012AndReportsNotReady() {
        TestSocket socket = gateway.connect();
        hello(socket);

        gateway.gateway().shutdown(Duration.ofSeconds(5)).block(TIMEOUT);

        assertThat(socket.awaitClose().code()).isEqualTo(1012);
        assertThat(gateway.gateway().isReady()).isFalse();
        assertThat(gateway.gateway().isDisposed()).isTrue();
    }

    private void awaitDisconnected(String sessionId) {
        Eventually.await("session " + sessionId + " disconnected", TIMEOUT,
                () -> !gateway.store().find(sessionId).block(TIMEOUT).connected());
    }

    private void awaitConnected(long connected) {
        Eventually.await(connected + " connected sessions", TIMEOUT,
                () -> gateway.store().stats().block(TIMEOUT).connected() == connected);
    }
}
