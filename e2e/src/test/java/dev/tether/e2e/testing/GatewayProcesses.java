package dev.tether.e2e.testing;

import dev.tether.testkit.Eventually;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Starts gateway nodes as separate JVM processes, each {@code java -cp <the test classpath>
 * dev.tether.gateway.Main}, and kills whatever a test left running after it. Register it with
 * {@code @RegisterExtension final GatewayProcesses gateways = new GatewayProcesses();}.
 *
 * <p>Each node gets a free port picked here (bound and released just before the start; a start that loses the port
 * to someone else is retried) and logs to {@code target/gateway-logs/<test>-<node>.log}.
 */
public final class GatewayProcesses implements BeforeEachCallback, AfterEachCallback {

    /** How long a node may take to start and report ready on a busy two-core machine. */
    public static final Duration START_TIMEOUT = Duration.ofSeconds(60);

    private static final Path LOGS = Path.of("target", "gateway-logs");

    private final List<GatewayNode> nodes = new ArrayList<>();
    private final List<AutoCloseable> resources = new ArrayList<>();
    private final List<String> common;
    private String testName = "test";

    /** @param commonArgs flags every node gets, before the per-node ones */
    public GatewayProcesses(String... commonArgs) {
        this.common = List.of(commonArgs);
    }

    /** Starts a node and waits until {@code /health} answers 200. */
    public GatewayNode startReady(String nodeId, String... args) {
        return start(nodeId, args).awaitReady(START_TIMEOUT);
    }

    /** Starts several nodes at once (their JVMs start in parallel) and waits until each is ready. */
    public List<GatewayNode> startReady(List<String> nodeIds, String... args) {
        List<java.util.concurrent.CompletableFuture<GatewayNode>> starting = nodeIds.stream()
                .map(id -> java.util.concurrent.CompletableFuture.supplyAsync(() -> startReady(id, args)))
                .toList();
        return starting.stream().map(java.util.concurrent.CompletableFuture::join).toList();
    }

    /** Starts a node and waits until it answers {@code /health} at all (ready or not). */
    public GatewayNode start(String nodeId, String... args) {
        IllegalStateException last = null;
        for (int attempt = 0; attempt < 3; attempt++) {
            int port = freePort();
            GatewayNode node = launch(nodeId, port, args);
            try {
                Eventually.await("gateway " + nodeId + " answering or gone", START_TIMEOUT, Duration.ofMillis(50),
                        () -> !node.isAlive() || node.healthStatus() >= 0);
            } catch (AssertionError silent) {
                // Judged below, like a node that exited: killed and started again on another port.
            }
            if (node.isAlive() && node.healthStatus() > 0) {
                return node;
            }
            last = new IllegalStateException("gateway " + nodeId + " did not start on port " + port + "; see "
                    + node.log() + "\n" + node.tail());
            node.kill();
        }
        throw last;
    }

    private synchronized GatewayNode launch(String nodeId, int port, String... args) {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        // Small, quick-starting JVMs: two cores are shared by several nodes, the tests and other builds.
        command.addAll(List.of("-Xms32m", "-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
                "-Xshare:auto", "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"), "dev.tether.gateway.Main",
                "--host", "127.0.0.1", "--port", Integer.toString(port), "--node-id", nodeId));
        command.addAll(common);
        command.addAll(List.of(args));
        try {
            Files.createDirectories(LOGS);
            Path log = LOGS.resolve(testName + "-" + nodeId + ".log");
            ProcessBuilder builder = new ProcessBuilder(command)
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
            builder.environment().keySet().removeIf(name -> name.startsWith("TETHER_"));
            Process process = builder.start();
            // A test JVM that dies must not leave gateways behind.
            Runtime.getRuntime().addShutdownHook(new Thread(process::destroyForcibly));
            GatewayNode node = new GatewayNode(nodeId, port, process, log);
            nodes.add(node);
            return node;
        } catch (IOException e) {
            throw new IllegalStateException("cannot start a gateway process", e);
        }
    }

    /** Every node started in this test. */
    public synchronized List<GatewayNode> nodes() {
        return List.copyOf(nodes);
    }

    /** Closes {@code resource} (a client, a proxy, a socket) after the test, last added first, before the nodes go. */
    public synchronized <T extends AutoCloseable> T closeAfter(T resource) {
        resources.add(resource);
        return resource;
    }

    @Override
    public void afterEach(ExtensionContext context) throws Exception {
        List<AutoCloseable> opened;
        List<GatewayNode> started;
        synchronized (this) {
            opened = List.copyOf(resources);
            started = List.copyOf(nodes);
            resources.clear();
            nodes.clear();
        }
        try {
            for (AutoCloseable resource : opened.reversed()) {
                resource.close();
            }
        } finally {
            started.forEach(GatewayNode::kill);
        }
    }

    /** Names the log files after the test about to run. */
    @Override
    public void beforeEach(ExtensionContext context) {
        this.testName = context.getRequiredTestMethod().getName().replaceAll("[^A-Za-z0-9_-]", "");
    }

    private static int freePort() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new IllegalStateException("no free port", e);
        }
    }
}
