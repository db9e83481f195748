package dev.tether.gateway;

import dev.tether.protocol.Protocol;
import dev.tether.protocol.session.SessionLimits;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Everything a gateway node is configured with. Immutable; build with {@link #builder()}, derive variants with
 * {@link #toBuilder()}. Each setter validates its argument and names it in the error.
 */
public final class GatewayConfig {

    /** Default interface to bind: all of them. */
    public static final String DEFAULT_HOST = "0.0.0.0";
    /** Default TCP port: 8787. */
    public static final int DEFAULT_PORT = 8787;
    /** Default WebSocket path: {@value Protocol#DEFAULT_PATH}. */
    public static final String DEFAULT_PATH = Protocol.DEFAULT_PATH;
    /** Default heartbeat: the gateway pings every 25 seconds. */
    public static final Duration DEFAULT_HEARTBEAT = Duration.ofSeconds(25);
    /** Default grace period of a disconnected session: {@link SessionLimits#DEFAULT_GRACE}. */
    public static final Duration DEFAULT_GRACE = SessionLimits.DEFAULT_GRACE;
    /** Default frames retained per session: {@link SessionLimits#DEFAULT_HISTORY_FRAMES}. */
    public static final int DEFAULT_HISTORY_FRAMES = SessionLimits.DEFAULT_HISTORY_FRAMES;
    /** Default age limit of retained frames: {@link SessionLimits#DEFAULT_HISTORY_MAX_AGE}. */
    public static final Duration DEFAULT_HISTORY_MAX_AGE = SessionLimits.DEFAULT_HISTORY_MAX_AGE;
    /** Default conversation handler: {@code echo}. */
    public static final String DEFAULT_HANDLER = "echo";
    /** Default pause between the echo handler's words: 20 milliseconds. */
    public static final Duration DEFAULT_ECHO_DELAY = Duration.ofMillis(20);
    /** Default time a new connection has to send {@code hello}: 10 seconds. */
    public static final Duration DEFAULT_HANDSHAKE_TIMEOUT = Duration.ofSeconds(10);
    /** Default largest accepted frame payload, in bytes: {@link Protocol#DEFAULT_MAX_FRAME_BYTES}. */
    public static final int DEFAULT_MAX_FRAME_BYTES = Protocol.DEFAULT_MAX_FRAME_BYTES;
    /** Smallest accepted {@code maxFrameBytes}: 1 KiB. */
    public static final int MIN_MAX_FRAME_BYTES = 1024;
    /** Largest accepted {@code maxFrameBytes}: 16 MiB. */
    public static final int MAX_MAX_FRAME_BYTES = 16 * 1024 * 1024;
    /** Default session store: {@link StoreKind#MEMORY}. */
    public static final StoreKind DEFAULT_STORE = StoreKind.MEMORY;
    /** Default Redis URI, used only with {@link StoreKind#REDIS}. */
    public static final String DEFAULT_REDIS_URI = "redis://localhost:6379";
    /** Default number of bad frames within {@link #badFrameWindow()} that closes a connection with 1008: 10. */
    public static final int DEFAULT_BAD_FRAME_LIMIT = 10;
    /** Default window in which bad frames are counted: 1 minute. */
    public static final Duration DEFAULT_BAD_FRAME_WINDOW = Duration.ofMinutes(1);
    /** Default time a graceful shutdown waits for connections to close: 10 seconds. */
    public static final Duration DEFAULT_SHUTDOWN_TIMEOUT = Duration.ofSeconds(10);
    /** Default lease on a reply being produced; renewed at a third of it while the reply runs: 30 seconds. */
    public static final Duration DEFAULT_REPLY_LEASE = Duration.ofSeconds(30);
    /**
     * Default longest time a reply waits for an unreachable store before it gives up and ends {@code failed}:
     * 30 seconds.
     */
    public static final Duration DEFAULT_MAX_REPLY_PAUSE = Duration.ofSeconds(30);
    /**
     * Default limit on handshakes in progress at once on one node (upgrade to {@code welcome}); beyond it new
     * connections wait in a queue: 256.
     */
    public static final int DEFAULT_MAX_HANDSHAKES = 256;
    /**
     * Default number of connections that may wait for a handshake place; beyond it they are refused with 1013 and a
     * retry-after hint: 8192.
     */
    public static final int DEFAULT_HANDSHAKE_QUEUE = 8192;
    /** Default longest wait for a handshake place before a connection is refused with 1013: 5 seconds. */
    public static final Duration DEFAULT_HANDSHAKE_QUEUE_WAIT = Duration.ofSeconds(5);
    /**
     * Default retry-after hint for a refused handshake: 1 second. Each refusal hints a random time between this
     * and twice this, so that refused clients do not all come back at once.
     */
    public static final Duration DEFAULT_HANDSHAKE_RETRY_AFTER = Duration.ofSeconds(1);
    /**
     * Default number of frames that may wait to be written to one slow client before its connection is closed with
     * 1013 (it resumes and gets them from the session log): 10,000.
     */
    public static final int DEFAULT_MAX_PENDING_FRAMES = 10_000;
    /** Default timeout of one Redis command: 2 seconds. */
    public static final Duration DEFAULT_REDIS_TIMEOUT = Duration.ofSeconds(2);
    /** URI scheme that marks a comma-separated list of Redis Cluster seed nodes. */
    public static final String REDIS_CLUSTER_SCHEME = "redis-cluster://";

    /** Which session store backs the gateway. */
    public enum StoreKind {
        /** {@link InMemorySessionStore}: this node only, lost on restart. */
        MEMORY,
        /**
         * Redis, shared by every node (module {@code session-redis}), so that a session can resume on any node;
         * see {@link #redisUri()}.
         */
        REDIS
    }

    private final String host;
    private final int port;
    private final String path;
    private final Duration heartbeat;
    private final Duration grace;
    private final int historyFrames;
    private final Duration historyMaxAge;
    private final String handler;
    private final Duration echoDelay;
    private final Duration handshakeTimeout;
    private final int maxFrameBytes;
    private final String nodeId;
    private final StoreKind store;
    private final String redisUri;
    private final String apiKey;
    private final int badFrameLimit;
    private final Duration badFrameWindow;
    private final Duration shutdownTimeout;
    private final Duration replyLease;
    private final Duration maxReplyPause;
    private final Duration redisTimeout;
    private final int maxPendingFrames;
    private final int maxHandshakes;
    private final int handshakeQueue;
    private final Duration handshakeQueueWait;
    private final Duration handshakeRetryAfter;

    private GatewayConfig(Builder b) {
        this.host = b.host;
        this.port = b.port;
        this.path = b.path;
        this.heartbeat = b.heartbeat;
        this.grace = b.grace;
        this.historyFrames = b.historyFrames;
        this.historyMaxAge = b.historyMaxAge;
        this.handler = b.handler;
        this.echoDelay = b.echoDelay;
        this.handshakeTimeout = b.handshakeTimeout;
        this.maxFrameBytes = b.maxFrameBytes;
        this.nodeId = b.nodeId != null ? b.nodeId : randomNodeId();
        this.store = b.store;
        this.redisUri = b.redisUri;
        this.apiKey = b.apiKey;
        this.badFrameLimit = b.badFrameLimit;
        this.badFrameWindow = b.badFrameWindow;
        this.shutdownTimeout = b.shutdownTimeout;
        this.replyLease = b.replyLease;
        this.maxReplyPause = b.maxReplyPause;
        this.redisTimeout = b.redisTimeout;
        this.maxPendingFrames = b.maxPendingFrames;
        this.maxHandshakes = b.maxHandshakes;
        this.handshakeQueue = b.handshakeQueue;
        this.handshakeQueueWait = b.handshakeQueueWait;
        this.handshakeRetryAfter = b.handshakeRetryAfter;
    }

    /** The defaults, with a random node id. */
    public static GatewayConfig defaults() {
        return builder().build();
    }

    public static Builder builder() {
        return new Builder();
    }

    /** A builder starting from this configuration, node id included. */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.host = host;
        b.port = port;
        b.path = path;
        b.heartbeat = heartbeat;
        b.grace = grace;
        b.historyFrames = historyFrames;
        b.historyMaxAge = historyMaxAge;
        b.handler = handler;
        b.echoDelay = echoDelay;
        b.handshakeTimeout = handshakeTimeout;
        b.maxFrameBytes = maxFrameBytes;
        b.nodeId = nodeId;
        b.store = store;
        b.redisUri = redisUri;
        b.apiKey = apiKey;
        b.badFrameLimit = badFrameLimit;
        b.badFrameWindow = badFrameWindow;
        b.shutdownTimeout = shutdownTimeout;
        b.replyLease = replyLease;
        b.maxReplyPause = maxReplyPause;
        b.redisTimeout = redisTimeout;
        b.maxPendingFrames = maxPendingFrames;
        b.maxHandshakes = maxHandshakes;
        b.handshakeQueue = handshakeQueue;
        b.handshakeQueueWait = handshakeQueueWait;
        b.handshakeRetryAfter = handshakeRetryAfter;
        return b;
    }

    /** The interface to bind; default {@link #DEFAULT_HOST}. */
    public String host() {
        return host;
    }

    /** The TCP port, 0 for any free one; default {@link #DEFAULT_PORT}. */
    public int port() {
        return port;
    }

    /** The WebSocket path; default {@link #DEFAULT_PATH}. */
    public String path() {
        return path;
    }

    /** How often the gateway pings each connection; default {@link #DEFAULT_HEARTBEAT}. */
    public Duration heartbeat() {
        return heartbeat;
    }

    /**
     * How long a connection may stay silent before the gateway closes it: the heartbeat plus half of it, so a client
     * that answers every ping is never closed, and a dead one is noticed within 1.5 heartbeats.
     */
    public Duration idleTimeout() {
        return heartbeat.plus(heartbeat.dividedBy(2));
    }

    /** How long a disconnected session is kept; default {@link #DEFAULT_GRACE}. */
    public Duration grace() {
        return grace;
    }

    /** Frames retained per session; default {@link #DEFAULT_HISTORY_FRAMES}. */
    public int historyFrames() {
        return historyFrames;
    }

    /** Age limit of retained frames; default {@link #DEFAULT_HISTORY_MAX_AGE}. */
    public Duration historyMaxAge() {
        return historyMaxAge;
    }

    /** The session limits these settings make. */
    public SessionLimits sessionLimits() {
        return SessionLimits.builder().grace(grace).historyFrames(historyFrames).historyMaxAge(historyMaxAge).build();
    }

    /** The conversation handler's name; default {@link #DEFAULT_HANDLER}. */
    public String handler() {
        return handler;
    }

    /** Pause between the echo handler's words; default {@link #DEFAULT_ECHO_DELAY}. */
    public Duration echoDelay() {
        return echoDelay;
    }

    /** Time a new connection has to send {@code hello}; default {@link #DEFAULT_HANDSHAKE_TIMEOUT}. */
    public Duration handshakeTimeout() {
        return handshakeTimeout;
    }

    /** Largest accepted frame payload in bytes; default {@link #DEFAULT_MAX_FRAME_BYTES}. */
    public int maxFrameBytes() {
        return maxFrameBytes;
    }

    /** This node's id, in health reports and store metadata; default a random 8-character id. */
    public String nodeId() {
        return nodeId;
    }

    /** Which session store to use; default {@link #DEFAULT_STORE}. */
    public StoreKind store() {
        return store;
    }

    /**
     * The Redis URI for {@link StoreKind#REDIS}, as configured: one {@code redis://} URI, or
     * {@code redis-cluster://host:port,host:port} for the seed nodes of a Redis Cluster; default
     * {@link #DEFAULT_REDIS_URI}.
     */
    public String redisUri() {
        return redisUri;
    }

    /** Whether {@link #redisUri()} names a Redis Cluster. */
    public boolean redisCluster() {
        return redisUri.startsWith(REDIS_CLUSTER_SCHEME);
    }

    /** The Redis URIs to connect to: the one server, or every cluster seed as a {@code redis://} URI. */
    public java.util.List<String> redisUris() {
        if (!redisCluster()) {
            return java.util.List.of(redisUri);
        }
        String rest = redisUri.substring(REDIS_CLUSTER_SCHEME.length());
        int at = rest.lastIndexOf('@');
        String credentials = at < 0 ? "" : rest.substring(0, at + 1);
        String hosts = at < 0 ? rest : rest.substring(at + 1);
        return java.util.Arrays.stream(hosts.split(","))
                .map(String::trim)
                .filter(host -> !host.isEmpty())
                .map(host -> "redis://" + credentials + host)
                .toList();
    }

    /** Timeout of one Redis command; default {@link #DEFAULT_REDIS_TIMEOUT}. */
    public Duration redisTimeout() {
        return redisTimeout;
    }

    /** The API key of the backend push endpoint; empty (endpoint off) by default. */
    public Optional<String> apiKey() {
        return Optional.ofNullable(apiKey);
    }

    /** Bad frames within {@link #badFrameWindow()} that close a connection; default {@link #DEFAULT_BAD_FRAME_LIMIT}. */
    public int badFrameLimit() {
        return badFrameLimit;
    }

    /** The window in which bad frames are counted; default {@link #DEFAULT_BAD_FRAME_WINDOW}. */
    public Duration badFrameWindow() {
        return badFrameWindow;
    }

    /** How long a graceful shutdown waits for connections; default {@link #DEFAULT_SHUTDOWN_TIMEOUT}. */
    public Duration shutdownTimeout() {
        return shutdownTimeout;
    }

    /**
     * Lease on a reply being produced; default {@link #DEFAULT_REPLY_LEASE}. A node also checks the sessions it
     * holds for lapsed leases (replies whose producer died) this often.
     */
    public Duration replyLease() {
        return replyLease;
    }

    /**
     * Longest time a reply is paused waiting for an unreachable store before it ends {@code failed};
     * default {@link #DEFAULT_MAX_REPLY_PAUSE}.
     */
    public Duration maxReplyPause() {
        return maxReplyPause;
    }

    /**
     * Frames that may wait to be written to one client before its connection is closed with 1013;
     * default {@link #DEFAULT_MAX_PENDING_FRAMES}.
     */
    public int maxPendingFrames() {
        return maxPendingFrames;
    }

    /**
     * Handshakes in progress at once on this node before new connections wait for a place;
     * default {@link #DEFAULT_MAX_HANDSHAKES}.
     */
    public int maxHandshakes() {
        return maxHandshakes;
    }

    /** Connections that may wait for a handshake place before more are refused; default {@link #DEFAULT_HANDSHAKE_QUEUE}. */
    public int handshakeQueue() {
        return handshakeQueue;
    }

    /** Longest wait for a handshake place before a refusal; default {@link #DEFAULT_HANDSHAKE_QUEUE_WAIT}. */
    public Duration handshakeQueueWait() {
        return handshakeQueueWait;
    }

    /** The least retry-after hint of a refused handshake; default {@link #DEFAULT_HANDSHAKE_RETRY_AFTER}. */
    public Duration handshakeRetryAfter() {
        return handshakeRetryAfter;
    }

    @Override
    public String toString() {
        // The API key is a credential: never print it.
        return "GatewayConfig[host=" + host + ", port=" + port + ", path=" + path + ", heartbeat=" + heartbeat
                + ", grace=" + grace + ", historyFrames=" + historyFrames + ", historyMaxAge=" + historyMaxAge
                + ", handler=" + handler + ", echoDelay=" + echoDelay + ", handshakeTimeout=" + handshakeTimeout
                + ", maxFrameBytes=" + maxFrameBytes + ", nodeId=" + nodeId + ", store=" + store
                + ", redisUri=" + redisUri.replaceAll("//[^@/]*@", "//***@")
                + ", replyLease=" + replyLease + ", maxReplyPause=" + maxReplyPause
                + ", maxPendingFrames=" + maxPendingFrames
                + ", maxHandshakes=" + maxHandshakes + ", handshakeQueue=" + handshakeQueue
                + ", handshakeQueueWait=" + handshakeQueueWait + ", handshakeRetryAfter=" + handshakeRetryAfter
                + ", apiKey=" + (apiKey == null ? "none" : "***") + ", badFrameLimit=" + badFrameLimit
                + ", badFrameWindow=" + badFrameWindow + "]";
    }

    private static String randomNodeId() {
        return Long.toString(ThreadLocalRandom.current().nextLong(36L * 36 * 36 * 36 * 36 * 36 * 36,
                36L * 36 * 36 * 36 * 36 * 36 * 36 * 36), 36);
    }

    /** Builds a {@link GatewayConfig}; each setter validates its argument. */
    public static final class Builder {
        private String host = DEFAULT_HOST;
        private int port = DEFAULT_PORT;
        private String path = DEFAULT_PATH;
        private Duration heartbeat = DEFAULT_HEARTBEAT;
        private Duration grace = DEFAULT_GRACE;
        private int historyFrames = DEFAULT_HISTORY_FRAMES;
        private Duration historyMaxAge = DEFAULT_HISTORY_MAX_AGE;
        private String handler = DEFAULT_HANDLER;
        private Duration echoDelay = DEFAULT_ECHO_DELAY;
        private Duration handshakeTimeout = DEFAULT_HANDSHAKE_TIMEOUT;
        private int maxFrameBytes = DEFAULT_MAX_FRAME_BYTES;
        private String nodeId;
        private StoreKind store = DEFAULT_STORE;
        private String redisUri = DEFAULT_REDIS_URI;
        private String apiKey;
        private int badFrameLimit = DEFAULT_BAD_FRAME_LIMIT;
        private Duration badFrameWindow = DEFAULT_BAD_FRAME_WINDOW;
        private Duration shutdownTimeout = DEFAULT_SHUTDOWN_TIMEOUT;
        private Duration replyLease = DEFAULT_REPLY_LEASE;
        private Duration maxReplyPause = DEFAULT_MAX_REPLY_PAUSE;
        private Duration redisTimeout = DEFAULT_REDIS_TIMEOUT;
        private int maxPendingFrames = DEFAULT_MAX_PENDING_FRAMES;
        private int maxHandshakes = DEFAULT_MAX_HANDSHAKES;
        private int handshakeQueue = DEFAULT_HANDSHAKE_QUEUE;
        private Duration handshakeQueueWait = DEFAULT_HANDSHAKE_QUEUE_WAIT;
        private Duration handshakeRetryAfter = DEFAULT_HANDSHAKE_RETRY_AFTER;

        private Builder() {
        }

        /** Interface to bind, non-empty. */
        public Builder host(String host) {
            this.host = nonEmpty("host", host);
            return this;
        }

        /** TCP port, 0 (any free port) to 65535. */
        public Builder port(int port) {
            if (port < 0 || port > 65_535) {
                throw new IllegalArgumentException("port must be between 0 and 65535, got " + port);
            }
            this.port = port;
            return this;
        }

        /** WebSocket path, starting with {@code /}. */
        public Builder path(String path) {
            Objects.requireNonNull(path, "path");
            if (!path.startsWith("/") || path.length() < 2 || path.equals("/health") || path.contains(" ")) {
                throw new IllegalArgumentException(
                        "path must start with / and name a route other than /health, got \"" + path + "\"");
            }
            this.path = path;
            return this;
        }

        /** Heartbeat interval, 10 ms to 1 hour. */
        public Builder heartbeat(Duration heartbeat) {
            this.heartbeat = between("heartbeat", heartbeat, Duration.ofMillis(10), Duration.ofHours(1));
            return this;
        }

        /** Grace period of a disconnected session, > 0. */
        public Builder grace(Duration grace) {
            this.grace = positive("grace", grace);
            return this;
        }

        /** Frames retained per session, 1 to 1,000,000. */
        public Builder historyFrames(int historyFrames) {
            if (historyFrames < 1 || historyFrames > 1_000_000) {
                throw new IllegalArgumentException(
                        "historyFrames must be between 1 and 1000000, got " + historyFrames);
            }
            this.historyFrames = historyFrames;
            return this;
        }

        /** Age limit of retained frames, > 0. */
        public Builder historyMaxAge(Duration historyMaxAge) {
            this.historyMaxAge = positive("historyMaxAge", historyMaxAge);
            return this;
        }

        /** Conversation handler name, non-empty; resolved by {@link ConversationHandlers#named}. */
        public Builder handler(String handler) {
            this.handler = nonEmpty("handler", handler);
            return this;
        }

        /** Pause between the echo handler's words, 0 to 1 minute. */
        public Builder echoDelay(Duration echoDelay) {
            this.echoDelay = between("echoDelay", echoDelay, Duration.ZERO, Duration.ofMinutes(1));
            return this;
        }

        /** Time a new connection has to send {@code hello}, 10 ms to 10 minutes. */
        public Builder handshakeTimeout(Duration handshakeTimeout) {
            this.handshakeTimeout = between("handshakeTimeout", handshakeTimeout,
                    Duration.ofMillis(10), Duration.ofMinutes(10));
            return this;
        }

        /** Largest accepted frame payload, {@link #MIN_MAX_FRAME_BYTES} to {@link #MAX_MAX_FRAME_BYTES} bytes. */
        public Builder maxFrameBytes(int maxFrameBytes) {
            if (maxFrameBytes < MIN_MAX_FRAME_BYTES || maxFrameBytes > MAX_MAX_FRAME_BYTES) {
                throw new IllegalArgumentException("maxFrameBytes must be between " + MIN_MAX_FRAME_BYTES + " and "
                        + MAX_MAX_FRAME_BYTES + ", got " + maxFrameBytes);
            }
            this.maxFrameBytes = maxFrameBytes;
            return this;
        }

        /** This node's id: 1 to 64 letters, digits, {@code -}, {@code _} or {@code .}. */
        public Builder nodeId(String nodeId) {
            Objects.requireNonNull(nodeId, "nodeId");
            if (!nodeId.matches("[A-Za-z0-9._-]{1,64}")) {
                throw new IllegalArgumentException(
                        "nodeId must be 1 to 64 letters, digits, '-', '_' or '.', got \"" + nodeId + "\"");
            }
            this.nodeId = nodeId;
            return this;
        }

        /** Which session store to use. */
        public Builder store(StoreKind store) {
            this.store = Objects.requireNonNull(store, "store");
            return this;
        }

        /**
         * Redis URI: {@code redis://host:port} or {@code rediss://host:port} for one server, or
         * {@code redis-cluster://host:port,host:port} for the seed nodes of a Redis Cluster.
         */
        public Builder redisUri(String redisUri) {
            Objects.requireNonNull(redisUri, "redisUri");
            String value = redisUri.trim();
            if (!value.matches("(rediss?)://[^,\\s]+") && !value.matches("redis-cluster://[^\\s]+")) {
                throw new IllegalArgumentException("redisUri must look like redis://host:port or "
                        + "redis-cluster://host:port,host:port, got \""
                        + value.replaceAll("//[^@/]*@", "//***@") + "\"");
            }
            this.redisUri = value;
            return this;
        }

        /** Longest pause of a reply waiting for an unreachable store, 0 to 1 hour. */
        public Builder maxReplyPause(Duration maxReplyPause) {
            this.maxReplyPause = between("maxReplyPause", maxReplyPause, Duration.ZERO, Duration.ofHours(1));
            return this;
        }

        /** Timeout of one Redis command, 10 ms to 1 minute. */
        public Builder redisTimeout(Duration redisTimeout) {
            this.redisTimeout = between("redisTimeout", redisTimeout, Duration.ofMillis(10), Duration.ofMinutes(1));
            return this;
        }

        /** API key of the backend push endpoint, at least 16 characters, or {@code null} to turn it off. */
        public Builder apiKey(String apiKey) {
            if (apiKey != null && apiKey.length() < 16) {
                throw new IllegalArgumentException("apiKey must be at least 16 characters, got "
                        + apiKey.length());
            }
            this.apiKey = apiKey;
            return this;
        }

        /** Bad frames within the window that close a connection with 1008, 1 to 10,000. */
        public Builder badFrameLimit(int badFrameLimit) {
            if (badFrameLimit < 1 || badFrameLimit > 10_000) {
                throw new IllegalArgumentException("badFrameLimit must be between 1 and 10000, got " + badFrameLimit);
            }
            this.badFrameLimit = badFrameLimit;
            return this;
        }

        /** Window in which bad frames are counted, > 0. */
        public Builder badFrameWindow(Duration badFrameWindow) {
            this.badFrameWindow = positive("badFrameWindow", badFrameWindow);
            return this;
        }

        /** How long a graceful shutdown waits for connections to close, 0 to 10 minutes. */
        public Builder shutdownTimeout(Duration shutdownTimeout) {
            this.shutdownTimeout = between("shutdownTimeout", shutdownTimeout, Duration.ZERO, Duration.ofMinutes(10));
            return this;
        }

        /** Lease on a reply being produced, 300 ms to 1 hour. */
        public Builder replyLease(Duration replyLease) {
            this.replyLease = between("replyLease", replyLease, Duration.ofMillis(300), Duration.ofHours(1));
            return this;
        }

        /** Frames that may wait to be written to one client before it is closed with 1013, 16 to 10,000,000. */
        public Builder maxPendingFrames(int maxPendingFrames) {
            if (maxPendingFrames < 16 || maxPendingFrames > 10_000_000) {
                throw new IllegalArgumentException("maxPendingFrames must be between 16 and 10000000, got "
                        + maxPendingFrames);
            }
            this.maxPendingFrames = maxPendingFrames;
            return this;
        }

        /** Handshakes in progress at once before new connections wait for a place, 1 to 100,000. */
        public Builder maxHandshakes(int maxHandshakes) {
            if (maxHandshakes < 1 || maxHandshakes > 100_000) {
                throw new IllegalArgumentException("maxHandshakes must be between 1 and 100000, got " + maxHandshakes);
            }
            this.maxHandshakes = maxHandshakes;
            return this;
        }

        /** Connections that may wait for a handshake place, 0 (refuse at once) to 1,000,000. */
        public Builder handshakeQueue(int handshakeQueue) {
            if (handshakeQueue < 0 || handshakeQueue > 1_000_000) {
                throw new IllegalArgumentException("handshakeQueue must be between 0 and 1000000, got "
                        + handshakeQueue);
            }
            this.handshakeQueue = handshakeQueue;
            return this;
        }

        /** Longest wait for a handshake place, 1 ms to 1 minute. */
        public Builder handshakeQueueWait(Duration handshakeQueueWait) {
            this.handshakeQueueWait = between("handshakeQueueWait", handshakeQueueWait, Duration.ofMillis(1),
                    Duration.ofMinutes(1));
            return this;
        }

        /** The least retry-after hint of a refused handshake, 10 ms to 5 minutes. */
        public Builder handshakeRetryAfter(Duration handshakeRetryAfter) {
            this.handshakeRetryAfter = between("handshakeRetryAfter", handshakeRetryAfter, Duration.ofMillis(10),
                    Duration.ofMinutes(5));
            return this;
        }

        public GatewayConfig build() {
            return new GatewayConfig(this);
        }

        private static String nonEmpty(String name, String value) {
            Objects.requireNonNull(value, name);
            if (value.isBlank()) {
                throw new IllegalArgumentException(name + " must not be empty");
            }
            return value;
        }

        private static Duration positive(String name, Duration value) {
            Objects.requireNonNull(value, name);
            if (value.isNegative() || value.isZero()) {
                throw new IllegalArgumentException(name + " must be > 0, got " + value);
            }
            return value;
        }

        private static Duration between(String name, Duration value, Duration min, Duration max) {
            Objects.requireNonNull(value, name);
            if (value.compareTo(min) < 0 || value.compareTo(max) > 0) {
                throw new IllegalArgumentException(name + " must be between " + min + " and " + max
                        + ", got " + value);
            }
            return value;
        }
    }
}
