package dev.tether.gateway.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import org.junit.jupiter.api.Test;

class RetryAfterTest {

    @Test
    void secondsAreRead() {
        assertThat(RetryAfter.parse(" 7 ")).isEqualTo(Duration.ofSeconds(7));
        assertThat(RetryAfter.parse("0")).isEqualTo(Duration.ZERO);
    }

    @Test
    void anHttpDateIsTheWaitUntilIt() {
        String inAMinute = DateTimeFormatter.RFC_1123_DATE_TIME.format(ZonedDateTime.now(ZoneOffset.UTC).plusMinutes(1));
        assertThat(RetryAfter.parse(inAMinute)).isBetween(Duration.ofSeconds(50), Duration.ofSeconds(61));
        assertThat(RetryAfter.parse("Tue, 01 Jan 2002 00:00:00 GMT")).as("in the past").isEqualTo(Duration.ZERO);
    }

    @Test
    void anythingElseIsAbsent() {
        for (String header : new String[] {null, "", "  ", "-3", "soon", "1.5"}) {
            assertThat(RetryAfter.parse(header)).as(String.valueOf(header)).isNull();
        }
    }
}
