package dev.tether.session.redis.internal;

import dev.tether.protocol.session.SessionStoreException;
import dev.tether.session.redis.RedisSessionStoreOptions;
import io.lettuce.core.AbstractRedisClient;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.RedisURI;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulConnection;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.cluster.ClusterClientOptions;
import io.lettuce.core.cluster.ClusterTopologyRefreshOptions;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.cluster.api.reactive.RedisClusterReactiveCommands;
import io.lettuce.core.cluster.models.partitions.RedisClusterNode;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.event.Event;
import io.lettuce.core.pubsub.RedisPubSubAdapter;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.Delay;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * The Lettuce side of the store: one shared command connection and one pub/sub connection, to a single server or a
 * Redis Cluster. Reconnecting is Lettuce's own ({@code autoReconnect} with an equal-jitter {@link Delay}); while
 * disconnected, commands are rejected at once ({@code REJECT_COMMANDS}) instead of queueing without bound.
 */
public final class RedisBackend implements AutoCloseable {

    private final ClientResources resources;
    private final AbstractRedisClient client;
    private final StatefulConnection<String, String> connection;
    private final RedisClusterReactiveCommands<String, String> commands;
    private final StatefulRedisPubSubConnection<String, String> pubsub;
    private final boolean cluster;
    private final boolean sharded;
    private final Duration timeout;

    private RedisBackend(ClientResources resources, AbstractRedisClient client,
                         StatefulConnection<String, String> connection,
                         RedisClusterReactiveCommands<String, String> commands,
                         StatefulRedisPubSubConnection<String, String> pubsub, boolean cluster, Duration timeout) {
        this.resources = resources;
        this.client = client;
        this.connection = connection;
        this.commands = commands;
        this.pubsub = pubsub;
        this.cluster = cluster;
        this.timeout = timeout;
        this.sharded = serverMajorVersion() >= 7;
    }

    /** Connects, failing with {@link SessionStoreException#unavailable} when Redis cannot be reached. */
    public static RedisBackend connect(RedisSessionStoreOptions options) {
        Duration timeout = options.commandTimeout();
        ClientResources resources = ClientResources.builder()
                .reconnectDelay(Delay.equalJitter(options.reconnectDelayMin(), options.reconnectDelayMax(),
                        Math.max(1, options.reconnectDelayMin().toMillis()), TimeUnit.MILLISECONDS))
                .build();
        List<RedisURI> uris = options.uris().stream().map(RedisURI::create).toList();
        uris.forEach(uri -> uri.setClientName("tether-" + options.nodeId()));
        SocketOptions socket = SocketOptions.builder().connectTimeout(timeout).keepAlive(true).build();
        AbstractRedisClient client = null;
        try {
            if (options.cluster()) {
                RedisClusterClient clusterClient = RedisClusterClient.create(resources, uris);
                client = clusterClient;
                clusterClient.setOptions(ClusterClientOptions.builder()
                        .autoReconnect(true)
                        .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
                        .timeoutOptions(TimeoutOptions.enabled(timeout))
                        .socketOptions(socket)
                        .topologyRefreshOptions(ClusterTopologyRefreshOptions.builder()
                                .enableAllAdaptiveRefreshTriggers()
                                .enablePeriodicRefresh(Duration.ofSeconds(30))
                                .build())
                        .build());
                StatefulRedisClusterConnection<String, String> connection = clusterClient.connect(StringCodec.UTF8);
                StatefulRedisPubSubConnection<String, String> pubsub = clusterClient.connectPubSub(StringCodec.UTF8);
                return new RedisBackend(resources, client, connection, connection.reactive(), pubsub, true, timeout);
            }
            RedisClient redisClient = RedisClient.create(resources, uris.get(0));
            client = redisClient;
            redisClient.setOptions(ClientOptions.builder()
                    .autoReconnect(true)
                    .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
                    .timeoutOptions(TimeoutOptions.enabled(timeout))
                    .socketOptions(socket)
                    .build());
            StatefulRedisConnection<String, String> connection = redisClient.connect(StringCodec.UTF8);
            StatefulRedisPubSubConnection<String, String> pubsub = redisClient.connectPubSub(StringCodec.UTF8);
            return new RedisBackend(resources, client, connection, connection.reactive(), pubsub, false, timeout);
        } catch (RuntimeException e) {
            if (client != null) {
                client.shutdown(Duration.ZERO, timeout);
            }
            resources.shutdown(0, timeout.toMillis(), TimeUnit.MILLISECONDS);
            throw SessionStoreException.unavailable("connect to " + options.uris(), e);
        }
    }

    private int serverMajorVersion() {
        String info = commands.info("server").block(timeout);
        if (info != null) {
            for (String line : info.split("\r?\n")) {
                if (line.startsWith("redis_version:")) {
                    String version = line.substring("redis_version:".length()).trim();
                    int dot = version.indexOf('.');
                    return Integer.parseInt(dot < 0 ? version : version.substring(0, dot));
                }
            }
        }
        return 0;
    }

