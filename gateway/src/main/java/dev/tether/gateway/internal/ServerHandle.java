package dev.tether.gateway.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tether.gateway.ConversationHandler;
import dev.tether.gateway.AdmissionOptions;
import dev.tether.gateway.GatewayConfig;
import dev.tether.gateway.GatewayException;
import dev.tether.gateway.GatewayHandle;
import dev.tether.protocol.FrameCodec;
import dev.tether.protocol.Protocol;
import dev.tether.protocol.ServerEvent;
import dev.tether.protocol.session.OnceAppend;
import dev.tether.protocol.session.SessionStats;
import dev.tether.protocol.session.SessionStore;
import dev.tether.protocol.session.SessionStoreException;
import dev.tether.protocol.session.SessionTokens;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import org.reactivestreams.Publisher;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;
import reactor.netty.http.server.HttpServerRequest;
import reactor.netty.http.server.HttpServerResponse;
import reactor.netty.http.server.WebsocketServerSpec;

/** A bound gateway node: the HTTP server, its connections and its replies. */
final class ServerHandle implements GatewayHandle {

    private static final Logger LOG = LoggerFactory.getLogger(ServerHandle.class);

    private final GatewayConfig config;
    private final SessionStore store;
    private final boolean ownsStore;
    private final Clock clock;
    private final FrameCodec codec = new FrameCodec();
    private final Scheduler scheduler;
    private final Replies replies;
    private final Set<Connection> connections = ConcurrentHashMap.newKeySet();
    private final Admission admission;
    private final GatewayMetrics metrics;
    private final AtomicBoolean shuttingDown = new AtomicBoolean();
    private final AtomicBoolean released = new AtomicBoolean();
    private final byte[] apiKeyDigest;
    private volatile DisposableServer server;

    /** The header that makes a push idempotent. */
    static final String IDEMPOTENCY_KEY = "Idempotency-Key";
    /** The longest idempotency key: 200 characters. */
    static final int MAX_IDEMPOTENCY_KEY = 200;

    /** The backend push endpoint. */
    static final String PUSH_ROUTE = "/api/v1/sessions/{sessionId}/events";

    private ServerHandle(GatewayConfig config, SessionStore store, boolean ownsStore, ConversationHandler handler,
                         Clock clock, Scheduler scheduler) {
        this.config = config;
        this.scheduler = scheduler;
        this.store = store;
        this.ownsStore = ownsStore;
        this.clock = clock;
        this.apiKeyDigest = config.pushApi().apiKey().map(SessionTokens::digest).orElse(null);
        AdmissionOptions admissionOptions = config.admission();
        this.admission = new Admission(admissionOptions.maxHandshakes(), admissionOptions.handshakeQueue(),
                admissionOptions.handshakeQueueWait(), admissionOptions.handshakeRetryAfter(), scheduler);
        this.metrics = new GatewayMetrics(config.server().nodeId());
        this.replies = new Replies(store, handler, config.server().nodeId(), config.replies().lease(),
                config.replies().maxPause(), scheduler, metrics);
        metrics.gauges(connections::size, replies::size, admission::inProgress, admission::queued, store::isReady);
    }

    static Mono<GatewayHandle> bind(GatewayConfig config, SessionStore store, boolean ownsStore,
                                    ConversationHandler handler, Clock clock, Scheduler scheduler) {
        return Mono.defer(() -> {
            ServerHandle handle = new ServerHandle(config, store, ownsStore, handler, clock, scheduler);
            WebsocketServerSpec spec = WebsocketServerSpec.builder()
                    .maxFramePayloadLength(config.connections().maxFrameBytes())
                    .build();
            return HttpServer.create()
                    .host(config.server().host())
                    .port(config.server().port())
                    .route(routes -> routes
                            .get("/health", handle::health)
                            .get("/metrics", handle::metrics)
                            .post(PUSH_ROUTE, handle::push)
                            .ws(config.server().path(), (in, out) -> handle.accept().handle(in, out), spec))
                    .bind()
                    .map(server -> {
                        handle.server = server;
                        server.onDispose().subscribe(null, null, handle::release);
                        LOG.info("gateway {} listening on {}:{}{} (store {}, handler {})", config.server().nodeId(),
                                config.server().host(), server.port(), config.server().path(),
                                config.store().kind().name().toLowerCase(), config.handler().name());
                        return (GatewayHandle) handle;
                    });
        });
    }

