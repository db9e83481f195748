package dev.tether.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tether.gateway.testing.GatewayExtension;
import dev.tether.gateway.testing.TestSocket;
import dev.tether.protocol.Hello;
import dev.tether.protocol.ResumeFailure;
import dev.tether.protocol.Welcome;
import io.netty.handler.codec.http.websocketx.WebSocketCloseStatus;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Guessing session tokens against a real gateway: failed resumes are limited per client address, which is the TCP
 * peer's, or behind a trusted proxy the last entry of its header. The limit's timing is unit-tested on virtual time
 * ({@code AddressFailuresTest}, {@code HandshakeTest}).
 */
class ResumeGuessingIT {

    private static final int LIMIT = 3;

    @RegisterExtension
    final GatewayExtension gateway = new GatewayExtension(c -> c.resumes(r -> r.failedResumeLimit(LIMIT)
            .failedResumeWindow(Duration.ofMinutes(1)).failedResumeCooldown(Duration.ofMinutes(1))));

    @Test
    void guessingTokensPastTheLimitClosesWithPolicyViolationAndCreatesNoSession() {
        Welcome victim = welcome(gateway.connect(), Hello.fresh());
        Hello guess = Hello.resume(new Hello.Resume(victim.sessionId(), "guess", victim.epoch(), 0));
        for (int i = 0; i < LIMIT; i++) {
            Welcome failed = welcome(gateway.connect(), guess);
            assertThat(failed.reason()).isEqualTo(ResumeFailure.BAD_TOKEN);
            assertThat(failed.sessionId()).isNotEqualTo(victim.sessionId());
        }
        long sessions = gateway.store().stats().block(TestSocket.TIMEOUT).total();

        TestSocket refused = gateway.connect();
        refused.send(guess);
        WebSocketCloseStatus close = refused.awaitClose(TestSocket.TIMEOUT);

        assertThat(close.code()).isEqualTo(1008);
        assertThat(close.reasonText()).contains("failed resumes").contains("retry-after=");
        assertThat(gateway.store().stats().block(TestSocket.TIMEOUT).total()).isEqualTo(sessions);
        assertThat(welcome(gateway.connect(), Hello.fresh()).resumed()).as("new sessions are still served")
                .isFalse();
    }

    @Test
    void behindAProxyTheLastForwardedAddressIsCountedAndEarlierEntriesAreIgnored() {
        gateway.start(c -> c.resumes(r -> r.failedResumeLimit(1))
                .proxy(p -> p.clientAddressHeader("X-Forwarded-For")));
        Hello unknown = Hello.resume(new Hello.Resume("no-such-session", "guess", 1, 0));

        assertThat(welcome(gateway.connect(Map.of("X-Forwarded-For", "198.51.100.7, 10.0.0.1")), unknown).reason())
                .isEqualTo(ResumeFailure.NOT_FOUND);
        TestSocket forged = gateway.connect(Map.of("X-Forwarded-For", "203.0.113.9, 10.0.0.1"));
        forged.send(unknown);
        assertThat(forged.awaitClose(TestSocket.TIMEOUT).code()).as("a forged first entry changes nothing")
                .isEqualTo(1008);

        assertThat(welcome(gateway.connect(Map.of("X-Forwarded-For", "10.0.0.2")), unknown).reason())
                .as("another client behind the same proxy").isEqualTo(ResumeFailure.NOT_FOUND);
    }

    private static Welcome welcome(TestSocket socket, Hello hello) {
        socket.send(hello);
        Welcome welcome = socket.next(Welcome.class);
        socket.close();
        return welcome;
    }
}
