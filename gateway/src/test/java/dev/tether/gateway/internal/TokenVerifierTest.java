package dev.tether.gateway.internal;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jwt.JWTClaimsSet;
import dev.tether.gateway.AuthOptions;
import dev.tether.gateway.GatewayException;
import dev.tether.gateway.Principal;
import dev.tether.gateway.testing.MutableClock;
import dev.tether.gateway.testing.TokenIssuer;
import dev.tether.protocol.CloseCode;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;
import reactor.netty.http.client.HttpClient;
import reactor.test.StepVerifier;

class TokenVerifierTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(5);

    private final MutableClock clock = MutableClock.atEpochStart();
    private final Instant now = clock.instant();

    private TokenVerifier verifier(UnaryOperator<AuthOptions.Builder> options) {
        AuthOptions auth = options.apply(AuthOptions.builder().mode(AuthOptions.Mode.JWT).secret(TokenIssuer.SECRET))
                .build();
        return new TokenVerifier(auth, clock, HttpClient.create());
    }

    private String token(Duration ttl, UnaryOperator<JWTClaimsSet.Builder> more) {
        return TokenIssuer.hs256(TokenIssuer.claims("user-1", now, ttl, more));
    }

    private void refused(TokenVerifier verifier, String token, String reason) {
        StepVerifier.create(verifier.verify(token))
                .expectErrorSatisfies(e -> {
                    assertThat(e).isInstanceOf(GatewayException.class);
                    assertThat(((GatewayException) e).closeCode()).isEqualTo(CloseCode.UNAUTHORIZED);
                    assertThat(e.getMessage()).isEqualTo("unauthorized: " + reason);
                    if (token != null && !token.isEmpty()) {
                        assertThat(e.getMessage()).as("the reason never holds the token").doesNotContain(token);
                    }
                })
                .verify(TIMEOUT);
    }

    @Test
    void aValidHs256TokenNamesItsSubAndExpiry() {
        String token = token(Duration.ofMinutes(5), b -> b);

        StepVerifier.create(verifier(b -> b).verify(token))
                .expectNext(new Principal("user-1", now.plus(Duration.ofMinutes(5))))
                .expectComplete()
                .verify(TIMEOUT);
    }

    @Test
    void aMissingOrMalformedTokenIsRefusedAndSaysWhich() {
        TokenVerifier verifier = verifier(b -> b);
        refused(verifier, null, "missing token");
        refused(verifier, "", "missing token");
        refused(verifier, "not-a-jwt", "malformed token");
        refused(verifier, "x".repeat(TokenVerifier.MAX_TOKEN_LENGTH + 1), "token longer than 8192 characters");
    }

    @Test
    void aTokenSignedWithAnotherSecretIsRefused() {
        String forged = TokenIssuer.hs256("another-secret-that-is-32-bytes-long",
                TokenIssuer.claims("user-1", now, Duration.ofMinutes(5), b -> b));
        refused(verifier(b -> b), forged, "invalid signature");
    }

    @Test
    void expiryHonoursTheClockSkew() {
        TokenVerifier verifier = verifier(b -> b.clockSkew(Duration.ofSeconds(30)));
        String token = token(Duration.ofSeconds(10), b -> b);

        clock.advance(Duration.ofSeconds(39));
        StepVerifier.create(verifier.verify(token)).expectNextCount(1).expectComplete().verify(TIMEOUT);
        clock.advance(Duration.ofSeconds(1));
        refused(verifier, token, "expired token");
    }

    @Test
    void aTokenNotValidYetIsRefusedBeyondTheSkew() {
        TokenVerifier verifier = verifier(b -> b.clockSkew(Duration.ofSeconds(30)));
        String soon = token(Duration.ofMinutes(5), b -> b.notBeforeTime(Date.from(now.plusSeconds(20))));
        String later = token(Duration.ofMinutes(5), b -> b.notBeforeTime(Date.from(now.plusSeconds(60))));

        StepVerifier.create(verifier.verify(soon)).expectNextCount(1).expectComplete().verify(TIMEOUT);
        refused(verifier, later, "token not valid yet");
    }

    @Test
    void issuerAndAudienceAreCheckedWhenConfigured() {
        TokenVerifier verifier = verifier(b -> b.issuer("https://id.example").audience("tether"));
        String good = token(Duration.ofMinutes(5), b -> b.issuer("https://id.example").audience("tether"));
        String alsoGood = token(Duration.ofMinutes(5),
                b -> b.issuer("https://id.example").audience(java.util.List.of("other", "tether")));

        StepVerifier.create(verifier.verify(good)).expectNextCount(1).expectComplete().verify(TIMEOUT);
        StepVerifier.create(verifier.verify(alsoGood)).expectNextCount(1).expectComplete().verify(TIMEOUT);
        refused(verifier, token(Duration.ofMinutes(5), b -> b.issuer("https://evil.example").audience("tether")),
                "wrong issuer");
        refused(verifier, token(Duration.ofMinutes(5), b -> b.audience("tether")), "wrong issuer");
        refused(verifier, token(Duration.ofMinutes(5), b -> b.issuer("https://id.example").audience("other")),
                "wrong audience");
        refused(verifier, token(Duration.ofMinutes(5), b -> b.issuer("https://id.example")), "wrong audience");
    }

    @Test
    void aTokenNeedsASubAndAnExpiry() {
        TokenVerifier verifier = verifier(b -> b);
        refused(verifier, token(Duration.ofMinutes(5), b -> b.subject(null)), "token without sub");
        refused(verifier, token(Duration.ofMinutes(5), b -> b.expirationTime(null)), "token without exp");
    }

    @Test
    void algorithmsWithoutAConfiguredKeyAreRefused() {
        // No JWKS URL: an RS256 token cannot be checked, whatever it says.
        try (TokenIssuer issuer = TokenIssuer.start()) {
            refused(verifier(b -> b), issuer.rs256("user-1", Duration.ofMinutes(5)), "algorithm RS256 not accepted");
        }
        // A JWKS URL only: an HS256 token is not accepted (its key would be public).
        TokenVerifier keysOnly = new TokenVerifier(AuthOptions.builder().mode(AuthOptions.Mode.JWT)
                .jwksUrl("http://127.0.0.1:1/jwks.json").build(), clock, HttpClient.create());
        refused(keysOnly, token(Duration.ofMinutes(5), b -> b), "algorithm HS256 not accepted");
        // Unsecured tokens ("alg": "none") are not signed tokens at all.
        refused(verifier(b -> b), "eyJhbGciOiJub25lIn0.eyJzdWIiOiJ1c2VyLTEifQ.", "malformed token");
    }

    @Test
    void jwtModeNeedsASecretOrAJwksUrl() {
        AuthOptions nothing = AuthOptions.builder().mode(AuthOptions.Mode.JWT).build();
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> new TokenVerifier(nothing, clock, HttpClient.create()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("--jwt-secret");
    }
}