    private Connection accept() {
        Connection connection = new Connection(this, replies, scheduler);
        connections.add(connection);
        return connection;
    }

    void connectionEnded(Connection connection) {
        connections.remove(connection);
    }

    GatewayMetrics metrics() {
        return metrics;
    }

    GatewayConfig config() {
        return config;
    }

    FrameCodec codec() {
        return codec;
    }

    Clock clock() {
        return clock;
    }

    boolean isShuttingDown() {
        return shuttingDown.get();
    }

    Admission admission() {
        return admission;
    }

    @Override
    public SessionStore store() {
        return store;
    }

    @Override
    public String host() {
        return server.host();
    }

    @Override
    public int port() {
        return server.port();
    }

    @Override
    public String path() {
        return config.server().path();
    }

    @Override
    public String nodeId() {
        return config.server().nodeId();
    }

    @Override
    public boolean isReady() {
        return !shuttingDown.get() && !isDisposed() && store.isReady();
    }

    @Override
    public int connections() {
        return connections.size();
    }

    @Override
    public Mono<Void> shutdown(Duration timeout) {
        return Mono.defer(() -> {
            if (shuttingDown.compareAndSet(false, true)) {
                LOG.info("gateway {} shutting down: closing {} connection(s) with 1012", config.server().nodeId(),
                        connections.size());
            }
            List<Connection> open = List.copyOf(connections);
            open.forEach(connection -> connection.close(GatewayException.shuttingDown()));
            return Flux.fromIterable(open)
                    .flatMap(Connection::finished)
                    .then()
                    .timeout(timeout, scheduler)
                    .onErrorResume(e -> {
                        LOG.warn("{} connection(s) still open after {}; stopping anyway", connections.size(),
                                timeout);
                        return Mono.empty();
                    })
                    .then(Mono.defer(() -> {
                        dispose();
                        return onDispose();
                    }));
        });
    }

    @Override
    public void dispose() {
        DisposableServer bound = server;
        if (bound != null) {
            bound.dispose();
        }
        release();
    }

    @Override
    public boolean isDisposed() {
        DisposableServer bound = server;
        return bound == null || bound.isDisposed();
    }

    @Override
    public Mono<Void> onDispose() {
        return server.onDispose();
    }

    private void release() {
        if (released.compareAndSet(false, true)) {
            shuttingDown.set(true);
            replies.dispose();
            metrics.close();
            if (ownsStore) {
                store.close();
            }
        }
    }

    // ---------------------------------------------------------------- backend push

    /**
     * {@code POST /api/v1/sessions/{sessionId}/events}: appends an {@code event} frame to a session's log on behalf
     * of a backend. 404 while no API key is configured (the endpoint does not exist), 401 for a missing or wrong
     * key, 400 for a malformed body or idempotency key, 404 for an unknown or expired session, 503 with Retry-After
     * when the store is unavailable, else 200 {@code {"seq": n, "duplicate": false}}.
     *
     * <p>With an {@code Idempotency-Key} header the event is appended at most once per key and session, so a backend
     * may send it again after a timeout or a node failure, to any node: the retry answers the first seq with
     * {@code "duplicate": true}.
     */
    private Publisher<Void> push(HttpServerRequest request, HttpServerResponse response) {
        return Mono.from(pushRequest(request, response))
                .doFinally(signal -> metrics.push(response.status().code()));
    }

