package dev.tether.session.redis.testkit;

import dev.tether.testkit.Eventually;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A real Redis Cluster of three masters (no replicas), started from {@code redis-server --cluster-enabled yes}
 * binaries on free ports and joined with {@code redis-cli --cluster create}.
 */
public final class RedisCluster implements AutoCloseable {

    /** Masters in the cluster. */
    public static final int NODES = 3;

    private final List<RedisServer> nodes;

    private RedisCluster(List<RedisServer> nodes) {
        this.nodes = nodes;
    }

    /** Starts three nodes and creates the cluster; returns once every node reports {@code cluster_state:ok}. */
    public static RedisCluster start() {
        if (!RedisServer.binaryAvailable() || !Executables.onPath("redis-cli")) {
            throw new IllegalStateException(RedisExtension.HOW_TO_GET_REDIS
                    + " A Redis Cluster test needs both redis-server and redis-cli on the PATH.");
        }
        List<RedisServer> nodes = new ArrayList<>();
        try {
            for (int i = 0; i < NODES; i++) {
                nodes.add(RedisServer.startLocal("--cluster-enabled", "yes",
                        "--cluster-config-file", "nodes.conf",
                        "--cluster-node-timeout", "2000"));
            }
            List<String> create = new ArrayList<>(List.of("redis-cli", "--cluster", "create"));
            for (RedisServer node : nodes) {
                create.add(node.host() + ":" + node.port());
            }
            create.addAll(List.of("--cluster-replicas", "0", "--cluster-yes"));
            Executables.exec(create);
            RedisCluster cluster = new RedisCluster(List.copyOf(nodes));
            cluster.awaitOk();
            return cluster;
        } catch (RuntimeException | AssertionError e) {
            nodes.forEach(RedisServer::close);
            throw e;
        }
    }

    private void awaitOk() {
        Eventually.await("cluster_state:ok", RedisServer.START_TIMEOUT, Duration.ofMillis(100),
                () -> nodes.stream().allMatch(n -> n.cli("cluster", "info").contains("cluster_state:ok")));
    }

    public List<RedisServer> nodes() {
        return nodes;
    }

    /** The seed URIs of every node. */
    public List<String> uris() {
        return nodes.stream().map(RedisServer::uri).toList();
    }

    @Override
    public void close() {
        nodes.forEach(RedisServer::close);
    }

    @Override
    public String toString() {
        return "RedisCluster" + uris();
    }
}
