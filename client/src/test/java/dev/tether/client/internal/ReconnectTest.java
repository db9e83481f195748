package dev.tether.client.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tether.client.ConnectionFailedException;
import dev.tether.client.TetherClientException;
import dev.tether.client.TetherClientOptions;
import dev.tether.protocol.CloseCode;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import reactor.core.publisher.Flux;
import reactor.test.StepVerifier;
import reactor.test.scheduler.VirtualTimeScheduler;

class ReconnectTest {

    private static final Duration VERIFY = Duration.ofSeconds(5);

    private final VirtualTimeScheduler time = VirtualTimeScheduler.create();
    private final List<Long> subscribedAt = new CopyOnWriteArrayList<>();
    private final List<Wait> waits = new CopyOnWriteArrayList<>();
    private final List<Long> retrying = new CopyOnWriteArrayList<>();

    private record Wait(long attempt, Duration delay) {
    }

    private TetherClientOptions.Builder options() {
        return TetherClientOptions.builder().endpoint("ws://127.0.0.1:1/ws").scheduler(time);
    }

    private Flux<String> retried(TetherClientOptions options, Supplier<Flux<String>> attempt,
                                 Predicate<Throwable> mayRetry) {
        return Reconnect.reconnecting(Flux.defer(() -> {
            subscribedAt.add(time.now(TimeUnit.MILLISECONDS));
            return attempt.get();
        }), options, mayRetry, new Reconnect.Listener() {
            @Override
            public void retrying(long attempt, Throwable failure) {
                retrying.add(attempt);
            }

            @Override
            public void waiting(long attempt, Duration delay) {
                waits.add(new Wait(attempt, delay));
            }
        });
    }

    private Flux<String> alwaysFailing(TetherClientOptions options) {
        return retried(options, () -> Flux.error(new IOException("connection refused")), error -> true);
    }

    /** The bounds Retry.backoff draws the jittered delay from, in milliseconds. */
    private static long[] bounds(long attempt, long baseMs, long maxMs, double jitter) {
        long nominal = (long) Math.min(baseMs * Math.pow(2, attempt - 1), maxMs);
        long offset = nominal * (long) (100 * jitter) / 100;
        long low = Math.max(baseMs - nominal, -offset);
        long high = Math.min(maxMs - nominal, offset);
        return new long[] {nominal + low, nominal + high};
    }

    @Test
    void backoffDoublesFromBaseToMaxWithoutJitter() {
        TetherClientOptions options = options().reconnectJitter(0).maxReconnectAttempts(7).build();

        StepVerifier.create(alwaysFailing(options))
                .then(() -> time.advanceTimeBy(Duration.ofMinutes(5)))
                .expectError(ConnectionFailedException.class)
                .verify(VERIFY);

        assertThat(waits).extracting(Wait::delay).containsExactly(Duration.ofSeconds(1), Duration.ofSeconds(2),
                Duration.ofSeconds(4), Duration.ofSeconds(8), Duration.ofSeconds(16), Duration.ofSeconds(30),
                Duration.ofSeconds(30));
        assertThat(waits).extracting(Wait::attempt).containsExactly(1L, 2L, 3L, 4L, 5L, 6L, 7L);
        assertThat(subscribedAt).containsExactly(0L, 1_000L, 3_000L, 7_000L, 15_000L, 31_000L, 61_000L, 91_000L);
    }

    @Test
    void jitteredDelaysStayWithinTheirRangesAndAreTheRealWaits() {
        TetherClientOptions options = options().maxReconnectAttempts(8).build();

        StepVerifier.create(alwaysFailing(options))
                .then(() -> time.advanceTimeBy(Duration.ofMinutes(10)))
                .expectErrorSatisfies(error -> assertThat(error)
                        .isInstanceOf(ConnectionFailedException.class)
                        .hasMessageContaining("after 8 attempts")
                        .hasCauseInstanceOf(IOException.class))
                .verify(VERIFY);

        assertThat(waits).hasSize(8);
        for (int i = 0; i < waits.size(); i++) {
            long[] range = bounds(i + 1, 1_000, 30_000, 0.3);
            assertThat(waits.get(i).delay().toMillis()).as("attempt %d", i + 1).isBetween(range[0], range[1]);
            assertThat(subscribedAt.get(i + 1) - subscribedAt.get(i)).isEqualTo(waits.get(i).delay().toMillis());
        }
    }

    @Test
    void jitterVariesTheDelays() {
        TetherClientOptions options = options().unlimitedReconnectAttempts().reconnectMaxDelay(Duration.ofSeconds(2))
                .reconnectJitter(0.5).build();

        StepVerifier.create(alwaysFailing(options).take(Duration.ofMinutes(1), time))
                .then(() -> time.advanceTimeBy(Duration.ofMinutes(1)))
                .expectComplete()
                .verify(VERIFY);

        // From the second attempt on the nominal delay is the 2 s cap, drawn down by up to half of it.
        assertThat(waits).hasSizeGreaterThan(30);
        assertThat(waits).allSatisfy(wait -> assertThat(wait.delay().toMillis()).isBetween(1_000L, 2_000L));
        assertThat(waits.stream().map(Wait::delay).distinct().count()).isGreaterThan(5);
    }

