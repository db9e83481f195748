package dev.tether.gateway.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tether.gateway.testing.GatewayExtension;
import dev.tether.gateway.testing.TestSocket;
import dev.tether.protocol.AssistantDone;
import dev.tether.protocol.ClientAck;
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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import reactor.test.scheduler.VirtualTimeScheduler;

/**
 * One connection over a real socket with the gateway's timers on virtual time: the test moves time, the socket shows
 * what the gateway did. A ping answered with its pong marks the point where every frame sent before it was handled.
 */
class ConnectionIT {

    private static final Duration HEARTBEAT = Duration.ofSeconds(10);
    private static final Duration IDLE_TIMEOUT = HEARTBEAT.multipliedBy(3).dividedBy(2);
    private static final Duration HELLO_TIMEOUT = Duration.ofSeconds(5);

    private final VirtualTimeScheduler time = VirtualTimeScheduler.create();

    @RegisterExtension
    final GatewayExtension gateway = new GatewayExtension(config -> config.connections(c -> c
            .heartbeat(HEARTBEAT)
            .helloTimeout(HELLO_TIMEOUT)
            .badFrameLimit(3)))
            .scheduler(time);

    private TestSocket welcomed() {
        TestSocket socket = gateway.connect();
        socket.send(Hello.fresh());
        socket.next(Welcome.class);
        handled(socket, 0);
        return socket;
    }

    /** Returns once the gateway has handled every frame sent before. */
    private static void handled(TestSocket socket, long t) {
        socket.send(new Ping(t));
        socket.nextMatching(Pong.class, pong -> pong.t() == t);
    }

    @Test
    void noHelloWithinTheHelloTimeoutClosesWithTryAgainLater() {
        TestSocket socket = gateway.connect();
        awaitAwaitingHello(1);

        time.advanceTimeBy(HELLO_TIMEOUT);

        WebSocketCloseStatus close = socket.awaitClose();
        assertThat(close.code()).isEqualTo(1013);
        assertThat(close.reasonText()).contains("no hello within 5000ms");
        awaitAwaitingHello(0);
    }

    @Test
    void theGatewayPingsEveryHeartbeatAndClosesASilentPeerAfterTheIdleTimeout() {
        TestSocket socket = welcomed();

        time.advanceTimeBy(HEARTBEAT);
        assertThat(socket.next(Ping.class)).isNotNull();
        time.advanceTimeBy(IDLE_TIMEOUT.minus(HEARTBEAT));

        WebSocketCloseStatus close = socket.awaitClose();
        assertThat(close.code()).isEqualTo(1001);
        assertThat(close.reasonText()).contains("nothing heard for 15000ms");
    }

    @Test
    void aPeerThatAnswersStaysConnected() {
        TestSocket socket = welcomed();

        for (int i = 1; i <= 10; i++) {
            time.advanceTimeBy(HEARTBEAT);
            Ping ping = socket.next(Ping.class);
            socket.send(new Pong(ping.t()));
            handled(socket, i);
        }

        assertThat(gateway.gateway().connections()).isEqualTo(1);
    }

    @Test
    void anAckAboveEverySeqSentIsAValidationErrorAndTheConnectionStaysOpen() {
        TestSocket socket = welcomed();

        socket.send(new ClientAck(1));
        ErrorFrame error = socket.next(ErrorFrame.class);
        socket.send(new UserMessage(1, "hi"));
        assertThat(socket.next(ServerAck.class).cseq()).isEqualTo(1);
        socket.collectUntil(Sequenced.class, AssistantDone.class::isInstance);
        socket.send(new ClientAck(2));
        handled(socket, 1);

        assertThat(error.code()).isEqualTo(ErrorCode.VALIDATION_ERROR);
        assertThat(error.message()).isEqualTo("ack.seq must be at most 0, the highest seq sent, got 1");
        assertThat(socket.drain()).as("the ack of what was sent is accepted").isEmpty();
    }

    @Test
    void anAckOfWhatAnEarlierConnectionReceivedIsAcceptedAfterAResume() {
        TestSocket first = gateway.connect();
        first.send(Hello.fresh());
        Welcome welcome = first.next(Welcome.class);
        first.send(new UserMessage(1, "one two"));
        first.collectUntil(Sequenced.class, AssistantDone.class::isInstance);
        first.abort();

        TestSocket second = gateway.connect();
        second.send(Hello.resume(new Hello.Resume(welcome.sessionId(), welcome.token(), welcome.epoch(), 3)));
        assertThat(second.next(Welcome.class).resumed()).isTrue();
        second.send(new ClientAck(3));
        handled(second, 1);
        second.send(new ClientAck(4));

        assertThat(second.next(ErrorFrame.class).code()).isEqualTo(ErrorCode.VALIDATION_ERROR);
    }

    @Test
    void badAcksCountAsBadFrames() {
        TestSocket socket = welcomed();

        for (int i = 1; i <= 3; i++) {
            socket.send(new ClientAck(i));
        }

        assertThat(socket.awaitClose().code()).isEqualTo(1008);
    }

    private void awaitAwaitingHello(int expected) {
        AwaitingHello awaiting = ((ServerHandle) gateway.gateway()).awaitingHello();
        long deadline = System.nanoTime() + TestSocket.TIMEOUT.toNanos();
        while (awaiting.count() != expected) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("connections awaiting hello never became " + expected);
            }
            Thread.onSpinWait();
        }
    }
}
