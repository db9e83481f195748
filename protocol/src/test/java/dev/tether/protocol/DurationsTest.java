package dev.tether.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class DurationsTest {

    @Test
    void readsMillisecondsSecondsMinutesAndHours() {
        assertThat(Durations.parse("20ms")).isEqualTo(Duration.ofMillis(20));
        assertThat(Durations.parse(" 3s ")).isEqualTo(Duration.ofSeconds(3));
        assertThat(Durations.parse("5m")).isEqualTo(Duration.ofMinutes(5));
        assertThat(Durations.parse("1h")).isEqualTo(Duration.ofHours(1));
        assertThat(Durations.parse("0ms")).isZero();
        assertThat(Durations.parse("0")).as("zero needs no unit").isZero();
    }

    @ParameterizedTest
    @ValueSource(strings = {"1.5s", "5", "00", "", "s", "-3s", "3 s", "3d", "PT3S", "1234567890123ms"})
    void refusesAnythingElseSayingTheForm(String text) {
        assertThatThrownBy(() -> Durations.parse(text))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("expected a duration like 20ms, 3s, 5m or 1h, got \"" + text + "\"");
    }

    @Test
    void writesTheLargestWholeUnitSoThatParseReadsItBack() {
        assertThat(Durations.format(Duration.ofMinutes(5))).isEqualTo("5m");
        assertThat(Durations.format(Duration.ofMillis(1500))).isEqualTo("1500ms");
        assertThat(Durations.format(Duration.ofHours(2))).isEqualTo("2h");
        assertThat(Durations.format(Duration.ZERO)).isEqualTo("0ms");
        for (Duration d : new Duration[] {Duration.ofMillis(7), Duration.ofSeconds(90), Duration.ofMinutes(61)}) {
            assertThat(Durations.parse(Durations.format(d))).isEqualTo(d);
        }
    }

    @Test
    void writesWhatParseCannotReadInIso() {
        assertThat(Durations.format(Duration.ofNanos(1500))).isEqualTo("PT0.0000015S");
        assertThat(Durations.format(Duration.ofSeconds(-1))).isEqualTo("PT-1S");
    }
}