    /** Whether the server has sharded pub/sub (Redis 7): SPUBLISH/SSUBSCRIBE instead of PUBLISH/SUBSCRIBE. */
    public boolean sharded() {
        return sharded;
    }

    public boolean cluster() {
        return cluster;
    }

    /** The publish command for scripts. */
    public String publishCommand() {
        return sharded ? "SPUBLISH" : "PUBLISH";
    }

    public RedisClusterReactiveCommands<String, String> commands() {
        return commands;
    }

    /** Hands every pub/sub message, plain or sharded, to {@code listener} as (channel, message). */
    public void onMessage(BiConsumer<String, String> listener) {
        pubsub.addListener(new RedisPubSubAdapter<>() {
            @Override
            public void message(String channel, String message) {
                listener.accept(channel, message);
            }

            @Override
            public void smessage(String shardChannel, String message) {
                // The adapter's own smessage drops sharded messages.
                listener.accept(shardChannel, message);
            }
        });
    }

    /** Lettuce's connection events. */
    public Flux<Event> events() {
        return resources.eventBus().get();
    }

    /** Subscribes to a session channel; completes when the server confirmed the subscription. */
    public CompletableFuture<Void> subscribe(String channel) {
        try {
            return (sharded ? pubsub.async().ssubscribe(channel) : pubsub.async().subscribe(channel))
                    .toCompletableFuture();
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    /** Publishes a message on a channel (sharded when the server has sharded pub/sub), outside any script. */
    public Mono<Void> publish(String channel, String message) {
        return (sharded ? commands.spublish(channel, message) : commands.publish(channel, message)).then();
    }

    public void unsubscribe(String channel) {
        try {
            (sharded ? pubsub.async().sunsubscribe(channel) : pubsub.async().unsubscribe(channel))
                    .exceptionally(e -> null);
        } catch (RuntimeException ignored) {
            // Not connected: Lettuce forgets the subscription with the connection.
        }
    }

    /**
     * Runs a script: EVALSHA, and EVAL when the server does not have it yet (NOSCRIPT), which also caches it there.
     * The reply is the script's array.
     */
    public Mono<List<Object>> run(LuaScript script, String[] keys, String... args) {
        return commands.<List<Object>>evalsha(script.sha1(), ScriptOutputType.MULTI, keys, args)
                .onErrorResume(RedisBackend::isNoScript,
                        e -> commands.<List<Object>>eval(script.source(), ScriptOutputType.MULTI, keys, args))
                .next();
    }

    /**
     * Loads the scripts into the script cache (on every master of a cluster), so that a burst of first calls does
     * not all fall back to EVAL. Best effort: EVALSHA falls back by itself.
     */
    public Mono<Void> loadScripts(List<LuaScript> scripts) {
        return Flux.fromIterable(scripts)
                .concatMap(script -> commands.scriptLoad(script.source()))
                .then()
                .onErrorResume(e -> Mono.empty());
    }

    private static boolean isNoScript(Throwable e) {
        return e instanceof RedisNoScriptException
                || (e.getMessage() != null && e.getMessage().startsWith("NOSCRIPT"));
    }

    /** Whether both connections are open (Lettuce reconnects them by itself after they drop). */
    public boolean isConnected() {
        return connection.isOpen() && pubsub.isOpen();
    }

    /** Whether every master answers a PING now, and the pub/sub connection is open. */
    public Mono<Boolean> ping() {
        Mono<Boolean> pings;
        if (cluster) {
            @SuppressWarnings("unchecked")
            StatefulRedisClusterConnection<String, String> clusterConnection =
                    (StatefulRedisClusterConnection<String, String>) connection;
            pings = Flux.fromIterable(clusterConnection.getPartitions())
                    .filter(node -> node.is(RedisClusterNode.NodeFlag.UPSTREAM))
                    .flatMap(node -> Mono.fromFuture(clusterConnection.getConnectionAsync(node.getNodeId()), true)
                            .flatMap(c -> c.reactive().ping()))
                    .all("PONG"::equals)
                    .zipWith(commands.ping().map("PONG"::equals), Boolean::logicalAnd);
        } else {
            pings = commands.ping().map("PONG"::equals);
        }
        return pings.timeout(timeout)
                .map(ok -> ok && pubsub.isOpen())
                .onErrorReturn(false)
                .defaultIfEmpty(false);
    }

    @Override
    public void close() {
        try {
            pubsub.close();
            connection.close();
        } finally {
            client.shutdown(Duration.ZERO, timeout);
            resources.shutdown(0, timeout.toMillis(), TimeUnit.MILLISECONDS);
        }
    }
}
