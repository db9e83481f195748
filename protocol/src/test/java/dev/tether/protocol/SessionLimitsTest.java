package dev.tether.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tether.protocol.session.SessionLimits;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class SessionLimitsTest {

    @Test
    void defaults() {
        SessionLimits limits = SessionLimits.defaults();
        assertThat(limits.grace()).isEqualTo(Duration.ofMinutes(5)).isEqualTo(SessionLimits.DEFAULT_GRACE);
        assertThat(limits.historyFrames()).isEqualTo(1000).isEqualTo(SessionLimits.DEFAULT_HISTORY_FRAMES);
        assertThat(limits.historyMaxAge()).isEqualTo(Duration.ofHours(1))
                .isEqualTo(SessionLimits.DEFAULT_HISTORY_MAX_AGE);
    }

    @Test
    void builderSetsEveryValueAndToBuilderCopies() {
        SessionLimits limits = SessionLimits.builder()
                .grace(Duration.ofSeconds(3)).historyFrames(1).historyMaxAge(Duration.ofMillis(1)).build();
        assertThat(limits).isEqualTo(new SessionLimits(Duration.ofSeconds(3), 1, Duration.ofMillis(1), SessionLimits.DEFAULT_UNUSED_GRACE, SessionLimits.DEFAULT_HISTORY_BYTES,
                SessionLimits.DEFAULT_MAX_STATE_BYTES));
        assertThat(limits.toBuilder().build()).isEqualTo(limits);
        assertThat(limits.toBuilder().historyFrames(5).build().grace()).isEqualTo(Duration.ofSeconds(3));
    }

    @ParameterizedTest
    @ValueSource(ints = {0, -1, Integer.MIN_VALUE, 1_000_001, Integer.MAX_VALUE})
    void historyFramesOutsideOneToAMillionIsRejectedByName(int frames) {
        assertThatThrownBy(() -> SessionLimits.builder().historyFrames(frames))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("historyFrames must be between 1 and 1000000, got " + frames);
        assertThatThrownBy(() -> new SessionLimits(Duration.ofSeconds(1), frames, Duration.ofSeconds(1), SessionLimits.DEFAULT_UNUSED_GRACE, SessionLimits.DEFAULT_HISTORY_BYTES,
                SessionLimits.DEFAULT_MAX_STATE_BYTES))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("historyFrames must be between 1 and 1000000, got " + frames);
    }

    @ParameterizedTest
    @ValueSource(longs = {0, -1})
    void durationsThatAreNotPositiveAreRejectedByName(long millis) {
        Duration bad = Duration.ofMillis(millis);
        assertThatThrownBy(() -> SessionLimits.builder().grace(bad))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("grace must be > 0, got " + Durations.format(bad));
        assertThatThrownBy(() -> SessionLimits.builder().historyMaxAge(bad))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("historyMaxAge must be > 0, got " + Durations.format(bad));
        assertThatThrownBy(() -> new SessionLimits(bad, 1, Duration.ofSeconds(1), SessionLimits.DEFAULT_UNUSED_GRACE, SessionLimits.DEFAULT_HISTORY_BYTES,
                SessionLimits.DEFAULT_MAX_STATE_BYTES))
                .hasMessage("grace must be > 0, got " + Durations.format(bad));
        assertThatThrownBy(() -> new SessionLimits(Duration.ofSeconds(1), 1, bad, SessionLimits.DEFAULT_UNUSED_GRACE, SessionLimits.DEFAULT_HISTORY_BYTES,
                SessionLimits.DEFAULT_MAX_STATE_BYTES))
                .hasMessage("historyMaxAge must be > 0, got " + Durations.format(bad));
    }

    @Test
    void anUnusedSessionsGraceIsTheShorterOfBoth() {
        SessionLimits limits = SessionLimits.builder().grace(Duration.ofMinutes(5)).unusedGrace(Duration.ofSeconds(30))
                .build();
        assertThat(limits.graceFor(false)).isEqualTo(Duration.ofSeconds(30));
        assertThat(limits.graceFor(true)).isEqualTo(Duration.ofMinutes(5));
        assertThat(limits.toBuilder().grace(Duration.ofSeconds(10)).build().graceFor(false))
                .isEqualTo(Duration.ofSeconds(10));
    }

    @ParameterizedTest
    @ValueSource(longs = {1023, 0, -1, 1024L * 1024 * 1024 + 1})
    void historyBytesOutsideItsRangeIsRejectedByName(long bytes) {
        assertThatThrownBy(() -> SessionLimits.builder().historyBytes(bytes))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("historyBytes must be between 1024 and 1073741824, got " + bytes);
    }

    @Test
    void nullDurationsAreRejectedByName() {
        assertThatThrownBy(() -> SessionLimits.builder().grace(null))
                .isInstanceOf(NullPointerException.class).hasMessage("grace");
        assertThatThrownBy(() -> SessionLimits.builder().historyMaxAge(null))
                .isInstanceOf(NullPointerException.class).hasMessage("historyMaxAge");
    }

    @Test
    void aRejectedValueLeavesTheBuilderUnchanged() {
        SessionLimits.Builder builder = SessionLimits.builder().historyFrames(7);
        assertThatThrownBy(() -> builder.historyFrames(0)).isInstanceOf(IllegalArgumentException.class);
        assertThat(builder.build().historyFrames()).isEqualTo(7);
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 0, -1, 1024 * 1024 + 1})
    void maxStateBytesOutsideTwoToOneMebibyteIsRejectedByName(int bytes) {
        assertThatThrownBy(() -> SessionLimits.builder().maxStateBytes(bytes))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("maxStateBytes must be between 2 and 1048576, got " + bytes);
        assertThat(SessionLimits.defaults().maxStateBytes()).isEqualTo(16 * 1024)
                .isEqualTo(SessionLimits.DEFAULT_MAX_STATE_BYTES);
        assertThat(SessionLimits.builder().maxStateBytes(2).build().maxStateBytes()).isEqualTo(2);
    }
}
