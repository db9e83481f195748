package dev.tether.loadtest;

import dev.tether.gateway.HandlerOptions;
import dev.tether.gateway.PushApiOptions;
import dev.tether.protocol.Checks;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Where and how a {@link Scenario} runs: the gateways (given as targets, or started in this JVM), the publish API
 * for the event producer, and the results folder. Immutable; build with {@link #builder(Scenario)}.
 */
public final class LoadTestOptions {

    /** Default results folder: {@code results}. */
    public static final Path DEFAULT_RESULTS = Path.of("results");
    /** Default pause between the echo handler's words on embedded gateways: the gateway's default. */
    public static final Duration DEFAULT_ECHO_DELAY = HandlerOptions.DEFAULT_ECHO_DELAY;
    /** Default publish requests in flight at once: 256. */
    public static final int DEFAULT_PRODUCER_CONCURRENCY = 256;
    /** Default unmeasured warm-up clients before a run: 200. */
    public static final int DEFAULT_WARMUP_CLIENTS = 200;

    private final Scenario scenario;
    private final List<URI> targets;
    private final int embeddedGateways;
    private final List<URI> publishUrls;
    private final String apiKey;
    private final Path results;
    private final boolean compareJitter;
    private final Duration echoDelay;
    private final int producerConcurrency;
    private final boolean quiet;
    private final int warmupClients;

    private LoadTestOptions(Builder b) {
        this.scenario = b.scenario;
        this.targets = List.copyOf(b.targets);
        this.embeddedGateways = b.embeddedGateways;
        this.publishUrls = List.copyOf(b.publishUrls);
        this.apiKey = b.apiKey;
        this.results = b.results;
        this.compareJitter = b.compareJitter;
        this.echoDelay = b.echoDelay;
        this.producerConcurrency = b.producerConcurrency;
        this.quiet = b.quiet;
        this.warmupClients = b.warmupClients;
    }

    public static Builder builder(Scenario scenario) {
        return new Builder(scenario);
    }

    public Builder toBuilder() {
        return new Builder(this);
    }

    /** The scenario. */
    public Scenario scenario() {
        return scenario;
    }

    /** The gateway WebSocket URIs given, possibly one load balancer; empty with embedded gateways only. */
    public List<URI> targets() {
        return targets;
    }

    /** Gateways started in this JVM, sharing one in-memory store; 0 for none. */
    public int embeddedGateways() {
        return embeddedGateways;
    }

    /** Base URLs of the publish API, tried in rotation; empty for none (or the embedded gateways' own). */
    public List<URI> publishUrls() {
        return publishUrls;
    }

    /** The publish API's bearer key. */
    public Optional<String> apiKey() {
        return Optional.ofNullable(apiKey);
    }

    /** The folder reports are written to, one subfolder per run. */
    public Path results() {
        return results;
    }

    /** Whether the scenario runs twice, with the configured jitter and with none, and the two are compared. */
    public boolean compareJitter() {
        return compareJitter;
    }

    /** Pause between the echo handler's words on embedded gateways. */
    public Duration echoDelay() {
        return echoDelay;
    }

    /** Publish requests in flight at once. */
    public int producerConcurrency() {
        return producerConcurrency;
    }

    /** Whether progress lines are left out of the console output. */
    public boolean quiet() {
        return quiet;
    }

    /** Clients connected, chatting and closed before the run, unmeasured, to warm the JVMs up. */
    public int warmupClients() {
        return warmupClients;
    }

    /** Whether the event producer runs: the scenario pushes events and a publish API is known. */
    public boolean producerEnabled() {
        return scenario.eventInterval().isPresent() && apiKey != null
                && (!publishUrls.isEmpty() || embeddedGateways > 0);
    }

    @Override
    public String toString() {
        return "LoadTestOptions[" + scenario + ", targets=" + targets + ", embeddedGateways=" + embeddedGateways
                + ", publishUrls=" + publishUrls + ", apiKey=" + (apiKey == null ? "none" : "***")
                + ", results=" + results + ", compareJitter=" + compareJitter + "]";
    }

    /** Builds {@link LoadTestOptions}; every setter validates its argument. Not thread-safe. */
    public static final class Builder {
        private Scenario scenario;
        private final List<URI> targets = new ArrayList<>();
        private int embeddedGateways;
        private final List<URI> publishUrls = new ArrayList<>();
        private String apiKey;
        private Path results = DEFAULT_RESULTS;
        private boolean compareJitter;
        private Duration echoDelay = DEFAULT_ECHO_DELAY;
        private int producerConcurrency = DEFAULT_PRODUCER_CONCURRENCY;
        private boolean quiet;
        private int warmupClients = DEFAULT_WARMUP_CLIENTS;

        private Builder(Scenario scenario) {
            scenario(scenario);
        }

        private Builder(LoadTestOptions o) {
            scenario = o.scenario;
            targets.addAll(o.targets);
            embeddedGateways = o.embeddedGateways;
            publishUrls.addAll(o.publishUrls);
            apiKey = o.apiKey;
            results = o.results;
            compareJitter = o.compareJitter;
            echoDelay = o.echoDelay;
            producerConcurrency = o.producerConcurrency;
            quiet = o.quiet;
            warmupClients = o.warmupClients;
        }

        public Builder scenario(Scenario scenario) {
            this.scenario = Objects.requireNonNull(scenario, "scenario");
            return this;
        }

        /** Adds a gateway (or load balancer) WebSocket URI, {@code ws://host:port/ws}. */
        public Builder target(URI target) {
            Objects.requireNonNull(target, "target");
            if (!"ws".equals(target.getScheme()) || target.getHost() == null) {
                throw new IllegalArgumentException("target must be a ws:// URI with a host, got " + target);
            }
            targets.add(target);
            return this;
        }

        /** Gateways to start in this JVM on loopback, sharing one in-memory store, from 0 to 16; default 0. */
        public Builder embeddedGateways(int count) {
            this.embeddedGateways = Checks.between("embeddedGateways", count, 0, 16);
            return this;
        }

        /** Adds a base URL of the publish API, {@code http://host:port}. */
        public Builder publishUrl(URI url) {
            Objects.requireNonNull(url, "publishUrl");
            if (!"http".equals(url.getScheme()) || url.getHost() == null) {
                throw new IllegalArgumentException("publish-url must be an http:// URL with a host, got " + url);
            }
            publishUrls.add(url);
            return this;
        }

        /** The publish API's bearer key, at least 16 characters (the gateway's minimum). */
        public Builder apiKey(String key) {
            this.apiKey = key == null ? null : PushApiOptions.withApiKey(key).apiKey().orElseThrow();
            return this;
        }

        /** The results folder; default {@link #DEFAULT_RESULTS}. */
        public Builder results(Path folder) {
            this.results = Objects.requireNonNull(folder, "results");
            return this;
        }

        /** Run twice, with the scenario's jitter and without, and compare; default off. */
        public Builder compareJitter(boolean compare) {
            this.compareJitter = compare;
            return this;
        }

        /** The embedded gateways' pause between echoed words, from 0 to 10 s; default {@link #DEFAULT_ECHO_DELAY}. */
        public Builder echoDelay(Duration delay) {
            this.echoDelay = Checks.between("echoDelay", delay, Duration.ZERO, Duration.ofSeconds(10));
            return this;
        }

        /** Publish requests in flight at once, from 1 to 10,000; default {@link #DEFAULT_PRODUCER_CONCURRENCY}. */
        public Builder producerConcurrency(int requests) {
            this.producerConcurrency = Checks.between("producerConcurrency", requests, 1, 10_000);
            return this;
        }

        /** Leave progress lines out of the console output; default off. */
        public Builder quiet(boolean quiet) {
            this.quiet = quiet;
            return this;
        }

        /** Unmeasured clients run before the scenario, from 0 to 10,000; default {@link #DEFAULT_WARMUP_CLIENTS}. */
        public Builder warmupClients(int clients) {
            this.warmupClients = Checks.between("warmupClients", clients, 0, 10_000);
            return this;
        }

        /** The options; fails when there is nothing to connect to or the fault does not fit the setup. */
        public LoadTestOptions build() {
            if (targets.isEmpty() && embeddedGateways == 0) {
                throw new IllegalStateException("give at least one --target ws://... or --embedded-gateways N");
            }
            if (scenario.fault() instanceof Fault.StopEmbeddedNode && embeddedGateways < 2 && targets.isEmpty()) {
                throw new IllegalStateException("--cut node stops embedded node-1: it needs --embedded-gateways 2 or more");
            }
            if (!publishUrls.isEmpty() && apiKey == null) {
                throw new IllegalStateException("--publish-url needs --api-key (or TETHER_API_KEY)");
            }
            return new LoadTestOptions(this);
        }
    }
}
