package dev.tether.gateway.internal.backend;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tether.gateway.BackendOptions;
import dev.tether.gateway.internal.RetryAfter;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.HttpHeaderNames;
import java.net.URI;
import java.time.Duration;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.netty.http.client.HttpClient;
import reactor.netty.http.client.HttpClientResponse;
import reactor.netty.resources.ConnectionProvider;
import reactor.util.retry.Retry;

/**
 * Posts signed JSON to the application's backend and streams the parts of its answer as they arrive. A call that
 * fails before its first part (a connection error, 429 or 5xx) is tried again with backoff, waiting at least what
 * {@code Retry-After} asks; once a part has arrived it is never tried again, which would repeat it. Cancelling the
 * returned Flux closes the connection, so the backend sees the call aborted.
 */
final class BackendClient implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(BackendClient.class);

    /** The header that lets the backend deduplicate a call tried again. */
    static final String IDEMPOTENCY_KEY = "Idempotency-Key";
    /** Connections open to the backend at once; more calls wait for one: 500. */
    static final int MAX_CONNECTIONS = 500;
    /** Calls that may wait for a connection; more fail at once: 10,000. */
    static final int MAX_PENDING = 10_000;
    /** First wait before a failed call is tried again. */
    static final Duration BACKOFF_MIN = Duration.ofMillis(200);
    /** Longest wait between tries, and the longest {@code Retry-After} honoured beyond it. */
    static final Duration BACKOFF_MAX = Duration.ofSeconds(10);
    /** The longest part of an error body kept for the message. */
    private static final int ERROR_BODY_CHARS = 200;

    private final URI url;
    private final Signature signature;
    private final Duration timeout;
    private final int retries;
    private final ObjectMapper mapper;
    private final Scheduler scheduler;
    private final ConnectionProvider pool;
    private final HttpClient http;

    BackendClient(BackendOptions options, ObjectMapper mapper, Scheduler scheduler) {
        this.url = options.url().orElseThrow(() -> new IllegalArgumentException(
                "the http handler needs --backend-url"));
        this.signature = new Signature(options.secret().orElseThrow(() -> new IllegalArgumentException(
                "the http handler needs --backend-secret (or TETHER_BACKEND_SECRET)")));
        this.timeout = options.timeout();
        this.retries = options.retries();
        this.mapper = mapper;
        this.scheduler = scheduler;
        this.pool = ConnectionProvider.builder("tether-backend")
                .maxConnections(MAX_CONNECTIONS)
                .pendingAcquireMaxCount(MAX_PENDING)
                .build();
        this.http = HttpClient.create(pool);
    }

    /**
     * The parts of the backend's answer to {@code body}, posted with {@code idempotencyKey}. Fails with
     * {@link BackendException}.
     */
    Flux<BackendPart> call(String idempotencyKey, byte[] body) {
        return Flux.defer(() -> {
            AtomicBoolean answered = new AtomicBoolean();
            String signed = signature.sign(body);
            Flux<BackendPart> parts = Flux.defer(() -> attempt(idempotencyKey, signed, body))
                    .doOnNext(part -> answered.set(true))
                    .onErrorMap(e -> !(e instanceof BackendException), e -> answered.get()
                            ? new BackendException(BackendException.BROKEN, "the backend's answer broke off", e)
                            : new BackendException(BackendException.UNAVAILABLE, "the backend is unreachable", e))
                    .retryWhen(Retry.backoff(retries, BACKOFF_MIN)
                            .maxBackoff(BACKOFF_MAX)
                            .scheduler(scheduler)
                            .filter(e -> !answered.get() && e instanceof BackendException failure
                                    && failure.retryable())
                            // Retry-After is a floor on the wait: it comes before the backoff's own.
                            .doBeforeRetryAsync(signal -> signal.failure() instanceof BackendException failure
                                    && failure.retryAfter() != null
                                    ? Mono.delay(min(failure.retryAfter(), BACKOFF_MAX), scheduler).then()
                                    : Mono.empty())
                            .onRetryExhaustedThrow((spec, signal) -> signal.failure()));
            // The timeout bounds the wait for the first part, tries included; later parts may take their time.
            return parts.timeout(Mono.delay(timeout, scheduler), part -> Mono.never())
                    .onErrorMap(TimeoutException.class, e -> new BackendException(
                            BackendException.TIMEOUT, "the backend sent nothing within " + timeout.toMillis() + " ms",
                            e));
        });
    }

    private Flux<BackendPart> attempt(String idempotencyKey, String signed, byte[] body) {
        return http.headers(headers -> headers
                        .set(HttpHeaderNames.CONTENT_TYPE, "application/json")
                        .set(HttpHeaderNames.ACCEPT, PartReader.NDJSON + ", " + PartReader.EVENT_STREAM)
                        .set(IDEMPOTENCY_KEY, idempotencyKey)
                        .set(Signature.HEADER, signed))
                .post()
                .uri(url)
                .send(Mono.fromSupplier(() -> Unpooled.wrappedBuffer(body)))
                .response((head, content) -> {
                    int status = head.status().code();
                    if (status != 200) {
                        return content.aggregate().asString().defaultIfEmpty("")
                                .flatMapMany(text -> Flux.error(statusError(head, status, text)));
                    }
                    PartReader reader = PartReader.forContentType(mapper,
                            head.responseHeaders().get(HttpHeaderNames.CONTENT_TYPE));
                    // asByteArray copies each chunk as it arrives, before Netty releases it.
                    return content.asByteArray()
                            .concatMapIterable(reader::feed)
                            .concatWith(Flux.defer(() -> Flux.fromIterable(reader.finish())));
                });
    }

    private static BackendException statusError(HttpClientResponse head, int status, String body) {
        String excerpt = body.length() > ERROR_BODY_CHARS ? body.substring(0, ERROR_BODY_CHARS) + "..." : body;
        // The backend's body is for the operator's log: it may say more than the client should learn.
        LOG.warn("the backend answered {} to {}: {}", status, head.uri(), excerpt.strip());
        boolean retryable = status == 429 || status >= 500;
        return new BackendException(retryable ? BackendException.UNAVAILABLE : BackendException.REJECTED,
                "the backend answered " + status, status,
                retryable ? RetryAfter.parse(head.responseHeaders().get(HttpHeaderNames.RETRY_AFTER)) : null, null);
    }

    private static Duration min(Duration a, Duration b) {
        return a.compareTo(b) <= 0 ? a : b;
    }

    @Override
    public void close() {
        pool.dispose();
    }
}
