package dev.tether.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import java.time.Duration;
import java.util.Arrays;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.NullSource;
import org.junit.jupiter.params.provider.ValueSource;

class CloseCodeTest {

    static Stream<Arguments> table() {
        return Stream.of(
                arguments(1000, CloseCode.NORMAL, false),
                arguments(1001, CloseCode.GOING_AWAY, true),
                arguments(1002, CloseCode.PROTOCOL_ERROR, false),
                arguments(1006, CloseCode.ABNORMAL, true),
                arguments(1007, CloseCode.INVALID_PAYLOAD, false),
                arguments(1008, CloseCode.POLICY_VIOLATION, false),
                arguments(1009, CloseCode.MESSAGE_TOO_BIG, false),
                arguments(1011, CloseCode.INTERNAL_ERROR, true),
                arguments(1012, CloseCode.SERVICE_RESTART, true),
                arguments(1013, CloseCode.TRY_AGAIN_LATER, true),
                arguments(4001, CloseCode.UNAUTHORIZED, false),
                arguments(4009, CloseCode.SESSION_TAKEN_OVER, false));
    }

    @ParameterizedTest(name = "{0} {1} reconnect={2}")
    @MethodSource("table")
    void everyCodeKnowsWhetherToReconnect(int code, CloseCode expected, boolean reconnect) {
        CloseCode closeCode = CloseCode.of(code);
        assertThat(closeCode).isEqualTo(expected);
        assertThat(closeCode.code()).isEqualTo(code);
        assertThat(closeCode.shouldReconnect()).isEqualTo(reconnect);
    }

    @Test
    void theTableCoversEveryConstant() {
        assertThat(table().map(arguments -> arguments.get()[1]))
                .containsExactlyInAnyOrder((Object[]) CloseCode.values());
    }

    @ParameterizedTest
    @EnumSource(CloseCode.class)
    void codesAreUniqueAndMapBack(CloseCode closeCode) {
        assertThat(CloseCode.of(closeCode.code())).isSameAs(closeCode);
        assertThat(Arrays.stream(CloseCode.values()).filter(other -> other.code() == closeCode.code())).hasSize(1);
    }

    @ParameterizedTest
    @ValueSource(ints = {0, -1, 999, 1003, 1005, 1010, 1014, 1015, 3000, 4000, 4002, 4999, 65535})
    void unknownCodesAreTreatedAsACutAndReconnect(int code) {
        assertThat(CloseCode.of(code)).isEqualTo(CloseCode.ABNORMAL);
        assertThat(CloseCode.of(code).shouldReconnect()).isTrue();
    }

    @ParameterizedTest
    @ValueSource(longs = {0, 1, 250, 1500, 30_000, 86_400_000})
    void aRetryAfterHintRoundTrips(long millis) {
        String reason = CloseCode.retryAfterReason("overloaded", Duration.ofMillis(millis));
        assertThat(reason).isEqualTo("retry-after=" + millis + "ms; overloaded");
        assertThat(CloseCode.retryAfter(reason)).contains(Duration.ofMillis(millis));
    }

    @Test
    void aRetryAfterHintIsWholeMilliseconds() {
        assertThat(CloseCode.retryAfterReason("busy", Duration.ofNanos(2_999_999))).startsWith("retry-after=2ms");
    }

    @Test
    void aReasonWithRetryAfterFitsInACloseFrame() {
        // A close frame's reason is limited to 123 bytes of UTF-8.
        assertThat(CloseCode.retryAfterReason("store unavailable", Duration.ofMillis(Long.MAX_VALUE)))
                .hasSizeLessThanOrEqualTo(123);
    }

    @ParameterizedTest
    @ValueSource(strings = {"retry-after=5ms", "busy; retry-after=5ms", "retry-after=5ms; busy", "x retry-after=5ms"})
    void theHintIsFoundAnywhereInTheReason(String reason) {
        assertThat(CloseCode.retryAfter(reason)).contains(Duration.ofMillis(5));
    }

    @Test
    void theFirstHintWins() {
        assertThat(CloseCode.retryAfter("retry-after=7ms retry-after=9ms")).contains(Duration.ofMillis(7));
    }

    @ParameterizedTest
    @NullSource
    @ValueSource(strings = {"", "busy", "retry-after", "retry-after=", "retry-after=ms", "retry-after=5",
            "retry-after=5s", "retry-after=1.5ms", "retry-after=-5ms", "retry-after= 5ms", "retry-after=abcms",
            "Retry-After=5ms", "retry_after=5ms", "retry-after=99999999999999999999ms"})
    void garbageReasonsCarryNoHint(String reason) {
        assertThat(CloseCode.retryAfter(reason)).isEmpty();
    }
}
