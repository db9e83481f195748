package dev.tether.session.redis;

import dev.tether.protocol.Checks;
import dev.tether.protocol.session.SessionLimits;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.UUID;

/**
 * How a {@link RedisSessionStore} connects and behaves. Immutable; build with {@link #builder()}, derive variants
 * with {@link #toBuilder()}. Every builder setter validates its argument.
 */
public final class RedisSessionStoreOptions {

    /** Default key prefix: {@code "tether"}. Keys look like {@code tether:{sessionId}:meta}. */
    public static final String DEFAULT_KEY_PREFIX = "tether";

    /** Default command timeout: 2 seconds. A command that takes longer fails as unavailable. */
    public static final Duration DEFAULT_COMMAND_TIMEOUT = Duration.ofSeconds(2);

    /** Default interval between readiness checks (a PING): 1 second. */
    public static final Duration DEFAULT_HEALTH_CHECK_INTERVAL = Duration.ofSeconds(1);

    /** Default shortest delay before Lettuce reconnects: 50 milliseconds. */
    public static final Duration DEFAULT_RECONNECT_DELAY_MIN = Duration.ofMillis(50);

    /** Default longest delay before Lettuce reconnects: 2 seconds. */
    public static final Duration DEFAULT_RECONNECT_DELAY_MAX = Duration.ofSeconds(2);

    private final List<String> uris;
    private final boolean cluster;
    private final String keyPrefix;
    private final SessionLimits limits;
    private final String nodeId;
    private final Duration ttlRefreshInterval;
    private final Duration commandTimeout;
    private final Duration healthCheckInterval;
    private final Duration reconnectDelayMin;
    private final Duration reconnectDelayMax;

    private RedisSessionStoreOptions(Builder b) {
        this.uris = List.copyOf(b.uris);
        this.cluster = b.cluster;
        this.keyPrefix = b.keyPrefix;
        this.limits = b.limits;
        this.nodeId = b.nodeId;
        this.ttlRefreshInterval = b.ttlRefreshInterval;
        this.commandTimeout = b.commandTimeout;
        this.healthCheckInterval = b.healthCheckInterval;
        this.reconnectDelayMin = b.reconnectDelayMin;
        this.reconnectDelayMax = b.reconnectDelayMax;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** A builder starting from these options. */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.uris = uris;
        b.cluster = cluster;
        b.keyPrefix = keyPrefix;
        b.limits = limits;
        b.nodeId = nodeId;
        b.ttlRefreshInterval = ttlRefreshInterval;
        b.commandTimeout = commandTimeout;
        b.healthCheckInterval = healthCheckInterval;
        b.reconnectDelayMin = reconnectDelayMin;
        b.reconnectDelayMax = reconnectDelayMax;
        return b;
    }

    /** The Redis URIs: one for a single server; one or more seed nodes for a cluster. */
    public List<String> uris() {
        return uris;
    }

    /** Whether the URIs are seeds of a Redis Cluster; default false. */
    public boolean cluster() {
        return cluster;
    }

    /** The prefix of every key; default {@link #DEFAULT_KEY_PREFIX}. */
    public String keyPrefix() {
        return keyPrefix;
    }

    /** Session lifetimes and history bounds; default {@link SessionLimits#defaults()}. */
    public SessionLimits limits() {
        return limits;
    }

    /** This gateway node's id, used as the Redis client name; default {@code node-} and a random suffix. */
    public String nodeId() {
        return nodeId;
    }

    /**
     * How often the TTL of a connected session's keys is refreshed, by the node holding the connection; the keys
     * carry a TTL of one grace period. Default: a third of {@link SessionLimits#grace()}.
     */
    public Duration ttlRefreshInterval() {
        return ttlRefreshInterval != null ? ttlRefreshInterval : limits.grace().dividedBy(3);
    }

    /** Timeout of one Redis command; default {@link #DEFAULT_COMMAND_TIMEOUT}. */
    public Duration commandTimeout() {
        return commandTimeout;
    }

    /** Interval of the readiness PING; default {@link #DEFAULT_HEALTH_CHECK_INTERVAL}. */
    public Duration healthCheckInterval() {
        return healthCheckInterval;
    }

    /** Shortest reconnect delay (Lettuce's equal-jitter {@code Delay}); default {@link #DEFAULT_RECONNECT_DELAY_MIN}. */
    public Duration reconnectDelayMin() {
        return reconnectDelayMin;
    }

    /** Longest reconnect delay; default {@link #DEFAULT_RECONNECT_DELAY_MAX}. */
    public Duration reconnectDelayMax() {
        return reconnectDelayMax;
    }

    @Override
    public String toString() {
        return "RedisSessionStoreOptions[uris=" + uris + ", cluster=" + cluster + ", keyPrefix=" + keyPrefix
                + ", limits=" + limits + ", nodeId=" + nodeId + ", ttlRefreshInterval=" + ttlRefreshInterval()
                + ", commandTimeout=" + commandTimeout + "]";
    }

