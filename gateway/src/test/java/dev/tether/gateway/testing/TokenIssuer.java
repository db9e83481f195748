package dev.tether.gateway.testing;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSSigner;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.UnaryOperator;
import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;

/**
 * An identity provider for tests: real key pairs generated on the spot, tokens signed with them (or with a shared
 * secret), and their public keys served as a JWKS by a real HTTP server on a free port, whose keys a test rotates.
 */
public final class TokenIssuer implements AutoCloseable {

    /** The HS256 secret tokens are signed with by {@link #hs256}: 32 bytes. */
    public static final String SECRET = "a-test-secret-of-32-bytes-or-more!";

    private final List<JWK> published = new CopyOnWriteArrayList<>();
    private final AtomicInteger fetches = new AtomicInteger();
    private final DisposableServer server;
    private volatile RSAKey rsa;
    private volatile ECKey ec;

    private TokenIssuer() {
        rotate();
        server = HttpServer.create().host("127.0.0.1").port(0)
                .route(routes -> routes.get("/jwks.json", (request, response) -> {
                    fetches.incrementAndGet();
                    String json = new JWKSet(new ArrayList<>(published)).toString(true);
                    return response.header("Content-Type", "application/json").sendString(Mono.just(json));
                }))
                .bindNow();
    }

    /** An issuer with a fresh RSA and EC key pair, serving their public keys. */
    public static TokenIssuer start() {
        return new TokenIssuer();
    }

    /** The URL of the JWKS. */
    public String jwksUrl() {
        return "http://127.0.0.1:" + server.port() + "/jwks.json";
    }

    /** How many times the JWKS was fetched. */
    public int fetches() {
        return fetches.get();
    }

    /** New key pairs with new key ids, published beside the old ones; tokens are signed with the new ones. */
    public synchronized void rotate() {
        try {
            rsa = new RSAKeyGenerator(2048).keyID("rsa-" + UUID.randomUUID()).generate();
            ec = new ECKeyGenerator(Curve.P_256).keyID("ec-" + UUID.randomUUID()).generate();
        } catch (JOSEException e) {
            throw new IllegalStateException(e);
        }
        published.add(rsa.toPublicJWK());
        published.add(ec.toPublicJWK());
    }

    /** A token for {@code sub} valid for {@code ttl}, signed with the current RSA key (RS256). */
    public String rs256(String sub, Duration ttl) {
        return rs256(claims(sub, ttl));
    }

    public String rs256(JWTClaimsSet claims) {
        try {
            return sign(new RSASSASigner(rsa), new JWSHeader.Builder(JWSAlgorithm.RS256).keyID(rsa.getKeyID()).build(),
                    claims);
        } catch (JOSEException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A token for {@code sub} valid for {@code ttl}, signed with the current EC key (ES256). */
    public String es256(String sub, Duration ttl) {
        return es256(claims(sub, ttl));
    }

    public String es256(JWTClaimsSet claims) {
        try {
            return sign(new ECDSASigner(ec), new JWSHeader.Builder(JWSAlgorithm.ES256).keyID(ec.getKeyID()).build(),
                    claims);
        } catch (JOSEException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A token for {@code sub} valid for {@code ttl}, signed with {@link #SECRET} (HS256). */
    public static String hs256(String sub, Duration ttl) {
        return hs256(claims(sub, ttl));
    }

    public static String hs256(JWTClaimsSet claims) {
        return hs256(SECRET, claims);
    }

    public static String hs256(String secret, JWTClaimsSet claims) {
        try {
            return sign(new MACSigner(secret.getBytes(StandardCharsets.UTF_8)), new JWSHeader(JWSAlgorithm.HS256),
                    claims);
        } catch (JOSEException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Claims for {@code sub}, issued now and expiring after {@code ttl}. */
    public static JWTClaimsSet claims(String sub, Duration ttl) {
        return claims(sub, Instant.now(), ttl, b -> b);
    }

    /** Claims for {@code sub}, issued at {@code now} and expiring after {@code ttl}, changed by {@code more}. */
    public static JWTClaimsSet claims(String sub, Instant now, Duration ttl,
                                      UnaryOperator<JWTClaimsSet.Builder> more) {
        return more.apply(new JWTClaimsSet.Builder().subject(sub).issueTime(Date.from(now))
                .expirationTime(Date.from(now.plus(ttl)))).build();
    }

    private static String sign(JWSSigner signer, JWSHeader header, JWTClaimsSet claims) throws JOSEException {
        SignedJWT jwt = new SignedJWT(header, claims);
        jwt.sign(signer);
        return jwt.serialize();
    }

    @Override
    public void close() {
        server.disposeNow();
    }
}
