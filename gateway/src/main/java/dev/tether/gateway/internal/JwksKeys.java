package dev.tether.gateway.internal;

import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;
import reactor.netty.http.client.HttpClient;

/**
 * The public keys of a JWKS URL, fetched without blocking and cached: fetched again when they are older than the
 * maximum age, or when a token names a key id they do not have (a key rotation), but never more often than the
 * minimum refresh interval, so that tokens with made-up key ids cannot make the gateway hammer the issuer.
 */
final class JwksKeys {

    private static final Logger LOG = LoggerFactory.getLogger(JwksKeys.class);

    /** The largest JWKS document accepted. */
    private static final int MAX_BYTES = 256 * 1024;

    private final URI url;
    private final HttpClient http;
    private final Clock clock;
    private final Duration minRefresh;
    private final Duration maxAge;
    private final Duration timeout;

    /** The keys and when they were fetched; guarded by this. */
    private JWKSet keys = new JWKSet();
    private Instant fetchedAt = Instant.EPOCH;
    /** The last fetch started, success or not; guarded by this. */
    private Instant triedAt = Instant.MIN;
    /** The fetch in progress, shared by everyone waiting for it; guarded by this. */
    private Mono<JWKSet> fetching;

    JwksKeys(URI url, HttpClient http, Clock clock, Duration minRefresh, Duration maxAge, Duration timeout) {
        this.url = url;
        this.http = http;
        this.clock = clock;
        this.minRefresh = minRefresh;
        this.maxAge = maxAge;
        this.timeout = timeout;
    }

    /**
     * The keys that may have signed a token with key id {@code kid} ({@code null} when it names none): the cached
     * ones, or fetched anew when {@code kid} is unknown or the cache is stale and the last fetch is old enough.
     */
    Mono<List<JWK>> candidates(String kid) {
        return Mono.defer(() -> {
            Mono<JWKSet> source;
            synchronized (this) {
                Instant now = clock.instant();
                boolean stale = !fetchedAt.plus(maxAge).isAfter(now);
                boolean unknown = kid != null && keys.getKeyByKeyId(kid) == null;
                boolean mayFetch = triedAt.equals(Instant.MIN) || !triedAt.plus(minRefresh).isAfter(now);
                if ((stale || unknown) && mayFetch && fetching == null) {
                    triedAt = now;
                    fetching = fetch().cache();
                }
                source = fetching != null ? fetching : Mono.just(keys);
            }
            return source.map(set -> select(set, kid));
        });
    }

    private static List<JWK> select(JWKSet set, String kid) {
        if (kid != null) {
            JWK key = set.getKeyByKeyId(kid);
            return key == null ? List.of() : List.of(key);
        }
        return set.getKeys();
    }

    /** Fetches the keys; on failure keeps the cached ones, which the next allowed fetch may replace. */
    private Mono<JWKSet> fetch() {
        return http.get().uri(url)
                .responseSingle((response, body) -> {
                    if (response.status().code() != 200) {
                        return Mono.error(new IllegalStateException("HTTP " + response.status().code()));
                    }
                    return body.asString();
                })
                .timeout(timeout)
                .map(json -> {
                    if (json.length() > MAX_BYTES) {
                        throw new IllegalStateException("a JWKS of " + json.length() + " characters");
                    }
                    try {
                        return JWKSet.parse(json);
                    } catch (java.text.ParseException e) {
                        throw new IllegalStateException("not a JWKS: " + e.getMessage(), e);
                    }
                })
                .doOnNext(set -> {
                    synchronized (this) {
                        keys = set;
                        fetchedAt = clock.instant();
                    }
                    LOG.debug("fetched {} key(s) from {}", set.getKeys().size(), url);
                })
                .onErrorResume(e -> {
                    LOG.warn("could not fetch the keys from {}: {}", url, e.toString());
                    synchronized (this) {
                        return Mono.just(keys);
                    }
                })
                .doFinally(signal -> {
                    synchronized (this) {
                        fetching = null;
                    }
                });
    }
}