    /** Builds {@link RedisSessionStoreOptions}; each setter validates its argument. */
    public static final class Builder {
        private List<String> uris = List.of();
        private boolean cluster;
        private String keyPrefix = DEFAULT_KEY_PREFIX;
        private SessionLimits limits = SessionLimits.defaults();
        private String nodeId = "node-" + UUID.randomUUID().toString().substring(0, 8);
        private Duration ttlRefreshInterval;
        private Duration commandTimeout = DEFAULT_COMMAND_TIMEOUT;
        private Duration healthCheckInterval = DEFAULT_HEALTH_CHECK_INTERVAL;
        private Duration reconnectDelayMin = DEFAULT_RECONNECT_DELAY_MIN;
        private Duration reconnectDelayMax = DEFAULT_RECONNECT_DELAY_MAX;

        private Builder() {
        }

        /** One Redis server, for example {@code redis://localhost:6379}. */
        public Builder uri(String uri) {
            return uris(List.of(Objects.requireNonNull(uri, "uri")));
        }

        /** The Redis URIs; one or more, each a {@code redis://} or {@code rediss://} URI. */
        public Builder uris(List<String> uris) {
            Objects.requireNonNull(uris, "uris");
            if (uris.isEmpty()) {
                throw new IllegalArgumentException("uris must name at least one Redis, got none");
            }
            for (String uri : uris) {
                if (uri == null || !(uri.startsWith("redis://") || uri.startsWith("rediss://"))) {
                    throw new IllegalArgumentException("uris must be redis:// or rediss:// URIs, got " + uri);
                }
            }
            this.uris = List.copyOf(uris);
            return this;
        }

        /** Whether the URIs are seeds of a Redis Cluster. */
        public Builder cluster(boolean cluster) {
            this.cluster = cluster;
            return this;
        }

        /** Key prefix: 1 to 64 characters, without braces (they would break the hash tags). */
        public Builder keyPrefix(String keyPrefix) {
            Objects.requireNonNull(keyPrefix, "keyPrefix");
            if (keyPrefix.isEmpty() || keyPrefix.length() > 64 || keyPrefix.contains("{")
                    || keyPrefix.contains("}")) {
                throw new IllegalArgumentException(
                        "keyPrefix must be 1 to 64 characters without '{' or '}', got \"" + keyPrefix + "\"");
            }
            this.keyPrefix = keyPrefix;
            return this;
        }

        public Builder limits(SessionLimits limits) {
            this.limits = Objects.requireNonNull(limits, "limits");
            return this;
        }

        /** Node id: 1 to 64 characters from {@code [A-Za-z0-9._-]}. */
        public Builder nodeId(String nodeId) {
            Objects.requireNonNull(nodeId, "nodeId");
            if (!nodeId.matches("[A-Za-z0-9._-]{1,64}")) {
                throw new IllegalArgumentException(
                        "nodeId must be 1 to 64 characters from [A-Za-z0-9._-], got \"" + nodeId + "\"");
            }
            this.nodeId = nodeId;
            return this;
        }

        /** TTL refresh interval of connected sessions: > 0 and shorter than the grace period (checked on build). */
        public Builder ttlRefreshInterval(Duration interval) {
            Checks.positive("ttlRefreshInterval", interval);
            this.ttlRefreshInterval = interval;
            return this;
        }

        /** Command timeout: from 10 ms to 1 minute. */
        public Builder commandTimeout(Duration timeout) {
            Checks.between("commandTimeout", timeout, Duration.ofMillis(10), Duration.ofMinutes(1));
            this.commandTimeout = timeout;
            return this;
        }

        /** Readiness check interval: from 10 ms to 1 minute. */
        public Builder healthCheckInterval(Duration interval) {
            Checks.between("healthCheckInterval", interval, Duration.ofMillis(10), Duration.ofMinutes(1));
            this.healthCheckInterval = interval;
            return this;
        }

        /** Reconnect delays: 0 < min <= max <= 5 minutes. */
        public Builder reconnectDelay(Duration min, Duration max) {
            Checks.positive("reconnectDelay min", min);
            Checks.between("reconnectDelay max", max, min, Duration.ofMinutes(5));
            this.reconnectDelayMin = min;
            this.reconnectDelayMax = max;
            return this;
        }

        /** The options; fails if no URI was given or the refresh interval is not shorter than the grace period. */
        public RedisSessionStoreOptions build() {
            if (uris.isEmpty()) {
                throw new IllegalArgumentException("uris must name at least one Redis, got none");
            }
            if (!cluster && uris.size() != 1) {
                throw new IllegalArgumentException(
                        "uris must be exactly one URI unless cluster(true), got " + uris.size());
            }
            if (ttlRefreshInterval != null && ttlRefreshInterval.compareTo(limits.grace()) >= 0) {
                throw new IllegalArgumentException("ttlRefreshInterval must be < grace (" + limits.grace()
                        + "), got " + ttlRefreshInterval);
            }
            return new RedisSessionStoreOptions(this);
        }
    }
}
