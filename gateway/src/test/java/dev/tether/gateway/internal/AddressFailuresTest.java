package dev.tether.gateway.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetSocketAddress;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import reactor.test.scheduler.VirtualTimeScheduler;

class AddressFailuresTest {

    private static final Duration WINDOW = Duration.ofMinutes(1);

    private final VirtualTimeScheduler time = VirtualTimeScheduler.create();

    @AfterEach
    void dispose() {
        time.dispose();
    }

    private static InetSocketAddress address(int n) {
        return new InetSocketAddress("10.0." + (n / 250) + "." + (n % 250 + 1), 40_000 + n);
    }

    @Test
    void anAddressIsRefusedAfterItsLimitUntilItsWindowEndsAndOthersAreNot() {
        AddressFailures failures = new AddressFailures(3, WINDOW, 100, time);

        for (int i = 0; i < 3; i++) {
            assertThat(failures.refusedFor(address(1))).isZero();
            failures.failed(new InetSocketAddress(address(1).getAddress(), 50_000 + i));
        }

        assertThat(failures.refusedFor(address(1))).as("any port of the address").isEqualTo(WINDOW);
        assertThat(failures.refusedFor(address(2))).isZero();
        time.advanceTimeBy(WINDOW.minusSeconds(10));
        assertThat(failures.refusedFor(address(1))).isEqualTo(Duration.ofSeconds(10));
        time.advanceTimeBy(Duration.ofSeconds(10));
        assertThat(failures.refusedFor(address(1))).isZero();
    }

    @Test
    void addressesBeyondTheBoundShareOneWindowSoMemoryStaysBounded() {
        AddressFailures failures = new AddressFailures(3, WINDOW, 100, time);

        for (int i = 0; i < 10_000; i++) {
            failures.failed(address(i));
        }

        assertThat(failures.tracked()).isLessThanOrEqualTo(101);
        assertThat(failures.refusedFor(address(9_999))).as("limited as one").isEqualTo(WINDOW);
        assertThat(failures.refusedFor(address(0))).as("one failure of its own").isZero();
        time.advanceTimeBy(WINDOW);
        failures.failed(address(20_000));
        assertThat(failures.tracked()).as("ended windows make room").isEqualTo(1);
    }
}
