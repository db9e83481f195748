package dev.tether.gateway.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import reactor.test.scheduler.VirtualTimeScheduler;

/** Token buckets per key on virtual time: the burst, the refill, the wait told, and the bounded table. */
class TokenBucketsTest {

    private final VirtualTimeScheduler time = VirtualTimeScheduler.create();

    @AfterEach
    void dispose() {
        time.dispose();
    }

    @Test
    void aKeyMayBurstThenGoesAtTheRate() {
        TokenBuckets buckets = TokenBuckets.perSecond(10, 3, 100, time);
        for (int i = 0; i < 3; i++) {
            assertThat(buckets.take("a")).isZero();
        }
        assertThat(buckets.take("a")).isEqualTo(Duration.ofMillis(100));
        assertThat(buckets.take("b")).as("another key has its own bucket").isZero();

        time.advanceTimeBy(Duration.ofMillis(40));
        assertThat(buckets.take("a")).isEqualTo(Duration.ofMillis(60));
        time.advanceTimeBy(Duration.ofMillis(60));
        assertThat(buckets.take("a")).isZero();
        assertThat(buckets.take("a")).isEqualTo(Duration.ofMillis(100));
    }

    @Test
    void aPauseRefillsUpToTheBurstOnly() {
        TokenBuckets buckets = TokenBuckets.perSecond(10, 3, 100, time);
        buckets.take("a");
        time.advanceTimeBy(Duration.ofHours(1));
        for (int i = 0; i < 3; i++) {
            assertThat(buckets.take("a")).isZero();
        }
        assertThat(buckets.take("a")).isPositive();
    }

    @Test
    void refusalsSpendNothing() {
        TokenBuckets buckets = new TokenBuckets(1, Duration.ofMinutes(1), 100, time);
        buckets.take("a");
        for (int i = 0; i < 100; i++) {
            buckets.take("a");
        }
        time.advanceTimeBy(Duration.ofMinutes(1));
        assertThat(buckets.take("a")).as("hammering during the wait does not push it back").isZero();
    }

    @Test
    void theTableForgetsTheKeyHeardFromLeastRecently() {
        TokenBuckets buckets = TokenBuckets.perSecond(1, 1, 2, time);
        buckets.take("a");
        buckets.take("b");
        buckets.take("a");
        buckets.take("c");
        assertThat(buckets.size()).isEqualTo(2);
        assertThat(buckets.take("b")).as("forgotten: a full bucket again").isZero();
        assertThat(buckets.take("c")).as("remembered").isPositive();
    }
}
