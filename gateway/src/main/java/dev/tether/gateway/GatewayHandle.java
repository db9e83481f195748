package dev.tether.gateway;

import dev.tether.protocol.session.SessionStore;
import java.time.Duration;
import java.util.OptionalInt;
import reactor.core.Disposable;
import reactor.core.publisher.Mono;

/** A running gateway node, from {@link TetherGateway#start()}. */
public interface GatewayHandle extends Disposable {

    /** The address the server is bound to. */
    String host();

    /** The bound port; the real one when the configuration asked for port 0. */
    int port();

    /** The bound management port ({@link ServerOptions#managementPort()}), or empty when there is none. */
    OptionalInt managementPort();

    /** The WebSocket path. */
    String path();

    /** This node's id. */
    String nodeId();

    /** The session store this node uses. */
    SessionStore store();

    /** Whether the node takes new connections: its store is ready and it is not shutting down. */
    boolean isReady();

    /** The number of open WebSocket connections. */
    int connections();

    /**
     * Drains the node as {@link GatewayConfig#drain()} says, which is what SIGTERM does: reports not ready for the
     * drain delay, closes the connections with 1012 (service restart) and a retry-after hint, evenly spread over the
     * drain time, waits up to {@link ServerOptions#shutdownTimeout()} for them to go and for the replies in progress
     * to end, then stops the server. Called while a drain runs, it hurries it as {@link #shutdown} does. Completes
     * when the server is stopped.
     */
    Mono<Void> drain();

    /**
     * Shuts down at once: reports not ready, closes every connection with 1012 (service restart) and a retry-after
     * hint, waits up to {@code timeout} for them to go (not for replies in progress, which another node takes over),
     * then stops the server. Called while a drain runs, it hurries it: every connection left is closed now. Completes
     * when the server is stopped.
     */
    Mono<Void> shutdown(Duration timeout);

    /** Completes when the server has stopped. */
    Mono<Void> onDispose();
}
