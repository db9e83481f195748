package dev.tether.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class ChecksTest {

    @Test
    void valuesInsideTheRangeAreReturnedBoundsIncluded() {
        assertThat(Checks.between("n", 1, 1, 3)).isEqualTo(1);
        assertThat(Checks.between("n", 3L, 1L, 3L)).isEqualTo(3L);
        assertThat(Checks.between("n", 0.5, 0.0, 1.0)).isEqualTo(0.5);
        assertThat(Checks.between("d", Duration.ofSeconds(1), Duration.ZERO, Duration.ofSeconds(1)))
                .isEqualTo(Duration.ofSeconds(1));
        assertThat(Checks.positive("d", Duration.ofNanos(1))).isEqualTo(Duration.ofNanos(1));
        assertThat(Checks.nonBlank("s", "x")).isEqualTo("x");
    }

    @Test
    void failuresNameTheParameterTheRangeAndTheValue() {
        assertThatThrownBy(() -> Checks.between("port", 70_000, 0, 65_535))
                .hasMessage("port must be between 0 and 65535, got 70000");
        assertThatThrownBy(() -> Checks.between("attempts", -1L, 0L, 10L))
                .hasMessage("attempts must be between 0 and 10, got -1");
        assertThatThrownBy(() -> Checks.between("jitter", Double.NaN, 0.0, 1.0))
                .hasMessage("jitter must be between 0.0 and 1.0, got NaN");
        assertThatThrownBy(() -> Checks.between("heartbeat", Duration.ZERO, Duration.ofMillis(10), Duration.ofHours(1)))
                .hasMessage("heartbeat must be between 10ms and 1h, got 0ms");
        assertThatThrownBy(() -> Checks.atLeast("attempts", -1, 0)).hasMessage("attempts must be >= 0, got -1");
        assertThatThrownBy(() -> Checks.positive("grace", Duration.ZERO)).hasMessage("grace must be > 0, got 0ms");
        assertThatThrownBy(() -> Checks.nonBlank("host", " ")).hasMessage("host must not be empty");
        assertThatThrownBy(() -> Checks.between("heartbeat", null, Duration.ZERO, Duration.ZERO))
                .isInstanceOf(NullPointerException.class).hasMessage("heartbeat");
    }
}
