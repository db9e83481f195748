package dev.tether.gateway.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tether.gateway.PushApiOptions;
import dev.tether.gateway.testing.GatewayExtension;
import dev.tether.gateway.testing.TestSocket;
import dev.tether.protocol.Hello;
import dev.tether.protocol.Welcome;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import reactor.core.publisher.Mono;
import reactor.netty.ByteBufFlux;
import reactor.netty.http.client.HttpClient;
import reactor.test.scheduler.VirtualTimeScheduler;

/** The push API's limit on failed authentications, with the gateway's time virtual. */
class PushApiAuthLimitIT {

    private static final String KEY = "push-api-key-0123456789";

    private final VirtualTimeScheduler time = VirtualTimeScheduler.create();

    @RegisterExtension
    final GatewayExtension gateway = new GatewayExtension(c -> c.pushApi(PushApiOptions.withApiKey(KEY)))
            .scheduler(time);

    private record Reply(int status, String retryAfter) {
    }

    private Reply post(String sessionId, String bearer) {
        return HttpClient.create()
                .headers(h -> h.set("Authorization", "Bearer " + bearer))
                .post()
                .uri("http://127.0.0.1:" + gateway.gateway().port() + "/api/v1/sessions/" + sessionId + "/events")
                .send(ByteBufFlux.fromString(Mono.just("{\"name\":\"tick\"}")))
                .responseSingle((head, content) -> content.asString().defaultIfEmpty("")
                        .thenReturn(new Reply(head.status().code(), head.responseHeaders().get("Retry-After"))))
                .block(TestSocket.TIMEOUT);
    }

    @Test
    void wrongKeysFromOneAddressAreRefusedWith429UntilTheWindowEnds() {
        TestSocket socket = gateway.connect();
        socket.send(Hello.fresh());
        String session = socket.next(Welcome.class).sessionId();

        for (int i = 0; i < ApiGuard.AUTH_FAILURE_LIMIT; i++) {
            assertThat(post(session, "guess-" + i).status()).as("guess %d", i).isEqualTo(401);
        }
        Reply guess = post(session, "one-more-guess");
        Reply right = post(session, KEY);
        time.advanceTimeBy(ApiGuard.AUTH_FAILURE_COOLDOWN.minusSeconds(1));
        Reply later = post(session, KEY);
        time.advanceTimeBy(java.time.Duration.ofSeconds(1));
        Reply after = post(session, KEY);

        assertThat(guess.status()).isEqualTo(429);
        assertThat(guess.retryAfter()).isEqualTo(Long.toString(ApiGuard.AUTH_FAILURE_COOLDOWN.toSeconds()));
        assertThat(right.status()).as("the right key too, or guessing would go on at full speed").isEqualTo(429);
        assertThat(later.status()).isEqualTo(429);
        assertThat(later.retryAfter()).isEqualTo("1");
        assertThat(after.status()).as("the cool-down is over").isEqualTo(200);
    }
}
