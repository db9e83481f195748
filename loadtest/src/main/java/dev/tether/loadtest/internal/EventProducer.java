package dev.tether.loadtest.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tether.client.SessionHandle;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import reactor.core.publisher.Mono;
import reactor.netty.ByteBufFlux;
import reactor.netty.http.client.HttpClient;
import reactor.netty.resources.ConnectionProvider;

/**
 * Pushes events to sessions through the gateway's publish API, {@code POST {url}/api/v1/sessions/{id}/events} with
 * a bearer key, the way a backend would. An event counts as published only once the API returned its seq; then the
 * checker expects the client to receive it. A node that is down or not ready is skipped for the next URL; a 404 (the
 * session is gone) or 401 is not retried. Every try of one event carries the same {@code Idempotency-Key}, so a retry
 * after a node died with the request in flight cannot store the event twice (the checker would see it twice). At most {@code maxInFlight} requests run at once; a push beyond that is
 * skipped and counted, never queued without bound.
 */
final class EventProducer implements AutoCloseable {

    /** Default requests in flight at once: 256. */
    static final int DEFAULT_MAX_IN_FLIGHT = 256;

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(5);
    private static final Duration RETRY_PAUSE = Duration.ofMillis(100);

    private final List<String> bases;
    private final String authorization;
    private final int maxInFlight;
    private final Metrics metrics;
    private final Problems problems;
    private final ConnectionProvider pool;
    private final HttpClient http;
    private final AtomicInteger inFlight = new AtomicInteger();
    private final AtomicInteger next = new AtomicInteger();

    EventProducer(List<URI> urls, String apiKey, int maxInFlight, Metrics metrics, Problems problems) {
        if (urls.isEmpty()) {
            throw new IllegalArgumentException("publish-url must name at least one http:// URL");
        }
        this.bases = urls.stream().map(url -> url.toString().replaceAll("/+$", "")).toList();
        this.authorization = "Bearer " + apiKey;
        this.maxInFlight = maxInFlight;
        this.metrics = metrics;
        this.problems = problems;
        this.pool = ConnectionProvider.builder("tether-loadtest-producer")
                .maxConnections(maxInFlight)
                .pendingAcquireMaxCount(-1)
                .build();
        this.http = HttpClient.create(pool).responseTimeout(REQUEST_TIMEOUT);
    }

    /** Pushes the next event to {@code client}'s session, if it has one; never blocks. */
    void publish(SimClient client, long now) {
        Optional<SessionHandle> session = client.session();
        if (session.isEmpty()) {
            return;
        }
        if (inFlight.incrementAndGet() > maxInFlight) {
            inFlight.decrementAndGet();
            metrics.publishSkipped.incrementAndGet();
            return;
        }
        String sessionId = session.get().sessionId();
        int n = ++client.eventsPushed;
        String body = "{\"name\":\"tick\",\"data\":{\"n\":" + n + ",\"client\":" + client.id + "}}";
        String key = "c" + client.id + "-e" + n;
        attempt(sessionId, key, body, Math.floorMod(next.getAndIncrement(), bases.size()), bases.size() * 2)
                .doFinally(signal -> inFlight.decrementAndGet())
                .subscribe(seq -> {
                    long done = System.nanoTime();
                    Metrics.record(metrics.publish, done - now);
                    metrics.count(Metrics.Series.PUBLISHED, done);
                    client.checker.published(sessionId, seq);
                }, error -> {
                    if (error instanceof PublishException rejected && rejected.status == 404) {
                        metrics.publishNotFound.incrementAndGet();
                    } else {
                        metrics.publishFailures.incrementAndGet();
                    }
                    problems.report("publish to client " + client.id + " failed: " + error.getMessage());
                });
    }

    private Mono<Long> attempt(String sessionId, String key, String body, int index, int attemptsLeft) {
        return post(bases.get(index), sessionId, key, body)
                .onErrorResume(error -> attemptsLeft > 1 && retryable(error),
                        error -> Mono.delay(RETRY_PAUSE)
                                .then(attempt(sessionId, key, body, (index + 1) % bases.size(), attemptsLeft - 1)));
    }

    private static boolean retryable(Throwable error) {
        return !(error instanceof PublishException rejected) || rejected.status >= 500;
    }

    private Mono<Long> post(String base, String sessionId, String key, String body) {
        return http.headers(headers -> headers
                        .set(HttpHeaderNames.AUTHORIZATION, authorization)
                        .set("Idempotency-Key", key)
                        .set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON))
                .post()
                .uri(base + "/api/v1/sessions/" + sessionId + "/events")
                .send(ByteBufFlux.fromString(Mono.just(body), StandardCharsets.UTF_8, io.netty.buffer.ByteBufAllocator.DEFAULT))
                .responseSingle((response, content) -> content.asString(StandardCharsets.UTF_8).defaultIfEmpty("")
                        .flatMap(text -> {
                            int status = response.status().code();
                            if (status / 100 != 2) {
                                return Mono.error(new PublishException(status, text));
                            }
                            try {
                                JsonNode seq = JSON.readTree(text).get("seq");
                                if (seq == null || !seq.canConvertToLong()) {
                                    return Mono.error(new PublishException(status, "no seq in " + text));
                                }
                                return Mono.just(seq.asLong());
                            } catch (Exception e) {
                                return Mono.error(new PublishException(status, "not JSON: " + text));
                            }
                        }))
                .timeout(REQUEST_TIMEOUT);
    }

    @Override
    public void close() {
        pool.disposeLater().block(Duration.ofSeconds(5));
    }

    /** The publish API answered with a status other than 2xx. Stackless: expected at a high rate. */
    static final class PublishException extends RuntimeException {
        private static final long serialVersionUID = 1L;
        final int status;

        PublishException(int status, String body) {
            super("HTTP " + status + (body.isEmpty() ? "" : ": " + (body.length() > 200 ? body.substring(0, 200) : body)),
                    null, false, false);
            this.status = status;
        }
    }
}
