package dev.tether.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tether.gateway.testing.GatewayExtension;
import dev.tether.gateway.testing.TestSocket;
import dev.tether.protocol.CloseCode;
import dev.tether.protocol.ErrorCode;
import dev.tether.protocol.ErrorFrame;
import dev.tether.protocol.Hello;
import dev.tether.protocol.ServerAck;
import dev.tether.protocol.UserMessage;
import dev.tether.protocol.Welcome;
import io.netty.handler.codec.http.websocketx.WebSocketCloseStatus;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * User messages over the limit without authentication, where each session counts as its own user: refused with
 * {@code rate_limited} and not stored, what follows refused too, and a client that keeps sending while told to wait
 * closed with 1008. The Java client's resend after the hint is tested end to end in the e2e module.
 */
class RateLimitedMessagesIT {

    @RegisterExtension
    final GatewayExtension gateway = new GatewayExtension(c -> c.limits(l -> l.userMessagesPerMinute(1)
            .maxIgnoredRateLimits(3)));

    @Test
    void aMessageOverTheLimitAndThoseAfterItAreRefusedUnstoredAndResendingBeforeTheHintCloses1008() {
        TestSocket socket = gateway.connect();
        socket.send(Hello.fresh());
        Welcome welcome = socket.next(Welcome.class);
        socket.send(new UserMessage(1, "one"));
        assertThat(socket.nextMatching(ServerAck.class, ack -> true).cseq()).isEqualTo(1);

        socket.send(new UserMessage(2, "two"));
        socket.send(new UserMessage(3, "three"));
        ErrorFrame first = socket.nextMatching(ErrorFrame.class, e -> true);
        ErrorFrame second = socket.nextMatching(ErrorFrame.class, e -> true);
        assertThat(first.code()).isEqualTo(ErrorCode.RATE_LIMITED);
        assertThat(first.message()).startsWith("cseq 2 was not stored");
        assertThat(second.code()).as("cseq 3 cannot be stored before 2").isEqualTo(ErrorCode.RATE_LIMITED);
        assertThat(second.retryAfterMs()).isPositive().isLessThanOrEqualTo(first.retryAfterMs());
        assertThat(gateway.store().find(welcome.sessionId()).block(TestSocket.TIMEOUT).ackedCseq()).isEqualTo(1);

        socket.send(new UserMessage(1, "one"));
        assertThat(socket.nextMatching(ServerAck.class, ack -> true).cseq()).as("a resend of a stored one passes")
                .isEqualTo(1);
        for (int i = 0; i < 3; i++) {
            socket.send(new UserMessage(2, "two"));
        }
        WebSocketCloseStatus close = socket.awaitClose(TestSocket.TIMEOUT);
        assertThat(close.code()).isEqualTo(CloseCode.POLICY_VIOLATION.code());
        assertThat(close.reasonText()).contains("while told to wait");
    }
}
