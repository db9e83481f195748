package dev.tether.gateway.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tether.gateway.AuthOptions;
import dev.tether.gateway.GatewayException;
import dev.tether.gateway.Principal;
import dev.tether.gateway.testing.MutableClock;
import dev.tether.gateway.testing.TokenIssuer;
import java.time.Clock;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import reactor.netty.http.client.HttpClient;
import reactor.test.StepVerifier;

/** RS256 and ES256 tokens checked with the keys of a JWKS served by a real HTTP server, through a key rotation. */
class TokenVerifierJwksIT {

    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    private final TokenIssuer issuer = TokenIssuer.start();

    @AfterEach
    void stop() {
        issuer.close();
    }

    private TokenVerifier verifier(Clock clock, Duration minRefresh) {
        return new TokenVerifier(AuthOptions.builder().mode(AuthOptions.Mode.JWT).jwksUrl(issuer.jwksUrl())
                .jwksMinRefresh(minRefresh).build(), clock, HttpClient.create());
    }

    private static void accepted(TokenVerifier verifier, String token, String sub) {
        StepVerifier.create(verifier.verify(token).map(Principal::sub))
                .expectNext(sub).expectComplete().verify(TIMEOUT);
    }

    private static void refused(TokenVerifier verifier, String token, String reason) {
        StepVerifier.create(verifier.verify(token))
                .expectErrorSatisfies(e -> assertThat(e).isInstanceOf(GatewayException.class)
                        .hasMessage("unauthorized: " + reason))
                .verify(TIMEOUT);
    }

    @Test
    void rs256AndEs256TokensAreCheckedWithTheKeysOfTheJwksFetchedOnce() {
        TokenVerifier verifier = verifier(Clock.systemUTC(), Duration.ofSeconds(30));

        accepted(verifier, issuer.rs256("alice", Duration.ofMinutes(5)), "alice");
        accepted(verifier, issuer.es256("bob", Duration.ofMinutes(5)), "bob");
        accepted(verifier, issuer.rs256("carol", Duration.ofMinutes(5)), "carol");
        assertThat(issuer.fetches()).as("the keys are cached").isEqualTo(1);
    }

    @Test
    void aTokenSignedByAnotherKeyWithAKnownKeyIdIsRefused() {
        TokenVerifier verifier = verifier(Clock.systemUTC(), Duration.ofSeconds(30));
        String good = issuer.rs256("alice", Duration.ofMinutes(5));
        accepted(verifier, good, "alice");
        // The header and claims of a good token with the signature of another: a forgery.
        try (TokenIssuer other = TokenIssuer.start()) {
            String foreign = other.rs256("alice", Duration.ofMinutes(5));
            String forged = good.substring(0, good.lastIndexOf('.')) + foreign.substring(foreign.lastIndexOf('.'));
            refused(verifier, forged, "invalid signature");
        }
    }

    @Test
    void anUnknownKeyIdFetchesTheKeysAgainAfterARotationButNoMoreOftenThanTheMinimumInterval() {
        MutableClock clock = new MutableClock(java.time.Instant.now());
        TokenVerifier verifier = verifier(clock, Duration.ofSeconds(30));
        accepted(verifier, issuer.es256("alice", Duration.ofMinutes(5)), "alice");
        assertThat(issuer.fetches()).isEqualTo(1);

        // Too soon after the first fetch: a token with an unknown key id is refused without a fetch.
        clock.advance(Duration.ofSeconds(5));
        issuer.rotate();
        String rotated = issuer.es256("alice", Duration.ofMinutes(5));
        refused(verifier, rotated, "unknown signing key");
        refused(verifier, rotated, "unknown signing key");
        assertThat(issuer.fetches()).as("made-up key ids cannot make the gateway hammer the issuer").isEqualTo(1);

        // Past the interval, the same unknown key id fetches the keys again, and the new key is known.
        clock.advance(Duration.ofSeconds(30));
        accepted(verifier, rotated, "alice");
        accepted(verifier, issuer.rs256("bob", Duration.ofMinutes(5)), "bob");
        assertThat(issuer.fetches()).isEqualTo(2);
        refused(verifier, issuer.rs256("eve", Duration.ofMinutes(5)).replaceFirst("^[^.]+",
                "eyJhbGciOiJSUzI1NiIsImtpZCI6Im1hZGUtdXAifQ"), "unknown signing key");
    }

    @Test
    void anUnreachableJwksRefusesTokensAsUnknownKeys() {
        TokenVerifier verifier = new TokenVerifier(AuthOptions.builder().mode(AuthOptions.Mode.JWT)
                .jwksUrl("http://127.0.0.1:1/jwks.json").jwksTimeout(Duration.ofSeconds(2)).build(),
                Clock.systemUTC(), HttpClient.create());

        refused(verifier, issuer.rs256("alice", Duration.ofMinutes(5)), "unknown signing key");
    }
}
