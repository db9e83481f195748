package dev.tether.gateway.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tether.gateway.testing.MutableClock;
import dev.tether.protocol.Ping;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import reactor.test.scheduler.VirtualTimeScheduler;

/** Heartbeats and the idle timeout on virtual time. */
class KeepAliveTest {

    private static final Duration HEARTBEAT = Duration.ofSeconds(10);
    private static final Duration IDLE_TIMEOUT = Duration.ofSeconds(15);

    private final VirtualTimeScheduler time = VirtualTimeScheduler.create();
    private final MutableClock clock = MutableClock.atEpochStart();
    private final List<Ping> pings = new CopyOnWriteArrayList<>();
    private final AtomicInteger idle = new AtomicInteger();
    private final KeepAlive keepAlive = new KeepAlive(HEARTBEAT, IDLE_TIMEOUT, time, clock, pings::add,
            idle::incrementAndGet);

    @AfterEach
    void close() {
        keepAlive.dispose();
        time.dispose();
    }

    @Test
    void pingsEveryHeartbeatWithTheClocksTime() {
        keepAlive.start();

        time.advanceTimeBy(HEARTBEAT.minusMillis(1));
        assertThat(pings).isEmpty();
        time.advanceTimeBy(Duration.ofMillis(1));
        assertThat(pings).containsExactly(new Ping(clock.millis()));
        keepAlive.heard();
        time.advanceTimeBy(HEARTBEAT);

        assertThat(pings).hasSize(2);
    }

    @Test
    void aSilentPeerIsIdleAfterTheTimeoutAndOnlyOnce() {
        keepAlive.start();

        time.advanceTimeBy(IDLE_TIMEOUT.minusMillis(1));
        assertThat(idle).hasValue(0);
        time.advanceTimeBy(Duration.ofMillis(1));
        assertThat(idle).hasValue(1);
        time.advanceTimeBy(Duration.ofMinutes(5));

        assertThat(idle).as("once, and no more pings").hasValue(1);
        assertThat(pings).hasSize(1);
        assertThat(keepAlive.isDisposed()).isTrue();
    }

    @Test
    void idleTimeIsCountedFromTheLastFrameHeard() {
        keepAlive.start();

        time.advanceTimeBy(Duration.ofSeconds(14));
        keepAlive.heard();
        time.advanceTimeBy(Duration.ofSeconds(14));
        assertThat(idle).as("28 s since start, 14 since the last frame").hasValue(0);
        keepAlive.heard();
        time.advanceTimeBy(IDLE_TIMEOUT.minusMillis(1));
        assertThat(idle).hasValue(0);
        time.advanceTimeBy(Duration.ofMillis(1));

        assertThat(idle).hasValue(1);
    }

    @Test
    void aPeerThatKeepsTalkingIsNeverIdle() {
        keepAlive.start();

        for (int i = 0; i < 100; i++) {
            time.advanceTimeBy(Duration.ofSeconds(7));
            keepAlive.heard();
        }

        assertThat(idle).hasValue(0);
        assertThat(pings).hasSize(70);
    }

    @Test
    void nothingHappensBeforeTheStart() {
        time.advanceTimeBy(Duration.ofMinutes(5));

        assertThat(pings).isEmpty();
        assertThat(idle).hasValue(0);
    }
}
