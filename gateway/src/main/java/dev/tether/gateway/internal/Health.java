package dev.tether.gateway.internal;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tether.gateway.GatewayConfig;
import dev.tether.protocol.Protocol;
import dev.tether.protocol.session.SessionStats;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.netty.http.server.HttpServerRequest;
import reactor.netty.http.server.HttpServerResponse;

/**
 * {@code GET /health}: whether a node is ready, for load balancers, and what it is doing, for operators.
 *
 * <p>Readiness follows the store's connection ({@link dev.tether.protocol.session.SessionStore#isReady()}), never
 * one slow answer: a store that is busy for a moment must not take every node out of the load balancer at once. The
 * session counts are informative only; when the store is slow to count, the last counts are reported as stale.
 */
final class Health {

    /** How long {@code /health} waits for the store's session counts before it reports the last ones: 1 second. */
    static final Duration STATS_TIMEOUT = Duration.ofSeconds(1);

    private final ServerHandle node;
    private final GatewayConfig config;
    private final Admission admission;
    private final Replies replies;
    private final ObjectMapper mapper;
    private final Scheduler scheduler;
    /** The last counts the store answered, and when (scheduler millis); null until the first. */
    private volatile Counted lastStats;

    private record Counted(SessionStats stats, long atMillis) {
    }

    Health(ServerHandle node, Replies replies, ObjectMapper mapper, Scheduler scheduler) {
        this.node = node;
        this.config = node.config();
        this.admission = node.admission();
        this.replies = replies;
        this.mapper = mapper;
        this.scheduler = scheduler;
    }

    /** {@code GET /health}: 200 when this node takes connections, else 503; the body says why and how busy. */
    Publisher<Void> serve(HttpServerRequest request, HttpServerResponse response) {
        return node.store().stats()
                // A slow count must not hang the load balancer's health check: answer with the last one.
                .timeout(STATS_TIMEOUT, scheduler)
                .map(stats -> {
                    Counted counted = new Counted(stats, scheduler.now(TimeUnit.MILLISECONDS));
                    lastStats = counted;
                    return json(counted, false);
                })
                .onErrorResume(e -> Mono.just(json(lastStats, true)))
                .switchIfEmpty(Mono.fromSupplier(() -> json(lastStats, true)))
                .flatMap(json -> ServerHandle.sendJson(response, json.get("ready").booleanValue()
                        ? HttpResponseStatus.OK : HttpResponseStatus.SERVICE_UNAVAILABLE, json));
    }

    private ObjectNode json(Counted counted, boolean stale) {
        boolean ready = node.isReady();
        ObjectNode json = mapper.createObjectNode();
        json.put("status", node.isShuttingDown() ? "shutting_down" : ready ? "ok" : "not_ready");
        json.put("ready", ready);
        json.put("nodeId", config.server().nodeId());
        json.put("protocol", Protocol.VERSION);
        json.put("connections", node.connections());
        json.put("replies", replies.size());
        ObjectNode drain = json.putObject("drain");
        drain.put("state", node.draining().state().name().toLowerCase());
        drain.put("left", node.draining().left());
        ObjectNode handshakes = json.putObject("handshakes");
        handshakes.put("inProgress", admission.inProgress());
        handshakes.put("queued", admission.queued());
        handshakes.put("limit", admission.limit());
        handshakes.put("refused", admission.refused());
        handshakes.put("awaitingHello", node.awaitingHello().count());
        if (counted != null) {
            ObjectNode sessions = json.putObject("sessions");
            sessions.put("total", counted.stats().total());
            sessions.put("connected", counted.stats().connected());
            sessions.put("disconnected", counted.stats().disconnected());
            // Stale: the store did not count in time, and these are the last counts it gave, this old.
            sessions.put("stale", stale);
            sessions.put("ageMs", Math.max(0, scheduler.now(TimeUnit.MILLISECONDS) - counted.atMillis()));
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
        settings.put("helloTimeoutMs", config.connections().helloTimeout().toMillis());
        settings.put("handshakeTimeoutMs", config.connections().handshakeTimeout().toMillis());
        settings.put("maxFrameBytes", config.connections().maxFrameBytes());
        settings.put("handler", config.handler().name());
        settings.put("store", config.store().kind().name().toLowerCase());
        return json;
    }
}
