package dev.tether.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tether.gateway.testing.GatewayExtension;
import dev.tether.gateway.testing.RawHttp;
import dev.tether.gateway.testing.TestSocket;
import dev.tether.gateway.testing.TokenIssuer;
import dev.tether.protocol.CloseCode;
import dev.tether.protocol.ErrorCode;
import dev.tether.protocol.ErrorFrame;
import dev.tether.protocol.Hello;
import dev.tether.protocol.ServerAck;
import dev.tether.protocol.UserMessage;
import dev.tether.protocol.Welcome;
import dev.tether.testkit.Eventually;
import io.netty.handler.codec.http.websocketx.WebSocketCloseStatus;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The limits per user against a real gateway with {@code --auth jwt}: connections open at once, new sessions and
 * user messages per minute, shared by every connection of a user, and refused tokens per client address. The
 * pause after {@code rate_limited} is unit-tested on virtual time ({@code MessageRateTest}).
 */
class UserLimitsIT {

    @RegisterExtension
    final GatewayExtension gateway = new GatewayExtension(c -> c.auth(a -> a.mode(AuthOptions.Mode.JWT)
            .secret(TokenIssuer.SECRET).clockSkew(Duration.ZERO)));

    private String token(String sub) {
        gateway.gateway();
        return TokenIssuer.hs256(TokenIssuer.claims(sub, gateway.clock().instant(), Duration.ofMinutes(5), b -> b));
    }

    private TestSocket connected(String sub) {
        TestSocket socket = gateway.connect();
        socket.send(Hello.fresh().withToken(token(sub)));
        socket.next(Welcome.class);
        return socket;
    }

    private WebSocketCloseStatus refused(String token) {
        TestSocket socket = gateway.connect();
        socket.send(Hello.fresh().withToken(token));
        return socket.awaitClose(TestSocket.TIMEOUT);
    }

    @Test
    void aUserOverItsConnectionLimitIsClosedWithTryAgainLaterAndOthersAreNotTouched() {
        gateway.start(c -> c.limits(l -> l.maxConnectionsPerUser(2)));
        TestSocket first = connected("alice");
        connected("alice");
        connected("bob");

        WebSocketCloseStatus close = refused(token("alice"));
        assertThat(close.code()).isEqualTo(CloseCode.TRY_AGAIN_LATER.code());
        assertThat(close.reasonText()).contains("more than 2 connections open for this user").contains("retry-after=");

        first.close();
        Eventually.await("the gateway saw the end", TestSocket.TIMEOUT,
                () -> gateway.gateway().connections() == 2);
        connected("alice");
        assertThat(metrics()).contains("reason=\"user_connections\"} 1.0");
    }

    @Test
    void aUserOverItsRateOfNewSessionsIsClosedWithAHint() {
        gateway.start(c -> c.limits(l -> l.userSessionsPerMinute(2)));
        connected("alice").close();
        connected("alice").close();

        WebSocketCloseStatus close = refused(token("alice"));
        assertThat(close.code()).isEqualTo(CloseCode.TRY_AGAIN_LATER.code());
        assertThat(close.reasonText()).contains("new sessions per minute");
        // 30 s until the next of two a minute, hinted as between that and twice it.
        assertThat(CloseCode.retryAfter(close.reasonText())).get().satisfies(hint ->
                assertThat(hint).isBetween(Duration.ofSeconds(29), Duration.ofSeconds(60)));
        connected("bob");
    }

    @Test
    void theMessagesOfAUserAreCountedAcrossItsConnectionsAndRefusedOnesAreNotStored() {
        gateway.start(c -> c.limits(l -> l.userMessagesPerMinute(1)));
        TestSocket laptop = connected("alice");
        TestSocket phone = connected("alice");
        laptop.send(new UserMessage(1, "hello"));
        assertThat(laptop.nextMatching(ServerAck.class, ack -> true).cseq()).isEqualTo(1);

        phone.send(new UserMessage(1, "from the phone"));
        ErrorFrame error = phone.nextMatching(ErrorFrame.class, e -> true);

        assertThat(error.code()).isEqualTo(ErrorCode.RATE_LIMITED);
        assertThat(error.retryAfterMs()).isBetween(1L, 120_000L);
        TestSocket bobs = connected("bob");
        bobs.send(new UserMessage(1, "bob has his own"));
        assertThat(bobs.nextMatching(ServerAck.class, ack -> true).cseq()).isEqualTo(1);
        assertThat(metrics()).contains("outcome=\"rate_limited\"} 1.0").contains("outcome=\"stored\"} 2.0");
    }

    @Test
    void anAddressThatKeepsPresentingBadTokensIsClosedWithPolicyViolationEvenWithAGoodOne() {
        gateway.start(c -> c.limits(l -> l.failedAuthLimit(2)));
        assertThat(refused("garbage").code()).isEqualTo(4001);
        assertThat(refused("garbage").code()).isEqualTo(4001);

        WebSocketCloseStatus over = refused("garbage");
        assertThat(over.code()).isEqualTo(CloseCode.POLICY_VIOLATION.code());
        assertThat(over.reasonText()).contains("failed authentications").contains("retry-after=");
        assertThat(refused(token("alice")).code()).as("during the cool-down, a good token too")
                .isEqualTo(CloseCode.POLICY_VIOLATION.code());
        assertThat(metrics()).contains("reason=\"failed_auth\"} 2.0");
    }

    private String metrics() {
        return RawHttp.get(gateway.gateway().port(), "/metrics").text();
    }
}
