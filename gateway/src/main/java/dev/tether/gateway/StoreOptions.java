package dev.tether.gateway;

import dev.tether.protocol.Checks;
import dev.tether.protocol.session.SessionLimits;
import dev.tether.session.redis.RedisSessionStoreOptions;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * Which session store backs a gateway node and how to reach it. Immutable; build with {@link #builder()}.
 *
 * @param kind         which store; default {@link #DEFAULT_KIND}
 * @param redisUri     for {@link Kind#REDIS}: one {@code redis://} or {@code rediss://} URI, or
 *                     {@code redis-cluster://host:port,host:port} for the seed nodes of a Redis Cluster;
 *                     default {@link #DEFAULT_REDIS_URI}
 * @param redisTimeout timeout of one Redis command; default {@link #DEFAULT_REDIS_TIMEOUT}
 */
public record StoreOptions(Kind kind, String redisUri, Duration redisTimeout) {

    /** Default session store: {@link Kind#MEMORY}. */
    public static final Kind DEFAULT_KIND = Kind.MEMORY;
    /** Default Redis URI, used only with {@link Kind#REDIS}. */
    public static final String DEFAULT_REDIS_URI = "redis://localhost:6379";
    /** Default timeout of one Redis command: {@link RedisSessionStoreOptions#DEFAULT_COMMAND_TIMEOUT}. */
    public static final Duration DEFAULT_REDIS_TIMEOUT = RedisSessionStoreOptions.DEFAULT_COMMAND_TIMEOUT;
    /** URI scheme that marks a comma-separated list of Redis Cluster seed nodes. */
    public static final String REDIS_CLUSTER_SCHEME = "redis-cluster://";

    /** Which session store backs the gateway. */
    public enum Kind {
        /** {@link InMemorySessionStore}: this node only, lost on restart. */
        MEMORY,
        /** Redis, shared by every node (module {@code session-redis}), so that a session can resume on any node. */
        REDIS
    }

    public StoreOptions {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(redisUri, "redisUri");
        redisUri = redisUri.trim();
        if (!redisUri.matches("(rediss?)://[^,\\s]+") && !redisUri.matches("redis-cluster://[^\\s]+")) {
            throw new IllegalArgumentException("redisUri must look like redis://host:port or "
                    + "redis-cluster://host:port,host:port, got \"" + redact(redisUri) + "\"");
        }
        Checks.between("redisTimeout", redisTimeout, Duration.ofMillis(10), Duration.ofMinutes(1));
    }

    /** The defaults: the in-memory store. */
    public static StoreOptions defaults() {
        return new StoreOptions(DEFAULT_KIND, DEFAULT_REDIS_URI, DEFAULT_REDIS_TIMEOUT);
    }

    public static Builder builder() {
        return new Builder(defaults());
    }

    /** A builder starting from these options. */
    public Builder toBuilder() {
        return new Builder(this);
    }

    /** Whether {@link #redisUri()} names a Redis Cluster. */
    public boolean redisCluster() {
        return redisUri.startsWith(REDIS_CLUSTER_SCHEME);
    }

    /** The Redis URIs to connect to: the one server, or every cluster seed as a {@code redis://} URI. */
    public List<String> redisUris() {
        if (!redisCluster()) {
            return List.of(redisUri);
        }
        String rest = redisUri.substring(REDIS_CLUSTER_SCHEME.length());
        int at = rest.lastIndexOf('@');
        String credentials = at < 0 ? "" : rest.substring(0, at + 1);
        String hosts = at < 0 ? rest : rest.substring(at + 1);
        return Arrays.stream(hosts.split(","))
                .map(String::trim)
                .filter(host -> !host.isEmpty())
                .map(host -> "redis://" + credentials + host)
                .toList();
    }

    /** The options of the Redis store for a node with this id keeping sessions within these limits. */
    public RedisSessionStoreOptions redisOptions(SessionLimits limits, String nodeId) {
        return RedisSessionStoreOptions.builder()
                .uris(redisUris())
                .cluster(redisCluster())
                .limits(limits)
                .nodeId(nodeId)
                .commandTimeout(redisTimeout)
                .build();
    }

    /** The Redis URIs for logs and health reports, without credentials. */
    public String redisDescription() {
        return (redisCluster() ? "Redis Cluster " : "Redis ") + redact(String.join(",", redisUris()));
    }

    @Override
    public String toString() {
        // A Redis URI may carry a password: never print it.
        return "StoreOptions[kind=" + kind + ", redisUri=" + redact(redisUri) + ", redisTimeout=" + redisTimeout + "]";
    }

    private static String redact(String uri) {
        return uri.replaceAll("//[^@/]*@", "//***@");
    }

    /** Builds {@link StoreOptions}; each setter validates its argument. */
    public static final class Builder {
        private StoreOptions o;

        private Builder(StoreOptions options) {
            this.o = options;
        }

        /** Which session store to use. */
        public Builder kind(Kind kind) {
            o = new StoreOptions(kind, o.redisUri, o.redisTimeout);
            return this;
        }

        /** Redis URI: {@code redis://host:port}, {@code rediss://host:port} or {@code redis-cluster://h:p,h:p}. */
        public Builder redisUri(String redisUri) {
            o = new StoreOptions(o.kind, redisUri, o.redisTimeout);
            return this;
        }

        /** Timeout of one Redis command, 10 ms to 1 minute. */
        public Builder redisTimeout(Duration redisTimeout) {
            o = new StoreOptions(o.kind, o.redisUri, redisTimeout);
            return this;
        }

        public StoreOptions build() {
            return o;
        }
    }
}
