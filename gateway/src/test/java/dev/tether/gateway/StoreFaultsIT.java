package dev.tether.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tether.gateway.testing.GatewayExtension;
import dev.tether.gateway.testing.TestSocket;
import dev.tether.protocol.AssistantDelta;
import dev.tether.protocol.AssistantDone;
import dev.tether.protocol.CloseCode;
import dev.tether.protocol.DoneReason;
import dev.tether.protocol.ErrorCode;
import dev.tether.protocol.ErrorFrame;
import dev.tether.protocol.Hello;
import dev.tether.protocol.Ping;
import dev.tether.protocol.Pong;
import dev.tether.protocol.Sequenced;
import dev.tether.protocol.ServerAck;
import dev.tether.protocol.UserMessage;
import dev.tether.protocol.Welcome;
import io.netty.handler.codec.http.websocketx.WebSocketCloseStatus;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import reactor.netty.http.client.HttpClient;

/**
 * What the gateway does over real sockets when its store fails or is not ready, and with replies whose producer is
 * gone. How a reply rides out store failures is unit-tested on virtual time in {@code RepliesTest}.
 */
class StoreFaultsIT {

    private static final Duration TIMEOUT = TestSocket.TIMEOUT;

    @RegisterExtension
    final GatewayExtension gateway = new GatewayExtension();

    @Test
    void theFirstMessageTheStoreCannotTakeClosesTheConnectionWith1013AndTheResendAfterResumeIsStored() {
        TestSocket socket = gateway.connect();
        socket.send(Hello.fresh());
        Welcome welcome = socket.next(Welcome.class);
        // A frozen Redis: calls fail while its connection still looks up, so the store reports ready.
        gateway.faults().failClientAppends(true);

        socket.send(new UserMessage(1, "lost?"));

        ErrorFrame error = socket.next(ErrorFrame.class);
        assertThat(error.code()).isEqualTo(ErrorCode.STORE_UNAVAILABLE);
        WebSocketCloseStatus close = socket.awaitClose();
        assertThat(close.code()).as("closed at the first failure, not when the store reports not ready")
                .isEqualTo(1013);
        assertThat(CloseCode.retryAfter(close.reasonText())).isPresent();
        assertThat(socket.drain()).as("no ack, no reply").isEmpty();

        gateway.faults().failClientAppends(false);
        TestSocket resumed = resume(welcome, 0);
        assertThat(resumed.next(Welcome.class).ackedCseq()).isZero();
        resumed.send(new UserMessage(1, "again"));
        assertThat(resumed.next(ServerAck.class).cseq()).isEqualTo(1);
        assertThat(gateway.store().find(welcome.sessionId()).block(TIMEOUT).ackedCseq()).isEqualTo(1);
    }

    @Test
    void aMessageStoredDespiteALostAnswerIsStillAnsweredOnce() {
        TestSocket socket = gateway.connect();
        socket.send(Hello.fresh());
        Welcome welcome = socket.next(Welcome.class);
        gateway.faults().loseClientAppendAnswers(true);

        socket.send(new UserMessage(1, "answer me anyway"));

        ErrorFrame error = socket.next(ErrorFrame.class);
        assertThat(error.code()).isEqualTo(ErrorCode.STORE_UNAVAILABLE);
        assertThat(error.message()).contains("may not have been stored");
        assertThat(socket.awaitClose().code()).isEqualTo(1013);

        gateway.faults().loseClientAppendAnswers(false);
        TestSocket resumed = resume(welcome, 0);
        assertThat(resumed.next(Welcome.class).resumed()).isTrue();
        List<Sequenced> reply = resumed.collectUntil(Sequenced.class, AssistantDone.class::isInstance);
        assertThat(reply).as("the store answers again, and the node finds it did store the message")
                .extracting(frame -> frame instanceof AssistantDelta delta ? delta.text() : "|")
                .containsExactly("answer", " me", " anyway", "|");
        assertThat(reply.getLast()).isEqualTo(new AssistantDone(4, 1, DoneReason.COMPLETE));
        resumed.send(new UserMessage(1, "answer me anyway"));
        assertThat(resumed.next(ServerAck.class).cseq()).as("the client's resend").isEqualTo(1);
        resumed.send(new Ping(2));
        assertThat(resumed.next()).as("no second reply").isEqualTo(new Pong(2));
    }

    private TestSocket resume(Welcome welcome, long lastSeq) {
        TestSocket socket = gateway.connect();
        socket.send(Hello.resume(new Hello.Resume(welcome.sessionId(), welcome.token(), welcome.epoch(), lastSeq)));
        return socket;
    }

    @Test
    void storeNotReadyMeansHealth503AndHandshakesRefusedWith1013() {
        gateway.gateway();
        gateway.faults().notReady(true);

        int status = HttpClient.create().get().uri(gateway.healthUri())
                .responseSingle((head, body) -> body.asString().thenReturn(head.status().code()))
                .block(TIMEOUT);
        TestSocket socket = gateway.connect();
        WebSocketCloseStatus close = socket.awaitClose();

        assertThat(status).isEqualTo(503);
        assertThat(close.code()).isEqualTo(1013);
        assertThat(CloseCode.retryAfter(close.reasonText())).isPresent();
    }

    @Test
    void replyWhoseLeaseLapsedIsMarkedInterruptedOnResume() {
        TestSocket first = gateway.connect();
        first.send(Hello.fresh());
        Welcome welcome = first.next(Welcome.class);
        // A reply some other node started and then stopped renewing, while that node still looks alive (a dead
        // node's reply would be taken over and continued at once): its lease is there, nobody renews it.
        gateway.store().heartbeatNode("dead-node", Duration.ofMinutes(5)).block(TIMEOUT);
        gateway.store().appendClient(welcome.sessionId(), new UserMessage(1, "hi"), "dead-node", Duration.ofSeconds(30))
                .block(TIMEOUT);
        first.abort();
        gateway.clock().advance(Duration.ofSeconds(31));

        TestSocket second = gateway.connect();
        second.send(Hello.resume(new Hello.Resume(welcome.sessionId(), welcome.token(), welcome.epoch(), 0)));
        assertThat(second.next(Welcome.class).resumed()).isTrue();

        Sequenced done = second.next(Sequenced.class);
        assertThat(done).isEqualTo(new AssistantDone(1, 1, DoneReason.INTERRUPTED));
        assertThat(gateway.store().endLapsedReplies(welcome.sessionId(), Set.of(), "node-x", Duration.ofSeconds(30))
                .collectList().block(TIMEOUT)).as("ended once").isEmpty();
    }
}
