package dev.tether.gateway.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import reactor.test.scheduler.VirtualTimeScheduler;

class BadFramesTest {

    private final VirtualTimeScheduler time = VirtualTimeScheduler.create();
    private final BadFrames badFrames = new BadFrames(Duration.ofSeconds(60), time);

    @Test
    void countsTheBadFramesWithinTheWindowOnly() {
        assertThat(badFrames.add()).isEqualTo(1);
        time.advanceTimeBy(Duration.ofSeconds(30));
        assertThat(badFrames.add()).isEqualTo(2);
        time.advanceTimeBy(Duration.ofSeconds(29));
        assertThat(badFrames.add()).isEqualTo(3);

        time.advanceTimeBy(Duration.ofSeconds(1));
        assertThat(badFrames.add()).as("the first is a window old").isEqualTo(3);
        time.advanceTimeBy(Duration.ofMinutes(10));
        assertThat(badFrames.add()).isEqualTo(1);
    }
}
