package dev.tether.gateway.internal;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.micrometer.core.instrument.binder.MeterBinder;
import dev.tether.gateway.AdmissionOptions;
import dev.tether.gateway.ConversationHandler;
import dev.tether.gateway.GatewayConfig;
import dev.tether.gateway.GatewayException;
import dev.tether.gateway.GatewayHandle;
import dev.tether.protocol.FrameCodec;
import dev.tether.protocol.session.SessionStore;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.time.Clock;
import java.time.Duration;
import java.util.OptionalInt;
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
import reactor.netty.http.client.HttpClient;
import reactor.netty.http.server.HttpServer;
import reactor.netty.http.server.HttpServerRequest;
import reactor.netty.http.server.HttpServerResponse;
import reactor.netty.http.server.ProxyProtocolSupportType;
import reactor.netty.http.server.WebsocketServerSpec;

/**
 * A bound gateway node: the HTTP server and its routes, its connections and replies, and its shutdown. The push API,
 * {@code /health} and the chat page are served by {@link PushApi}, {@link StateApi}, {@link Health} and
 * {@link StaticFiles}.
 */
final class ServerHandle implements GatewayHandle {

    private static final Logger LOG = LoggerFactory.getLogger(ServerHandle.class);

    private final GatewayConfig config;
    private final SessionStore store;
    private final boolean ownsStore;
    private final Clock clock;
    private final FrameCodec codec;
    private final Scheduler scheduler;
    private final Replies replies;
    private final NodeLiveness liveness;
    private final Set<Connection> connections = ConcurrentHashMap.newKeySet();
    private final Admission admission;
    private final AddressFailures failedResumes;
    private final ClientAddress clientAddress;
    private final AddressLimits addressLimits;
    private final UserLimits userLimits;
    private final AwaitingHello awaitingHello;
    private final GatewayMetrics metrics;
    private final Drain<Connection> drain;
    private final AtomicBoolean released = new AtomicBoolean();
    private final PushApi pushApi;
    private final StateApi stateApi;
    private final Health health;
    private final StaticFiles ui;
    /** Checks the tokens of connections; null when the node authenticates nobody. */
    private final TokenVerifier tokens;
    private volatile DisposableServer server;
    private volatile DisposableServer management;

    private ServerHandle(GatewayConfig config, SessionStore store, boolean ownsStore, ConversationHandler handler,
                         Clock clock, Scheduler scheduler, StaticFiles ui) {
        this.config = config;
        this.ui = ui;
        this.scheduler = scheduler;
        this.metrics = new GatewayMetrics(config.server().nodeId());
        // Every store call of this node goes through it, so an outage is logged once, with counts.
        this.store = new StoreHealth(store, scheduler, metrics);
        this.ownsStore = ownsStore;
        this.clock = clock;
        this.codec = new FrameCodec(config.connections().maxFrameBytes());
        this.tokens = config.auth().required() ? new TokenVerifier(config.auth(), clock, HttpClient.create()) : null;
        AdmissionOptions admissionOptions = config.admission();
        this.admission = new Admission(admissionOptions.maxHandshakes(), admissionOptions.handshakeQueue(),
                admissionOptions.handshakeQueueWait(), admissionOptions.handshakeRetryAfter(), scheduler);
        this.failedResumes = new AddressFailures(config.resumes(), scheduler);
        this.clientAddress = new ClientAddress(config.proxy());
        this.addressLimits = new AddressLimits(config.limits(), config.resumes().trackedAddresses(), scheduler);
        this.userLimits = new UserLimits(config.limits(), config.resumes().trackedAddresses(), scheduler);
        this.awaitingHello = new AwaitingHello(admissionOptions.maxAwaitingHello(),
                config.connections().helloTimeout(), scheduler);
        this.replies = new Replies(this.store, handler, codec, config.server().nodeId(), config.replies(), scheduler,
                metrics);
        replies.listenForCancels();
        this.liveness = new NodeLiveness(this.store, replies, config.server().nodeId(), config.replies().nodeTtl(),
                scheduler);
        liveness.start();
        if (handler instanceof MeterBinder meters) {
            metrics.bind(meters);
        }
        metrics.gauges(connections::size, replies::size, admission::inProgress, admission::queued,
                this.store::isReady);
        this.drain = new Drain<>(new Drain.Node<>() {
            @Override
            public java.util.Collection<Connection> open() {
                return connections;
            }

            @Override
            public boolean busy(Connection connection) {
                String session = connection.sessionId();
                return session != null && replies.isProducing(session);
            }

            @Override
            public void close(Connection connection) {
                connection.close(GatewayException.shuttingDown(admission.retryAfter()));
            }

            @Override
            public int repliesRunning() {
                return replies.size();
            }
        }, scheduler, metrics, config.server().nodeId());
        ApiGuard apiGuard = new ApiGuard(config, clientAddress, codec.mapper(), scheduler);
        this.pushApi = new PushApi(this.store, codec, metrics, apiGuard);
        this.health = new Health(this, replies, codec.mapper(), scheduler);
        this.stateApi = new StateApi(this.store, config.sessionLimits().maxStateBytes(), codec.mapper(), apiGuard);
    }

