package dev.tether.session.redis.testkit;

import java.net.URI;
import java.util.List;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Provides a real Redis to a test class. Register it as a static field with
 * {@code @RegisterExtension static final RedisExtension redis = RedisExtension.standalone();}.
 *
 * <p>Where Redis comes from, first match wins:
 * <ol>
 *   <li>{@code TETHER_TEST_REDIS_URI} (environment variable or system property), a server someone else runs;</li>
 *   <li>{@code redis-server} from the PATH, started on a free port without persistence and stopped after the
 *       class;</li>
 *   <li>a Testcontainers {@code redis:7} container, where Docker is available;</li>
 *   <li>otherwise the tests fail with {@link #HOW_TO_GET_REDIS}. They are never skipped silently.</li>
 * </ol>
 * {@link #killable()} insists on a process the tests started (kill -9 and restart need it); {@link #cluster()}
 * starts a three-node Redis Cluster from the binaries.
 */
public final class RedisExtension implements BeforeAllCallback, AfterAllCallback {

    /** Environment variable (or system property) naming an existing Redis to test against. */
    public static final String URI_VARIABLE = "TETHER_TEST_REDIS_URI";

    /** What the failure says when no Redis can be found. */
    public static final String HOW_TO_GET_REDIS = "No Redis for the tests: set " + URI_VARIABLE
            + "=redis://host:port, or put redis-server and redis-cli (Redis 7 or newer) on the PATH"
            + " (for example apt-get install redis-server, or brew install redis), or start Docker so that"
            + " Testcontainers can run redis:7.";

    private enum Mode { ANY, KILLABLE, CLUSTER }

    private final Mode mode;
    private final String[] serverArgs;
    private RedisServer server;
    private RedisCluster cluster;

    private RedisExtension(Mode mode, String... serverArgs) {
        this.mode = mode;
        this.serverArgs = serverArgs;
    }

    /** Any single Redis: the configured one, one from the PATH, or a container. */
    public static RedisExtension standalone() {
        return new RedisExtension(Mode.ANY);
    }

    /**
     * A Redis process the tests start from the PATH, so that it can be killed and restarted; {@code serverArgs}
     * are added to its command line (for example {@code "--appendonly", "yes"} to survive a kill).
     */
    public static RedisExtension killable(String... serverArgs) {
        return new RedisExtension(Mode.KILLABLE, serverArgs);
    }

    /** A three-node Redis Cluster started from the binaries on the PATH. */
    public static RedisExtension cluster() {
        return new RedisExtension(Mode.CLUSTER);
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        switch (mode) {
            case ANY -> server = provideAny();
            case KILLABLE -> {
                if (!RedisServer.binaryAvailable()) {
                    throw new IllegalStateException(HOW_TO_GET_REDIS
                            + " Fault tests kill and restart Redis, so they need redis-server on the PATH.");
                }
                server = RedisServer.startLocal(serverArgs);
            }
            case CLUSTER -> cluster = RedisCluster.start();
        }
    }

    @Override
    public void afterAll(ExtensionContext context) {
        if (server != null) {
            server.close();
            server = null;
        }
        if (cluster != null) {
            cluster.close();
            cluster = null;
        }
    }

    private static RedisServer provideAny() {
        String configured = System.getenv(URI_VARIABLE);
        if (configured == null || configured.isBlank()) {
            configured = System.getProperty(URI_VARIABLE);
        }
        if (configured != null && !configured.isBlank()) {
            URI uri = URI.create(configured.trim());
            return RedisServer.external(uri.getHost(), uri.getPort() < 0 ? 6379 : uri.getPort(), null);
        }
        if (RedisServer.binaryAvailable()) {
            return RedisServer.startLocal();
        }
        if (Containers.dockerAvailable()) {
            return Containers.startRedis();
        }
        throw new IllegalStateException(HOW_TO_GET_REDIS);
    }

    /** The single server; not for {@link #cluster()}. */
    public RedisServer server() {
        if (server == null) {
            throw new IllegalStateException("no single Redis here (cluster mode, or used outside a test class)");
        }
        return server;
    }

    /** The cluster; only for {@link #cluster()}. */
    public RedisCluster redisCluster() {
        if (cluster == null) {
            throw new IllegalStateException("not a cluster extension, or used outside a test class");
        }
        return cluster;
    }

    /** The URIs to give a store: one for a single server, every node's for a cluster. */
    public List<String> uris() {
        return cluster != null ? cluster.uris() : List.of(server().uri());
    }

    public boolean isCluster() {
        return mode == Mode.CLUSTER;
    }
}
