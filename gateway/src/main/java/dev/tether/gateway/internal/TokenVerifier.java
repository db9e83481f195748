package dev.tether.gateway.internal;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSVerifier;
import com.nimbusds.jose.crypto.ECDSAVerifier;
import com.nimbusds.jose.crypto.MACVerifier;
import com.nimbusds.jose.crypto.RSASSAVerifier;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import dev.tether.gateway.AuthOptions;
import dev.tether.gateway.GatewayException;
import dev.tether.gateway.Principal;
import java.nio.charset.StandardCharsets;
import java.text.ParseException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Set;
import reactor.core.publisher.Mono;
import reactor.netty.http.client.HttpClient;

/**
 * Checks a JSON Web Token and says whom it names: the signature (HS256 with the shared secret, RS256 or ES256 with
 * the keys of the JWKS URL), {@code exp} (required) and {@code nbf} within the clock skew, {@code iss} and
 * {@code aud} when configured, and a {@code sub}. Every refusal is a {@link GatewayException#unauthorized} whose
 * reason says what was wrong and never holds the token. The checks are CPU work, fine on an event loop; only a
 * fetch of the keys waits, without blocking.
 */
final class TokenVerifier {

    /** Longest accepted token, in characters: a bound on the work a hostile client can ask for. */
    static final int MAX_TOKEN_LENGTH = 8192;
    /** Longest accepted {@code sub}: it names keys in the session store. */
    static final int MAX_SUB_LENGTH = 256;

    private static final Set<JWSAlgorithm> KEY_SET_ALGORITHMS = Set.of(JWSAlgorithm.RS256, JWSAlgorithm.ES256);

    private final AuthOptions options;
    private final Clock clock;
    private final JWSVerifier secretVerifier;
    private final JwksKeys keys;

    /** A verifier for {@code options}, which must be {@linkplain AuthOptions#requireUsable() usable}. */
    TokenVerifier(AuthOptions options, Clock clock, HttpClient http) {
        this.options = options.requireUsable();
        this.clock = clock;
        this.secretVerifier = options.secret().map(TokenVerifier::macVerifier).orElse(null);
        this.keys = options.jwksUrl().map(url -> new JwksKeys(url, http, clock, options.jwksMinRefresh(),
                options.jwksMaxAge(), options.jwksTimeout())).orElse(null);
    }

    private static JWSVerifier macVerifier(String secret) {
        try {
            return new MACVerifier(secret.getBytes(StandardCharsets.UTF_8));
        } catch (JOSEException e) {
            throw new IllegalArgumentException("jwtSecret: " + e.getMessage(), e);
        }
    }

    /** Whom {@code token} names, or an {@link GatewayException#unauthorized} error saying why it is refused. */
    Mono<Principal> verify(String token) {
        return Mono.defer(() -> {
            if (token == null || token.isEmpty()) {
                return Mono.error(GatewayException.unauthorized("missing token"));
            }
            if (token.length() > MAX_TOKEN_LENGTH) {
                return Mono.error(GatewayException.unauthorized("token longer than " + MAX_TOKEN_LENGTH
                        + " characters"));
            }
            SignedJWT jwt;
            try {
                jwt = SignedJWT.parse(token);
            } catch (ParseException e) {
                return Mono.error(GatewayException.unauthorized("malformed token"));
            }
            JWSAlgorithm algorithm = jwt.getHeader().getAlgorithm();
            if (JWSAlgorithm.HS256.equals(algorithm) && secretVerifier != null) {
                return Mono.fromCallable(() -> checked(jwt, List.of(secretVerifier)));
            }
            if (KEY_SET_ALGORITHMS.contains(algorithm) && keys != null) {
                return keys.candidates(jwt.getHeader().getKeyID())
                        .map(candidates -> checked(jwt, verifiers(candidates, algorithm)));
            }
            return Mono.error(GatewayException.unauthorized("algorithm " + algorithm + " not accepted"));
        });
    }

    private static List<JWSVerifier> verifiers(List<JWK> candidates, JWSAlgorithm algorithm) {
        if (candidates.isEmpty()) {
            throw GatewayException.unauthorized("unknown signing key");
        }
        return candidates.stream()
                .filter(key -> key.getAlgorithm() == null || key.getAlgorithm().equals(algorithm))
                .map(key -> {
                    try {
                        if (JWSAlgorithm.RS256.equals(algorithm) && key instanceof RSAKey rsa) {
                            return (JWSVerifier) new RSASSAVerifier(rsa);
                        }
                        if (JWSAlgorithm.ES256.equals(algorithm) && key instanceof ECKey ec) {
                            return (JWSVerifier) new ECDSAVerifier(ec);
                        }
                    } catch (JOSEException e) {
                        // A key this library cannot use verifies nothing: skip it.
                    }
                    return null;
                })
                .filter(verifier -> verifier != null)
                .toList();
    }

    /** The principal of a token whose signature one of {@code verifiers} accepts and whose claims pass. */
    private Principal checked(SignedJWT jwt, List<JWSVerifier> verifiers) {
        if (!signedByOneOf(jwt, verifiers)) {
            throw GatewayException.unauthorized("invalid signature");
        }
        JWTClaimsSet claims;
        try {
            claims = jwt.getJWTClaimsSet();
        } catch (ParseException e) {
            throw GatewayException.unauthorized("malformed claims");
        }
        Instant now = clock.instant();
        Duration skew = options.clockSkew();
        Date exp = claims.getExpirationTime();
        if (exp == null) {
            throw GatewayException.unauthorized("token without exp");
        }
        if (!exp.toInstant().plus(skew).isAfter(now)) {
            throw GatewayException.unauthorized("expired token");
        }
        Date nbf = claims.getNotBeforeTime();
        if (nbf != null && nbf.toInstant().minus(skew).isAfter(now)) {
            throw GatewayException.unauthorized("token not valid yet");
        }
        if (options.issuer().isPresent() && !options.issuer().get().equals(claims.getIssuer())) {
            throw GatewayException.unauthorized("wrong issuer");
        }
        if (options.audience().isPresent()
                && (claims.getAudience() == null || !claims.getAudience().contains(options.audience().get()))) {
            throw GatewayException.unauthorized("wrong audience");
        }
        String sub = claims.getSubject();
        if (sub == null || sub.isBlank()) {
            throw GatewayException.unauthorized("token without sub");
        }
        if (sub.length() > MAX_SUB_LENGTH) {
            throw GatewayException.unauthorized("sub longer than " + MAX_SUB_LENGTH + " characters");
        }
        return new Principal(sub, exp.toInstant());
    }

    private static boolean signedByOneOf(SignedJWT jwt, List<JWSVerifier> verifiers) {
        for (JWSVerifier verifier : verifiers) {
            try {
                if (jwt.verify(verifier)) {
                    return true;
                }
            } catch (JOSEException | IllegalStateException e) {
                // Not this key.
            }
        }
        return false;
    }

    /** When a connection whose token expires at {@code expiresAt} is closed: once the clock skew has passed. */
    Instant deadline(Instant expiresAt) {
        return expiresAt.plus(options.clockSkew());
    }
}
