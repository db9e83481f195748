package dev.tether.client.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tether.client.TetherClientOptions;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * When to refresh a JSON Web Token: read its {@code exp} from the payload, without checking the signature (the
 * gateway does that; the client only needs to know when the token runs out), and refresh
 * {@link TetherClientOptions#TOKEN_REFRESH_MARGIN} before it, or at 90% of its remaining lifetime when that is
 * earlier.
 */
final class TokenRefresh {

    /**
     * The shortest wait before a refresh: a provider that keeps handing out a token already (nearly) expired is asked
     * once a second, not in a loop.
     */
    static final Duration MIN_DELAY = Duration.ofSeconds(1);

    private static final ObjectMapper JSON = new ObjectMapper();

    private TokenRefresh() {
    }

    /** The token's {@code exp} in epoch milliseconds, if it is a JWT with one. */
    static OptionalLong expiresAtMillis(String token) {
        if (token == null) {
            return OptionalLong.empty();
        }
        String[] parts = token.split("\\.", -1);
        if (parts.length != 3) {
            return OptionalLong.empty();
        }
        try {
            JsonNode payload = JSON.readTree(new String(Base64.getUrlDecoder().decode(parts[1]),
                    StandardCharsets.UTF_8));
            JsonNode exp = payload == null ? null : payload.get("exp");
            if (exp == null || !exp.isNumber()) {
                return OptionalLong.empty();
            }
            return OptionalLong.of(Math.multiplyExact(exp.asLong(), 1000L));
        } catch (Exception notAJwt) {
            return OptionalLong.empty();
        }
    }

    /**
     * How long from {@code nowMillis} until {@code token} should be replaced, at least {@link #MIN_DELAY}; empty
     * when it does not say when it expires.
     */
    static Optional<Duration> delay(String token, long nowMillis) {
        OptionalLong exp = expiresAtMillis(token);
        if (exp.isEmpty()) {
            return Optional.empty();
        }
        long lifetime = exp.getAsLong() - nowMillis;
        long margin = Math.min(TetherClientOptions.TOKEN_REFRESH_MARGIN.toMillis(), lifetime / 10);
        return Optional.of(Duration.ofMillis(Math.max(MIN_DELAY.toMillis(), lifetime - Math.max(0, margin))));
    }
}