    private Publisher<Void> pushRequest(HttpServerRequest request, HttpServerResponse response) {
        if (apiKeyDigest == null) {
            return respond(response, HttpResponseStatus.NOT_FOUND, "not_found",
                    "the push API is off: the gateway has no API key");
        }
        if (!authorized(request.requestHeaders().get(HttpHeaderNames.AUTHORIZATION))) {
            response.header(HttpHeaderNames.WWW_AUTHENTICATE, "Bearer");
            return respond(response, HttpResponseStatus.UNAUTHORIZED, "unauthorized",
                    "a valid Authorization: Bearer <api key> header is required");
        }
        String sessionId = request.param("sessionId");
        String idempotencyKey = request.requestHeaders().get(IDEMPOTENCY_KEY);
        if (idempotencyKey != null && !validIdempotencyKey(idempotencyKey)) {
            return respond(response, HttpResponseStatus.BAD_REQUEST, "bad_request", "Idempotency-Key must be 1 to "
                    + MAX_IDEMPOTENCY_KEY + " visible ASCII characters");
        }
        int limit = config.connections().maxFrameBytes();
        return request.receive().asByteArray()
                .reduce(new ByteArrayOutputStream(), (body, bytes) -> {
                    if (body.size() + bytes.length > limit) {
                        throw new BodyTooLarge();
                    }
                    body.write(bytes, 0, bytes.length);
                    return body;
                })
                .map(body -> body.toString(StandardCharsets.UTF_8))
                .flatMap(body -> {
                    ServerEvent event;
                    try {
                        event = parseEvent(body);
                    } catch (IllegalArgumentException e) {
                        return respond(response, HttpResponseStatus.BAD_REQUEST, "bad_request", e.getMessage());
                    }
                    Mono<OnceAppend> appended = idempotencyKey == null
                            ? store.append(sessionId, event).map(stored -> new OnceAppend(stored.seq(), false))
                            : store.appendOnce(sessionId, idempotencyKey, event);
                    return appended
                            .flatMap(stored -> {
                                ObjectNode json = codec.mapper().createObjectNode();
                                json.put("seq", stored.seq());
                                json.put("duplicate", stored.duplicate());
                                return send(response, HttpResponseStatus.OK, json);
                            })
                            .onErrorResume(e -> {
                                if (SessionStoreException.isNotFound(e)) {
                                    return respond(response, HttpResponseStatus.NOT_FOUND, "not_found",
                                            "no session " + sessionId + " (unknown or expired)");
                                }
                                if (e instanceof SessionStoreException store && store.isRetryable()) {
                                    LOG.warn("push to session {} failed: {}", sessionId, e.toString());
                                    response.header(HttpHeaderNames.RETRY_AFTER,
                                            Long.toString(Math.max(1, Closes.STORE_RETRY_AFTER.toSeconds())));
                                    // Unknown: the event may or may not have been stored (a timed-out append).
                                    return respond(response, HttpResponseStatus.SERVICE_UNAVAILABLE,
                                            "store_unavailable", SessionStoreException.isNotApplied(e)
                                                    ? "the session store is unavailable; the event was not stored"
                                                    : "the session store did not answer; the event may or may"
                                                            + " not have been stored");
                                }
                                if (e instanceof IllegalArgumentException) {
                                    return respond(response, HttpResponseStatus.NOT_FOUND, "not_found",
                                            "no such session");
                                }
                                return Mono.error(e);
                            });
                })
                .onErrorResume(BodyTooLarge.class, e -> respond(response,
                        HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE, "too_large",
                        "the body is larger than " + limit + " bytes"))
                .onErrorResume(e -> !(e instanceof BodyTooLarge), e -> {
                    LOG.warn("push to session {} failed: {}", sessionId, e.toString());
                    return respond(response, HttpResponseStatus.INTERNAL_SERVER_ERROR, "internal",
                            "internal error");
                });
    }

    private static boolean validIdempotencyKey(String key) {
        if (key.isEmpty() || key.length() > MAX_IDEMPOTENCY_KEY) {
            return false;
        }
        for (int i = 0; i < key.length(); i++) {
            char c = key.charAt(i);
            if (c < 0x21 || c > 0x7e) {
                return false;
            }
        }
        return true;
    }

    /** Whether {@code header} carries the API key; compared as digests, in time that does not depend on it. */
    private boolean authorized(String header) {
        String prefix = "Bearer ";
        if (header == null || header.length() <= prefix.length()
                || !header.regionMatches(true, 0, prefix, 0, prefix.length())) {
            return false;
        }
        return java.security.MessageDigest.isEqual(
                SessionTokens.digest(header.substring(prefix.length()).trim()), apiKeyDigest);
    }

    private ServerEvent parseEvent(String body) {
        JsonNode json;
        try {
            json = codec.mapper().readTree(body);
        } catch (java.io.IOException e) {
            throw new IllegalArgumentException("the body is not JSON");
        }
        if (json == null || !json.isObject()) {
            throw new IllegalArgumentException("the body must be a JSON object like {\"name\": ..., \"data\": ...}");
        }
        JsonNode name = json.get("name");
        if (name == null || !name.isTextual() || name.textValue().isBlank()) {
            throw new IllegalArgumentException("name must be a non-empty string");
        }
        JsonNode data = json.get("data");
        return ServerEvent.of(name.textValue(), data == null ? codec.mapper().nullNode() : data);
    }

