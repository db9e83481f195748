package dev.tether.gateway;

import dev.tether.protocol.Checks;
import dev.tether.protocol.Protocol;
import java.time.Duration;
import java.util.Objects;
import java.util.OptionalInt;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Where a gateway node listens and who it is. Immutable; build with {@link #builder()}.
 *
 * @param host            the interface to bind; default {@link #DEFAULT_HOST}
 * @param port            the TCP port, 0 for any free one; default {@link #DEFAULT_PORT}
 * @param path            the WebSocket path; default {@link #DEFAULT_PATH}
 * @param nodeId          this node's id, in health reports and store metadata; default a random 8-character id
 * @param shutdownTimeout how long a graceful shutdown waits for connections to close;
 *                        default {@link #DEFAULT_SHUTDOWN_TIMEOUT}
 * @param managementPort  the TCP port of {@code /metrics} and {@code /health} for operators, on the same host, 0 for
 *                        any free one; when set, {@code /metrics} is not served on {@link #port()}; default none
 *                        ({@code /metrics} on the public port)
 * @param requestTimeout  time a TCP connection has to send a complete HTTP request (its headers and body, or the
 *                        WebSocket upgrade) before it is closed; default {@link #DEFAULT_REQUEST_TIMEOUT}
 * @param maxHeaderBytes  largest HTTP request line plus headers, in bytes; larger is answered 431 (headers) or 414
 *                        (request line); default {@link #DEFAULT_MAX_HEADER_BYTES}
 */
public record ServerOptions(String host, int port, String path, String nodeId, Duration shutdownTimeout,
                            OptionalInt managementPort, Duration requestTimeout, int maxHeaderBytes) {

    /** Default time a connection has to send a complete HTTP request: 10 seconds. */
    public static final Duration DEFAULT_REQUEST_TIMEOUT = Duration.ofSeconds(10);
    /** Default largest HTTP request line plus headers: 8 KiB. */
    public static final int DEFAULT_MAX_HEADER_BYTES = 8 * 1024;

    /** Default interface to bind: all of them. */
    public static final String DEFAULT_HOST = "0.0.0.0";
    /** Default TCP port: 8787. */
    public static final int DEFAULT_PORT = 8787;
    /** Default WebSocket path: {@value Protocol#DEFAULT_PATH}. */
    public static final String DEFAULT_PATH = Protocol.DEFAULT_PATH;
    /** Default time a graceful shutdown waits for connections to close: 10 seconds. */
    public static final Duration DEFAULT_SHUTDOWN_TIMEOUT = Duration.ofSeconds(10);
    /** Longest accepted shutdown timeout: 10 minutes. */
    public static final Duration MAX_SHUTDOWN_TIMEOUT = Duration.ofMinutes(10);

    public ServerOptions {
        Checks.nonBlank("host", host);
        Checks.between("port", port, 0, 65_535);
        Objects.requireNonNull(path, "path");
        if (!path.startsWith("/") || path.length() < 2 || path.equals("/health") || path.contains(" ")) {
            throw new IllegalArgumentException(
                    "path must start with / and name a route other than /health, got \"" + path + "\"");
        }
        Objects.requireNonNull(nodeId, "nodeId");
        if (!nodeId.matches("[A-Za-z0-9._-]{1,64}")) {
            throw new IllegalArgumentException(
                    "nodeId must be 1 to 64 letters, digits, '-', '_' or '.', got \"" + nodeId + "\"");
        }
        Checks.between("shutdownTimeout", shutdownTimeout, Duration.ZERO, MAX_SHUTDOWN_TIMEOUT);
        Objects.requireNonNull(managementPort, "managementPort");
        if (managementPort.isPresent()) {
            Checks.between("managementPort", managementPort.getAsInt(), 0, 65_535);
            if (managementPort.getAsInt() == port && port != 0) {
                throw new IllegalArgumentException("managementPort must differ from port " + port);
            }
        }
        Checks.between("requestTimeout", requestTimeout, Duration.ofMillis(100), Duration.ofMinutes(10));
        Checks.between("maxHeaderBytes", maxHeaderBytes, 1024, 1024 * 1024);
    }

    /** The defaults, with a random node id. */
    public static ServerOptions defaults() {
        return new ServerOptions(DEFAULT_HOST, DEFAULT_PORT, DEFAULT_PATH, randomNodeId(), DEFAULT_SHUTDOWN_TIMEOUT,
                OptionalInt.empty(), DEFAULT_REQUEST_TIMEOUT, DEFAULT_MAX_HEADER_BYTES);
    }

    /** A builder starting from the defaults, with a random node id. */
    public static Builder builder() {
        return new Builder(defaults());
    }

    /** A builder starting from these options, node id included. */
    public Builder toBuilder() {
        return new Builder(this);
    }

    private static String randomNodeId() {
        return Long.toString(ThreadLocalRandom.current().nextLong(36L * 36 * 36 * 36 * 36 * 36 * 36,
                36L * 36 * 36 * 36 * 36 * 36 * 36 * 36), 36);
    }

    /** Builds {@link ServerOptions}; each setter validates its argument. */
    public static final class Builder {
        private ServerOptions options;

        private Builder(ServerOptions options) {
            this.options = options;
        }

        /** Interface to bind, non-empty. */
        public Builder host(String host) {
            options = new ServerOptions(host, options.port, options.path, options.nodeId, options.shutdownTimeout,
                    options.managementPort, options.requestTimeout, options.maxHeaderBytes);
            return this;
        }

        /** TCP port, 0 (any free port) to 65535. */
        public Builder port(int port) {
            options = new ServerOptions(options.host, port, options.path, options.nodeId, options.shutdownTimeout,
                    options.managementPort, options.requestTimeout, options.maxHeaderBytes);
            return this;
        }

        /** WebSocket path, starting with {@code /}, not {@code /health}. */
        public Builder path(String path) {
            options = new ServerOptions(options.host, options.port, path, options.nodeId, options.shutdownTimeout,
                    options.managementPort, options.requestTimeout, options.maxHeaderBytes);
            return this;
        }

        /** This node's id: 1 to 64 letters, digits, {@code -}, {@code _} or {@code .}. */
        public Builder nodeId(String nodeId) {
            options = new ServerOptions(options.host, options.port, options.path, nodeId, options.shutdownTimeout,
                    options.managementPort, options.requestTimeout, options.maxHeaderBytes);
            return this;
        }

        /** How long a graceful shutdown waits for connections to close, 0 to {@link #MAX_SHUTDOWN_TIMEOUT}. */
        public Builder shutdownTimeout(Duration shutdownTimeout) {
            options = new ServerOptions(options.host, options.port, options.path, options.nodeId, shutdownTimeout,
                    options.managementPort, options.requestTimeout, options.maxHeaderBytes);
            return this;
        }

        /**
         * TCP port of {@code /metrics} and {@code /health} for operators, 0 (any free port) to 65535, not the public
         * port; {@code /metrics} then leaves the public port.
         */
        public Builder managementPort(int managementPort) {
            options = new ServerOptions(options.host, options.port, options.path, options.nodeId,
                    options.shutdownTimeout, OptionalInt.of(managementPort), options.requestTimeout,
                    options.maxHeaderBytes);
            return this;
        }

        /** Time a connection has to send a complete HTTP request, 100 ms to 10 minutes. */
        public Builder requestTimeout(Duration requestTimeout) {
            options = new ServerOptions(options.host, options.port, options.path, options.nodeId,
                    options.shutdownTimeout, options.managementPort, requestTimeout, options.maxHeaderBytes);
            return this;
        }

        /** Largest HTTP request line plus headers, 1 KiB to 1 MiB. */
        public Builder maxHeaderBytes(int maxHeaderBytes) {
            options = new ServerOptions(options.host, options.port, options.path, options.nodeId,
                    options.shutdownTimeout, options.managementPort, options.requestTimeout, maxHeaderBytes);
            return this;
        }

        public ServerOptions build() {
            return options;
        }
    }
}
