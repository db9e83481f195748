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
     * Shuts down gracefully: reports not ready, closes every connection with 1012 (service restart), waits up to
     * {@code timeout} for them to go, then stops the server. Completes when the server is stopped.
     */
    Mono<Void> shutdown(Duration timeout);

    /** Completes when the server has stopped. */
    Mono<Void> onDispose();
}