    private Mono<Void> respond(HttpServerResponse response, HttpResponseStatus status, String error,
                               String reason) {
        ObjectNode json = codec.mapper().createObjectNode();
        json.put("error", error);
        json.put("reason", reason);
        return send(response, status, json);
    }

    private Mono<Void> send(HttpServerResponse response, HttpResponseStatus status, ObjectNode json) {
        return response.status(status)
                .header(HttpHeaderNames.CONTENT_TYPE, "application/json")
                .header(HttpHeaderNames.CACHE_CONTROL, "no-store")
                .sendString(Mono.just(json.toString()))
                .then();
    }

    private static final class BodyTooLarge extends RuntimeException {
        BodyTooLarge() {
            super("body too large", null, false, false);
        }
    }

    // ---------------------------------------------------------------- health

    /** How long {@code /health} waits for the store's statistics before it reports not ready: 1 second. */
    static final Duration HEALTH_STATS_TIMEOUT = Duration.ofSeconds(1);

    /** {@code GET /metrics}: every meter of this node in Prometheus' text format (see {@link GatewayMetrics}). */
    private Publisher<Void> metrics(HttpServerRequest request, HttpServerResponse response) {
        return response.status(HttpResponseStatus.OK)
                .header(HttpHeaderNames.CONTENT_TYPE, GatewayMetrics.CONTENT_TYPE)
                .header(HttpHeaderNames.CACHE_CONTROL, "no-store")
                .sendString(Mono.fromCallable(metrics::scrape));
    }

    private Publisher<Void> health(HttpServerRequest request, HttpServerResponse response) {
        return store.stats()
                // A store that accepts connections but does not answer must make this node not ready quickly,
                // not hang the load balancer's health check.
                .timeout(HEALTH_STATS_TIMEOUT, scheduler)
                .map(stats -> healthJson(stats))
                .onErrorResume(e -> Mono.just(healthJson(null)))
                .flatMap(json -> {
                    boolean ready = json.get("ready").booleanValue();
                    return response.status(ready ? HttpResponseStatus.OK : HttpResponseStatus.SERVICE_UNAVAILABLE)
                            .header(HttpHeaderNames.CONTENT_TYPE, "application/json")
                            .header(HttpHeaderNames.CACHE_CONTROL, "no-store")
                            .sendString(Mono.just(json.toString()))
                            .then();
                });
    }

    private ObjectNode healthJson(SessionStats stats) {
        boolean ready = isReady() && stats != null;
        ObjectNode json = codec.mapper().createObjectNode();
        json.put("status", shuttingDown.get() ? "shutting_down" : ready ? "ok" : "not_ready");
        json.put("ready", ready);
        json.put("nodeId", config.server().nodeId());
        json.put("protocol", Protocol.VERSION);
        json.put("connections", connections.size());
        json.put("replies", replies.size());
        ObjectNode handshakes = json.putObject("handshakes");
        handshakes.put("inProgress", admission.inProgress());
        handshakes.put("queued", admission.queued());
        handshakes.put("limit", admission.limit());
        handshakes.put("refused", admission.refused());
        if (stats != null) {
            ObjectNode sessions = json.putObject("sessions");
            sessions.put("total", stats.total());
            sessions.put("connected", stats.connected());
            sessions.put("disconnected", stats.disconnected());
        } else {
            json.putNull("sessions");
        }
        ObjectNode settings = json.putObject("config");
        settings.put("path", config.server().path());
        settings.put("heartbeatMs", config.connections().heartbeat().toMillis());
        settings.put("idleTimeoutMs", config.connections().idleTimeout().toMillis());
        settings.put("graceMs", config.sessionLimits().grace().toMillis());
        settings.put("historyFrames", config.sessionLimits().historyFrames());
        settings.put("historyMaxAgeMs", config.sessionLimits().historyMaxAge().toMillis());
        settings.put("handshakeTimeoutMs", config.connections().handshakeTimeout().toMillis());
        settings.put("maxFrameBytes", config.connections().maxFrameBytes());
        settings.put("handler", config.handler().name());
        settings.put("store", config.store().kind().name().toLowerCase());
        return json;
    }
}
