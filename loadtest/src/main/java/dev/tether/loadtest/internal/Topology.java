package dev.tether.loadtest.internal;

import dev.tether.gateway.GatewayConfig;
import dev.tether.gateway.GatewayHandle;
import dev.tether.gateway.InMemorySessionStore;
import dev.tether.gateway.PushApiOptions;
import dev.tether.gateway.TetherGateway;
import dev.tether.loadtest.Fault;
import dev.tether.loadtest.LoadTestOptions;
import dev.tether.loadtest.fault.FaultProxy;
import dev.tether.loadtest.fault.FaultProxyOptions;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * What the clients connect to: the targets given, or gateways started in this JVM sharing one in-memory store, each
 * behind a {@link FaultProxy} when the scenario cuts connections there. Also carries out the fault.
 */
final class Topology implements AutoCloseable {

    private static final Duration START_TIMEOUT = Duration.ofSeconds(30);

    private final List<GatewayHandle> gateways = new ArrayList<>();
    private final List<FaultProxy> proxies = new ArrayList<>();
    private InMemorySessionStore store;
    private final List<URI> endpoints = new ArrayList<>();
    private final List<URI> publishUrls = new ArrayList<>();

    private Topology() {
    }

    static Topology start(LoadTestOptions options) {
        Topology topology = new Topology();
        try {
            topology.open(options);
            return topology;
        } catch (RuntimeException e) {
            topology.close();
            throw e;
        }
    }

    private void open(LoadTestOptions options) {
        List<URI> targets = new ArrayList<>(options.targets());
        if (options.embeddedGateways() > 0) {
            store = InMemorySessionStore.builder().build();
            for (int i = 1; i <= options.embeddedGateways(); i++) {
                int node = i;
                GatewayConfig.Builder config = GatewayConfig.builder()
                        .server(s -> s.host("127.0.0.1").port(0).nodeId("node-" + node))
                        .handler(h -> h.echoDelay(options.echoDelay()));
                options.apiKey().ifPresent(key -> config.pushApi(PushApiOptions.withApiKey(key)));
                GatewayHandle gateway = TetherGateway.builder(config.build()).store(store).build().start()
                        .block(START_TIMEOUT);
                gateways.add(gateway);
                targets.add(URI.create("ws://127.0.0.1:" + gateway.port() + gateway.path()));
                if (options.publishUrls().isEmpty() && options.apiKey().isPresent()) {
                    publishUrls.add(URI.create("http://127.0.0.1:" + gateway.port()));
                }
            }
        }
        publishUrls.addAll(options.publishUrls());
        boolean proxied = options.scenario().fault() instanceof Fault.ProxyCut;
        for (URI target : targets) {
            if (!proxied) {
                endpoints.add(target);
                continue;
            }
            int port = target.getPort() > 0 ? target.getPort() : (target.getScheme().equals("wss") ? 443 : 80);
            FaultProxy proxy = FaultProxy.start(FaultProxyOptions.builder()
                            .target(new InetSocketAddress(target.getHost(), port))
                            .build())
                    .block(START_TIMEOUT);
            proxies.add(proxy);
            endpoints.add(withPort(target, proxy.port()));
        }
    }

    private static URI withPort(URI uri, int port) {
        try {
            return new URI(uri.getScheme(), uri.getUserInfo(), "127.0.0.1", port, uri.getPath(), uri.getQuery(), null);
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("cannot proxy " + uri, e);
        }
    }

    /** What the clients connect to, in rotation. */
    List<URI> endpoints() {
        return List.copyOf(endpoints);
    }

    /** Where the producer publishes; empty when no API is known. */
    List<URI> publishUrls() {
        return List.copyOf(publishUrls);
    }

    List<GatewayHandle> gateways() {
        return List.copyOf(gateways);
    }

    /** Carries out {@code fault}; returns what it did, for the report. */
    String inject(Fault fault) {
        return switch (fault) {
            case Fault.None none -> "nothing";
            case Fault.ProxyCut cut -> {
                int cutCount = 0;
                for (FaultProxy proxy : proxies) {
                    cutCount += proxy.cutAll();
                }
                yield "cut " + cutCount + " connections on " + proxies.size() + " proxies";
            }
            case Fault.StopEmbeddedNode stop -> {
                if (gateways.isEmpty()) {
                    yield "no embedded gateway to stop";
                }
                GatewayHandle first = gateways.getFirst();
                int open = first.connections();
                first.dispose();
                yield "stopped " + first.nodeId() + " with " + open + " connections";
            }
            case Fault.KillPid kill -> {
                Optional<ProcessHandle> process = ProcessHandle.of(kill.pid());
                if (process.isEmpty()) {
                    yield "no process " + kill.pid();
                }
                yield process.get().destroyForcibly() ? "sent SIGKILL to " + kill.pid() : "could not kill " + kill.pid();
            }
            case Fault.KillCommand command -> runCommand(command);
        };
    }

    private static String runCommand(Fault.KillCommand command) {
        try {
            Process process = new ProcessBuilder(command.argv()).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.INHERIT).start();
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                return command + " timed out";
            }
            return command + " exited with " + process.exitValue();
        } catch (IOException e) {
            return command + " failed: " + e.getMessage();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return command + " interrupted";
        }
    }

    @Override
    public void close() {
        for (FaultProxy proxy : proxies) {
            proxy.disposeNow(Duration.ofSeconds(5));
        }
        for (GatewayHandle gateway : gateways) {
            if (!gateway.isDisposed()) {
                try {
                    gateway.shutdown(Duration.ofSeconds(2)).block(Duration.ofSeconds(10));
                } catch (RuntimeException e) {
                    gateway.dispose();
                }
            }
        }
        if (store != null) {
            store.close();
        }
    }
}
