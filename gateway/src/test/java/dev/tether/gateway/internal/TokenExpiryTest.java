package dev.tether.gateway.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tether.gateway.testing.MutableClock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import reactor.test.scheduler.VirtualTimeScheduler;

class TokenExpiryTest {

    private final VirtualTimeScheduler time = VirtualTimeScheduler.create();
    private final MutableClock clock = MutableClock.atEpochStart();
    private final AtomicInteger expired = new AtomicInteger();
    private final TokenExpiry expiry = new TokenExpiry(time, clock, expired::incrementAndGet);

    @AfterEach
    void stop() {
        expiry.dispose();
        time.dispose();
    }

    /** Moves the wall clock and the scheduler together, as they move in production. */
    private void elapse(Duration duration) {
        clock.advance(duration);
        time.advanceTimeBy(duration);
    }

    @Test
    void expiresOnceAtTheDeadline() {
        expiry.until(clock.instant().plusSeconds(60));

        elapse(Duration.ofSeconds(59));
        assertThat(expired).hasValue(0);
        elapse(Duration.ofSeconds(1));
        assertThat(expired).hasValue(1);
        elapse(Duration.ofHours(1));
        assertThat(expired).hasValue(1);
    }

    @Test
    void aRefreshMovesTheDeadlineEitherWay() {
        expiry.until(clock.instant().plusSeconds(60));
        elapse(Duration.ofSeconds(50));

        expiry.until(clock.instant().plusSeconds(60));
        elapse(Duration.ofSeconds(59));
        assertThat(expired).as("the first deadline has passed, the new one not").hasValue(0);

        expiry.until(clock.instant().plusSeconds(5));
        elapse(Duration.ofSeconds(5));
        assertThat(expired).hasValue(1);
    }

    @Test
    void aDeadlineAlreadyPastExpiresAtOnce() {
        expiry.until(clock.instant().minusSeconds(1));

        assertThat(expired).hasValue(1);
    }

    @Test
    void aWallClockThatRunsAheadOfTheTimerIsReadAgainWhenItFires() {
        Instant deadline = clock.instant().plusSeconds(60);
        expiry.until(deadline);

        // The timer fires after 60 s of scheduler time, but the wall clock says only 30 s passed: wait the rest.
        clock.advance(Duration.ofSeconds(30));
        time.advanceTimeBy(Duration.ofSeconds(60));
        assertThat(expired).hasValue(0);
        clock.advance(Duration.ofSeconds(30));
        time.advanceTimeBy(Duration.ofSeconds(30));
        assertThat(expired).hasValue(1);
    }

    @Test
    void nothingExpiresOnceDisposed() {
        expiry.until(clock.instant().plusSeconds(1));
        expiry.dispose();

        elapse(Duration.ofMinutes(1));
        assertThat(expired).hasValue(0);
    }
}