    static Mono<GatewayHandle> bind(GatewayConfig config, SessionStore store, boolean ownsStore,
                                    ConversationHandler handler, Clock clock, Scheduler scheduler) {
        return StaticFiles.load(config).flatMap(ui -> {
            ServerHandle handle = new ServerHandle(config, store, ownsStore, handler, clock, scheduler, ui);
            WebsocketServerSpec spec = WebsocketServerSpec.builder()
                    .maxFramePayloadLength(config.connections().maxFrameBytes())
                    // Pings reach the connection, which answers them: they count as heard for the idle timeout.
                    .handlePing(true)
                    .build();
            OptionalInt managementPort = config.server().managementPort();
            return handle.bindManagement()
                    .then(HttpServer.create()
                            .host(config.server().host())
                            .port(config.server().port())
                            .proxyProtocol(config.proxy().proxyProtocol() ? ProxyProtocolSupportType.ON
                                    : ProxyProtocolSupportType.OFF)
                            .httpRequestDecoder(decoder -> decoder.maxHeaderSize(config.server().maxHeaderBytes())
                                    .maxInitialLineLength(config.server().maxHeaderBytes()))
                            .doOnChannelInit((observer, channel, address) -> RequestDeadline.install(
                                    channel.pipeline(), config.server().requestTimeout()))
                            .route(routes -> {
                                routes.get("/health", handle.health::serve);
                                if (managementPort.isEmpty()) {
                                    routes.get("/metrics", handle::metrics);
                                }
                                routes.post(PushApi.PUSH_ROUTE, handle.pushApi::push)
                                        .post(PushApi.USER_PUSH_ROUTE, handle.pushApi::pushToUser)
                                        .get(StateApi.STATE_ROUTE, handle.stateApi::read)
                                        .put(StateApi.STATE_ROUTE, handle.stateApi::write)
                                        .get(config.server().path(), Upgrades.endpoint(
                                                (address, in, out) -> handle.accept(address).handle(in, out), spec,
                                                config.limits(), handle.clientAddress, handle.metrics));
                                if (handle.ui.enabled()) {
                                    routes.route(handle.ui::accepts, handle.ui::serve);
                                }
                            })
                            .bind())
                    // The public port taken: let the management port go too.
                    .doOnError(e -> handle.disposeManagement())
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

    /** Binds the management port, when there is one: {@code /metrics} and {@code /health}, for operators only. */
    private Mono<Void> bindManagement() {
        OptionalInt port = config.server().managementPort();
        if (port.isEmpty()) {
            return Mono.empty();
        }
        return HttpServer.create()
                .host(config.server().host())
                .port(port.getAsInt())
                .route(routes -> routes.get("/metrics", this::metrics).get("/health", health::serve))
                .bind()
                .doOnNext(bound -> {
                    management = bound;
                    LOG.info("gateway {} serving /metrics and /health on {}:{}", config.server().nodeId(),
                            config.server().host(), bound.port());
                })
                .then();
    }

    private void disposeManagement() {
        DisposableServer bound = management;
        if (bound != null) {
            bound.dispose();
        }
    }

    private Connection accept(String clientAddress) {
        Connection connection = new Connection(this, replies, scheduler, clientAddress);
        connections.add(connection);
        return connection;
    }

    void connectionEnded(Connection connection) {
        connections.remove(connection);
    }

    GatewayMetrics metrics() {
        return metrics;
    }

    /** Checks the tokens of connections; null when the node authenticates nobody. */
    TokenVerifier tokens() {
        return tokens;
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
        return drain.started() || released.get();
    }

    Drain<Connection> draining() {
        return drain;
    }

    Admission admission() {
        return admission;
    }

    AddressFailures failedResumes() {
        return failedResumes;
    }

    AddressLimits addressLimits() {
        return addressLimits;
    }

    UserLimits userLimits() {
        return userLimits;
    }

    AwaitingHello awaitingHello() {
        return awaitingHello;
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
    public OptionalInt managementPort() {
        DisposableServer bound = management;
        return bound == null ? OptionalInt.empty() : OptionalInt.of(bound.port());
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
        return !isShuttingDown() && !isDisposed() && store.isReady();
    }

    @Override
    public int connections() {
        return connections.size();
    }

    @Override
    public Mono<Void> drain() {
        return stopAfter(drain.start(config.drain(), config.server().shutdownTimeout()));
    }

    @Override
    public Mono<Void> shutdown(Duration timeout) {
        return stopAfter(drain.now(timeout));
    }

    private Mono<Void> stopAfter(Mono<Void> drained) {
        return drained.then(Mono.defer(() -> {
            dispose();
            return onDispose();
        }));
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
            disposeManagement();
            awaitingHello.dispose();
            liveness.dispose();
            replies.dispose();
            metrics.close();
            if (ownsStore) {
                store.close();
            }
        }
    }

    /** {@code GET /metrics}: every meter of this node in Prometheus' text format (see {@link GatewayMetrics}). */
    private Publisher<Void> metrics(HttpServerRequest request, HttpServerResponse response) {
        return response.status(HttpResponseStatus.OK)
                .header(HttpHeaderNames.CONTENT_TYPE, GatewayMetrics.CONTENT_TYPE)
                .header(HttpHeaderNames.CACHE_CONTROL, "no-store")
                .sendString(Mono.fromCallable(metrics::scrape));
    }

    /** Answers with {@code json}, never cached. */
    static Mono<Void> sendJson(HttpServerResponse response, HttpResponseStatus status, ObjectNode json) {
        return response.status(status)
                .header(HttpHeaderNames.CONTENT_TYPE, "application/json")
                .header(HttpHeaderNames.CACHE_CONTROL, "no-store")
                .sendString(Mono.just(json.toString()))
                .then();
    }
}
