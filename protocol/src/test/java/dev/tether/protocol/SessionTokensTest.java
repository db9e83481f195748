package dev.tether.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tether.protocol.session.SessionTokens;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashSet;
import java.util.Set;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class SessionTokensTest {

    static Stream<Supplier<String>> generators() {
        return Stream.of(SessionTokens::newSessionId, SessionTokens::newToken);
    }

    @ParameterizedTest
    @MethodSource("generators")
    void valuesCarryAtLeast128RandomBitsAndAreUrlSafe(Supplier<String> generator) {
        for (int i = 0; i < 100; i++) {
            String value = generator.get();
            assertThat(value).matches("[A-Za-z0-9_-]+");
            assertThat(Base64.getUrlDecoder().decode(value).length * 8).isGreaterThanOrEqualTo(128);
        }
    }

    @ParameterizedTest
    @MethodSource("generators")
    void valuesDoNotRepeat(Supplier<String> generator) {
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < 10_000; i++) {
            assertThat(seen.add(generator.get())).isTrue();
        }
    }

    @Test
    void valuesFitTheProtocolsIdentifierLimit() {
        assertThat(SessionTokens.newSessionId()).hasSizeLessThanOrEqualTo(128);
        assertThat(SessionTokens.newToken()).hasSizeLessThanOrEqualTo(128);
    }

    @Test
    void tokenBytes() {
        assertThat(Base64.getUrlDecoder().decode(SessionTokens.newToken())).hasSize(SessionTokens.TOKEN_BYTES);
        assertThat(Base64.getUrlDecoder().decode(SessionTokens.newSessionId()))
                .hasSize(SessionTokens.SESSION_ID_BYTES);
    }

    @Test
    void theDigestMatchesOnlyItsOwnToken() {
        String token = SessionTokens.newToken();
        byte[] digest = SessionTokens.digest(token);
        assertThat(digest).hasSize(32);
        assertThat(SessionTokens.digest(token)).isEqualTo(digest);
        assertThat(SessionTokens.matches(token, digest)).isTrue();
        assertThat(SessionTokens.matches(SessionTokens.newToken(), digest)).isFalse();
        assertThat(SessionTokens.matches(token.substring(1), digest)).isFalse();
        assertThat(SessionTokens.matches(token + "x", digest)).isFalse();
        assertThat(SessionTokens.matches("", digest)).isFalse();
    }

    @Test
    void aDigestOfTheWrongLengthNeverMatches() {
        String token = SessionTokens.newToken();
        byte[] digest = SessionTokens.digest(token);
        assertThat(SessionTokens.matches(token, new byte[0])).isFalse();
        assertThat(SessionTokens.matches(token, Arrays.copyOf(digest, 16))).isFalse();
        assertThat(SessionTokens.matches(token, Arrays.copyOf(digest, 33))).isFalse();
    }

    @Test
    void theDigestIsNotTheToken() {
        String token = SessionTokens.newToken();
        assertThat(new String(SessionTokens.digest(token), StandardCharsets.ISO_8859_1))
                .doesNotContain(token);
    }
}