    @Test
    void attemptCountRestartsAfterASuccessfulHandshake() {
        TetherClientOptions options = options().reconnectJitter(0).maxReconnectAttempts(3).build();
        AtomicInteger calls = new AtomicInteger();
        // Attempts 1-3 fail, the 4th gets a welcome then drops, then 3 more fail: exhausted only after those.
        Flux<String> lifecycle = retried(options, () -> calls.incrementAndGet() == 4
                ? Flux.just("welcome").concatWith(Flux.error(new IOException("dropped")))
                : Flux.error(new IOException("refused")), error -> true);

        StepVerifier.create(lifecycle)
                .then(() -> time.advanceTimeBy(Duration.ofSeconds(7)))
                .expectNext("welcome")
                .then(() -> time.advanceTimeBy(Duration.ofMinutes(1)))
                .expectError(ConnectionFailedException.class)
                .verify(VERIFY);

        assertThat(retrying).containsExactly(1L, 2L, 3L, 1L, 2L, 3L);
        assertThat(waits).extracting(Wait::delay).containsExactly(Duration.ofSeconds(1), Duration.ofSeconds(2),
                Duration.ofSeconds(4), Duration.ofSeconds(1), Duration.ofSeconds(2), Duration.ofSeconds(4));
        assertThat(calls).hasValue(7);
    }

    @ParameterizedTest
    @ValueSource(ints = {1000, 1008, 1009, 4001, 4009})
    void terminalCloseCodesStopRetrying(int code) {
        TetherClientOptions options = options().unlimitedReconnectAttempts().build();
        Flux<String> lifecycle = retried(options,
                () -> Flux.error(TetherClientException.closedByPeer(code, "no")), error -> true);

        StepVerifier.create(lifecycle)
                .then(() -> time.advanceTimeBy(Duration.ofMinutes(1)))
                .expectErrorSatisfies(error -> assertThat(error)
                        .isInstanceOfSatisfying(dev.tether.client.ConnectionClosedException.class,
                                closed -> assertThat(closed.code()).isEqualTo(code)))
                .verify(VERIFY);

        assertThat(subscribedAt).hasSize(1);
        assertThat(waits).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(ints = {1001, 1006, 1011, 1012, 1013, 4999})
    void otherCloseCodesReconnect(int code) {
        TetherClientOptions options = options().reconnectJitter(0).maxReconnectAttempts(2).build();
        Flux<String> lifecycle = retried(options,
                () -> Flux.error(TetherClientException.closedByPeer(code, "")), error -> true);

        StepVerifier.create(lifecycle)
                .then(() -> time.advanceTimeBy(Duration.ofMinutes(1)))
                .expectError(ConnectionFailedException.class)
                .verify(VERIFY);

        assertThat(CloseCode.of(code).shouldReconnect()).isTrue();
        assertThat(subscribedAt).hasSize(3);
    }

    @Test
    void aRefusalIsWaitedAsHintedAndNeitherGrowsTheBackoffNorCountsAsAnAttempt() {
        TetherClientOptions options = options().maxReconnectAttempts(1).build();
        String reason = CloseCode.retryAfterReason("overloaded", Duration.ofSeconds(5));
        AtomicInteger calls = new AtomicInteger();
        // Refused three times, then a plain failure every time: one backoff attempt is allowed.
        Flux<String> lifecycle = retried(options, () -> calls.incrementAndGet() <= 3
                ? Flux.error(TetherClientException.closedByPeer(1013, reason))
                : Flux.error(new IOException("connection refused")), error -> true);

        StepVerifier.create(lifecycle)
                .then(() -> time.advanceTimeBy(Duration.ofMinutes(1)))
                .expectError(ConnectionFailedException.class)
                .verify(VERIFY);

        assertThat(subscribedAt).hasSize(5);
        assertThat(waits).hasSize(4);
        // The hint of 5000 ms spread by up to 30%, never added to a backoff.
        assertThat(waits.subList(0, 3)).allSatisfy(wait ->
                assertThat(wait.delay().toMillis()).isBetween(5_000L, 6_500L));
        // After three refusals the backoff starts at its base: refusals did not grow it.
        long[] first = bounds(1, 1000, 30_000, 0.3);
        assertThat(waits.get(3).delay().toMillis()).isBetween(first[0], first[1]);
        for (int i = 0; i < 4; i++) {
            assertThat(subscribedAt.get(i + 1) - subscribedAt.get(i)).isEqualTo(waits.get(i).delay().toMillis());
        }
    }

    @Test
    void aVetoFromTheClientStopsRetrying() {
        TetherClientOptions options = options().unlimitedReconnectAttempts().build();
        Flux<String> lifecycle = retried(options, () -> Flux.error(new IOException("cut")), error -> false);

        StepVerifier.create(lifecycle)
                .expectError(IOException.class)
                .verify(VERIFY);
        assertThat(subscribedAt).hasSize(1);
    }
}
