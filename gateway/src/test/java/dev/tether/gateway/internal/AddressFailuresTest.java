package dev.tether.gateway.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tether.gateway.ResumeOptions;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import reactor.test.scheduler.VirtualTimeScheduler;

/** The table of failures per address on virtual time: counting per window, the cool-down, and its bounded size. */
class AddressFailuresTest {

    private final VirtualTimeScheduler time = VirtualTimeScheduler.create();

    @AfterEach
    void dispose() {
        time.dispose();
    }

    private AddressFailures table(int limit, int addresses) {
        return new AddressFailures(ResumeOptions.builder().failedResumeLimit(limit)
                .failedResumeWindow(Duration.ofMinutes(1)).failedResumeCooldown(Duration.ofMinutes(5))
                .trackedAddresses(addresses).build(), time);
    }

    @Test
    void theFailureOverTheLimitStartsTheCooldownWhichEndsOnTime() {
        AddressFailures table = table(2, 10);

        assertThat(table.failed("a")).isZero();
        assertThat(table.failed("a")).isZero();
        assertThat(table.coolingDown("a")).isZero();
        assertThat(table.failed("a")).isEqualTo(Duration.ofMinutes(5));

        time.advanceTimeBy(Duration.ofMinutes(2));
        assertThat(table.coolingDown("a")).isEqualTo(Duration.ofMinutes(3));
        assertThat(table.coolingDown("b")).as("per address").isZero();
        time.advanceTimeBy(Duration.ofMinutes(3));
        assertThat(table.coolingDown("a")).isZero();
        assertThat(table.failed("a")).as("a fresh count after the cool-down").isZero();
    }

    @Test
    void aWindowThatEndsForgetsItsFailures() {
        AddressFailures table = table(2, 10);

        table.failed("a");
        table.failed("a");
        time.advanceTimeBy(Duration.ofMinutes(1));

        assertThat(table.failed("a")).isZero();
        assertThat(table.failed("a")).isZero();
        assertThat(table.failed("a")).isEqualTo(Duration.ofMinutes(5));
    }

    @Test
    void theTableHoldsAtMostItsCapacityForgettingTheLeastRecentlyHeard() {
        AddressFailures table = table(1, 100);
        table.failed("kept");
        for (int i = 0; i < 10_000; i++) {
            table.failed("flood-" + i);
            if (i % 50 == 0) {
                table.failed("kept");
            }
        }

        assertThat(table.size()).isEqualTo(100);
        assertThat(table.coolingDown("kept")).as("an address heard often is not pushed out").isPositive();
    }
}
