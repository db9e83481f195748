package dev.tether.gateway.internal;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tether.gateway.GatewayConfig;
import dev.tether.protocol.Protocol;
import dev.tether.protocol.session.SessionStats;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.time.Duration;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.netty.http.server.HttpServerRequest;
import reactor.netty.http.server.HttpServerResponse;

/** {@code GET /health}: whether a node is ready, for load balancers, and what it is doing, for operators. */
final class Health {

    /** How long {@code /health} waits for the store's statistics before it reports not ready: 1 second. */
    static final Duration STATS_TIMEOUT = Duration.ofSeconds(1);

    private final ServerHandle node;
    private final GatewayConfig config;
    private final Admission admission;
    private final Replies replies;
    private final ObjectMapper mapper;
    private final Scheduler scheduler;

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
                // A store that accepts connections but does not answer must make this node not ready quickly,
                // not hang the load balancer's health check.
                .timeout(STATS_TIMEOUT, scheduler)
                .map(this::json)
                .onErrorResume(e -> Mono.just(json(null)))
                .flatMap(json -> ServerHandle.sendJson(response, json.get("ready").booleanValue()
                        ? HttpResponseStatus.OK : HttpResponseStatus.SERVICE_UNAVAILABLE, json));
    }

    private ObjectNode json(SessionStats stats) {
        boolean ready = node.isReady() && stats != null;
        ObjectNode json = mapper.createObjectNode();
        json.put("status", node.isShuttingDown() ? "shutting_down" : ready ? "ok" : "not_ready");
        json.put("ready", ready);
        json.put("nodeId", config.server().nodeId());
        json.put("protocol", Protocol.VERSION);
        json.put("connections", node.connections());
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
