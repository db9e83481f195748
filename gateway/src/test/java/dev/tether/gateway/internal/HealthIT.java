package dev.tether.gateway.internal;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tether.gateway.testing.GatewayExtension;
import dev.tether.gateway.testing.TestSocket;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import reactor.netty.http.client.HttpClient;
import reactor.test.scheduler.VirtualTimeScheduler;

/** {@code /health} with the gateway's timers on virtual time: readiness follows the store's connection alone. */
class HealthIT {

    private final VirtualTimeScheduler time = VirtualTimeScheduler.create();

    @RegisterExtension
    final GatewayExtension gateway = new GatewayExtension().scheduler(time);

    private record Answer(int status, JsonNode body) {
    }

    /** Asks {@code /health}, moving virtual time on until it answers, so a slow count times out. */
    private Answer health() throws Exception {
        CompletableFuture<Answer> answer = HttpClient.create().get().uri(gateway.healthUri())
                .responseSingle((head, body) -> body.asString()
                        .map(text -> new Answer(head.status().code(), readTree(text))))
                .toFuture();
        long deadline = System.nanoTime() + TestSocket.TIMEOUT.toNanos();
        while (!answer.isDone() && System.nanoTime() < deadline) {
            time.advanceTimeBy(Health.STATS_TIMEOUT.dividedBy(10));
            Thread.onSpinWait();
        }
        return answer.get(1, TimeUnit.SECONDS);
    }

    private static JsonNode readTree(String text) {
        try {
            return new ObjectMapper().readTree(text);
        } catch (java.io.IOException e) {
            throw new AssertionError(text, e);
        }
    }

    @Test
    void aStoreSlowToCountLeavesTheNodeReadyWithTheLastCountsMarkedStale() throws Exception {
        gateway.gateway();
        Answer fresh = health();
        gateway.faults().silent(true);

        Answer slow = health();

        assertThat(fresh.status()).isEqualTo(200);
        assertThat(fresh.body().get("sessions").get("stale").booleanValue()).isFalse();
        assertThat(slow.status()).as("one slow answer is not an outage").isEqualTo(200);
        assertThat(slow.body().get("ready").booleanValue()).isTrue();
        assertThat(slow.body().get("sessions").get("stale").booleanValue()).isTrue();
        assertThat(slow.body().get("sessions").get("ageMs").longValue())
                .isGreaterThanOrEqualTo(Health.STATS_TIMEOUT.toMillis());
    }

    @Test
    void aStoreSlowToCountBeforeItEverCountedReportsNoCounts() throws Exception {
        gateway.gateway();
        gateway.faults().silent(true);

        Answer slow = health();

        assertThat(slow.status()).isEqualTo(200);
        assertThat(slow.body().get("sessions").isNull()).isTrue();
    }

    @Test
    void aStoreWhoseConnectionIsDownMakesTheNodeNotReady() throws Exception {
        gateway.gateway();
        gateway.faults().notReady(true);

        Answer down = health();

        assertThat(down.status()).isEqualTo(503);
        assertThat(down.body().get("ready").booleanValue()).isFalse();
        assertThat(down.body().get("status").textValue()).isEqualTo("not_ready");
    }
}
