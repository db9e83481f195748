package dev.tether.loadtest.internal;

import dev.tether.client.TetherClient;
import dev.tether.client.TetherClientOptions;
import dev.tether.protocol.Durations;
import dev.tether.loadtest.Fault;
import dev.tether.loadtest.LoadTestOptions;
import dev.tether.loadtest.RunResult;
import dev.tether.loadtest.Scenario;
import java.io.PrintStream;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * One run of a scenario. A single driver thread ticks every {@link #TICK}: it starts clients per the injection
 * profile, tells each connected client when to send and the producer when to push, fires the fault, samples the
 * gauges; the clients themselves run on Reactor Netty's shared event loops. After the hold the load stops and the run
 * drains: it waits until every reply and every published event has arrived, or the drain timeout passes. Then the
 * checkers give their verdict and the reports are written.
 */
final class Runner {

    static final Duration TICK = Duration.ofMillis(10);
    private static final Duration PROGRESS_EVERY = Duration.ofSeconds(5);
    private static final Duration FAULT_WAIT = Duration.ofSeconds(60);
    private static final Duration CLOSE_GRACE = Duration.ofSeconds(10);
    private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(60);

    private final LoadTestOptions options;
    private final Scenario scenario;
    private final String label;
    private final PrintStream out;

    Runner(LoadTestOptions options, String label, PrintStream out) {
        this.options = options;
        this.scenario = options.scenario();
        this.label = label;
        this.out = out;
    }

    RunResult run() {
        Instant startedAt = Instant.now();
        try (Topology topology = Topology.start(options)) {
            return drive(topology, startedAt);
        }
    }

    private RunResult drive(Topology topology, Instant startedAt) {
        warmUp(topology.endpoints());
        long start = System.nanoTime();
        long total = scenario.clients();
        Duration injection = scenario.injection().length(total);
        long planned = injection.plus(scenario.hold()).plus(scenario.drainTimeout())
                .plus(scenario.lifetime().orElse(Duration.ZERO)).toSeconds() + 120;
        Metrics metrics = new Metrics(start, (int) Math.min(planned, 7 * 24 * 3600));
        Problems problems = new Problems();
        RunTimes times = new RunTimes(start);

        List<URI> endpoints = topology.endpoints();
        List<TetherClientOptions> variants = clientOptions(endpoints);
        EventProducer producer = null;
        if (scenario.eventInterval().isPresent() && options.apiKey().isPresent() && !topology.publishUrls().isEmpty()) {
            producer = new EventProducer(topology.publishUrls(), options.apiKey().get(), options.producerConcurrency(),
                    metrics, problems);
        }
        if (!options.quiet()) {
            out.println("Tether load test: " + scenario + (label.isEmpty() ? "" : " [" + label + "]"));
            out.println("  endpoints " + endpoints + (producer == null ? ", producer off"
                    : ", producer -> " + topology.publishUrls()));
        }

        SimClient[] clients = new SimClient[(int) total];
        int started = 0;
        long sendInterval = scenario.messageRate() > 0 ? (long) (1e9 / scenario.messageRate()) : -1;
        long eventInterval = scenario.eventInterval().map(Duration::toNanos).orElse(-1L);
        long lifetime = scenario.lifetime().map(Duration::toNanos).orElse(-1L);
        SplittableRandom random = new SplittableRandom(20240601L);
        long injectEnd = -1;
        long holdEnd = -1;
        long faultAt = -1;
        Thread faultThread = null;
        long nextProgress = start + PROGRESS_EVERY.toNanos();
        long tick = TICK.toNanos();

        while (true) {
            long now = System.nanoTime();
            long target = scenario.injection().startedBy(Duration.ofNanos(now - start), total);
            while (started < target) {
                SimClient client = new SimClient(started, variants.get(started % variants.size()), metrics, problems);
                client.nextSendAt = sendInterval > 0 ? now + random.nextLong(sendInterval) : Long.MAX_VALUE;
                client.nextEventAt = eventInterval > 0 ? now + random.nextLong(eventInterval) : Long.MAX_VALUE;
                client.endsAt = lifetime > 0 ? now + lifetime : Long.MAX_VALUE;
                clients[started++] = client;
                client.start(now);
            }
            if (started == total && injectEnd < 0) {
                injectEnd = now;
                times.injectEnd = now;
                holdEnd = now + scenario.hold().toNanos();
                if (!(scenario.fault() instanceof Fault.None)) {
                    faultAt = now + scenario.faultAfter().toNanos();
                    if (faultAt >= holdEnd) {
                        problems.report("the fault after " + Durations.format(scenario.faultAfter())
                                + " falls after the hold of " + Durations.format(scenario.hold()) + "; not injected");
                        faultAt = -1;
                    }
                }
            }
            if (faultAt > 0 && now >= faultAt && faultThread == null) {
                // Every connection is to be cut: wait for the stragglers to connect, but not for ever.
                boolean everyoneConnected = metrics.everConnected.get() >= total;
                if (everyoneConnected || now >= faultAt + FAULT_WAIT.toNanos()) {
                    faultThread = fire(topology, metrics, times);
                    holdEnd += now - faultAt;
                }
            }
            recovery(metrics, times, now);
            boolean holding = holdEnd < 0 || now < holdEnd;
            for (int i = 0; i < started; i++) {
                SimClient client = clients[i];
                if (client.closing) {
                    continue;
                }
                if (now >= client.endsAt && !client.stoppedSending) {
                    client.stoppedSending = true;
                    client.closeDeadline = now + CLOSE_GRACE.toNanos();
                }
                if (client.stoppedSending) {
                    if (lifetime > 0 && (client.checker.caughtUp() || now > client.closeDeadline)) {
                        client.closing = true;
                        client.close().subscribe();
                    }
                    continue;
                }
                if (!holding || !client.connectedOnce()) {
                    continue;
                }
                if (now >= client.nextSendAt) {
                    client.send(now);
                    client.nextSendAt = Math.max(client.nextSendAt + sendInterval, now);
                }
                if (producer != null && now >= client.nextEventAt) {
                    producer.publish(client, now);
                    client.nextEventAt = Math.max(client.nextEventAt + eventInterval, now);
                }
            }
            metrics.sampleConnected(now);
            if (now >= nextProgress) {
                progress(metrics, now, started, "load");
                nextProgress += PROGRESS_EVERY.toNanos();
            }
            if (holdEnd > 0 && now >= holdEnd) {
                break;
            }
            LockSupport.parkNanos(Math.max(0, now + tick - System.nanoTime()));
        }

        // Drain: no new sends or pushes; wait for what is owed.
        times.drainStart = System.nanoTime();
        long deadline = times.drainStart + scenario.drainTimeout().toNanos();
        while (true) {
            long now = System.nanoTime();
            metrics.sampleConnected(now);
            recovery(metrics, times, now);
            boolean caughtUp = true;
            for (int i = 0; i < started && caughtUp; i++) {
                caughtUp = clients[i].checker.caughtUp();
            }
            if (caughtUp && (faultThread == null || !faultThread.isAlive()) || now >= deadline) {
                break;
            }
            if (now >= nextProgress) {
                progress(metrics, now, started, "drain");
                nextProgress += PROGRESS_EVERY.toNanos();
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(100));
        }
        times.end = System.nanoTime();
        if (faultThread != null) {
            try {
                faultThread.join(TimeUnit.SECONDS.toMillis(60));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        Tally tally = new Tally();
        for (int i = 0; i < started; i++) {
            tally.add(clients[i].finish());
        }
        List<SimClient> all = new ArrayList<>(started);
        for (int i = 0; i < started; i++) {
            all.add(clients[i]);
        }
        closeAll(all);
        if (producer != null) {
            producer.close();
        }
        Report report = new Report(options, label, startedAt, times, metrics, tally, problems, producer != null);
        return report.write(out);
    }

    /** One options object per rotation of the endpoints, so that clients spread over them from the first attempt. */
    private List<TetherClientOptions> clientOptions(List<URI> endpoints) {
        TetherClientOptions template = TetherClientOptions.builder()
                .endpoints(endpoints)
                .reconnectBaseDelay(scenario.reconnectBase())
                .reconnectMaxDelay(scenario.reconnectMax())
                .reconnectJitter(scenario.reconnectJitter())
                .maxReconnectAttempts(scenario.reconnectAttempts())
                .build();
        List<TetherClientOptions> variants = new ArrayList<>();
        for (int shift = 0; shift < endpoints.size(); shift++) {
            List<URI> rotated = new ArrayList<>(endpoints.size());
            for (int i = 0; i < endpoints.size(); i++) {
                rotated.add(endpoints.get((shift + i) % endpoints.size()));
            }
            variants.add(template.mutate().endpoints(rotated).build());
        }
        return variants;
    }

    /** Notes when the connected count, after dropping at the fault, is back where it was. */
    private static void recovery(Metrics metrics, RunTimes times, long now) {
        if (times.faultAt == 0 || times.recoveredAt != 0) {
            return;
        }
        long connected = metrics.connectedNow.get();
        if (!times.dipped) {
            times.dipped = connected < times.connectedBeforeFault;
        } else if (connected >= times.connectedBeforeFault) {
            times.recoveredAt = now;
        }
    }

    /**
     * Connects, chats and closes a few clients that are not measured, so that class loading and the JIT's first
     * compilations do not land on the first measured connects.
     */
    private void warmUp(List<URI> endpoints) {
        int count = options.warmupClients();
        if (count == 0) {
            return;
        }
        TetherClientOptions warm = TetherClientOptions.builder().endpoints(endpoints).build();
        try {
            Flux.range(0, count)
                    .flatMap(i -> {
                        TetherClient client = TetherClient.create(warm);
                        return client.connect()
                                .then(client.send("warm up " + i))
                                .then(client.close())
                                .timeout(Duration.ofSeconds(20))
                                .onErrorResume(e -> client.close().onErrorResume(x -> Mono.empty()));
                    }, 64)
                    .then()
                    .block(Duration.ofSeconds(60));
        } catch (RuntimeException e) {
            out.println("warm-up did not finish: " + e.getMessage());
        }
    }

    private Thread fire(Topology topology, Metrics metrics, RunTimes times) {
        times.connectedBeforeFault = metrics.connectedNow.get();
        times.faultAt = System.nanoTime();
        Thread thread = Thread.ofPlatform().name("tether-loadtest-fault").daemon().start(() -> {
            String what = topology.inject(scenario.fault());
            times.faultOutcome = what;
            if (!options.quiet()) {
                out.printf("[%5.1fs] fault: %s%n", (times.faultAt - times.start) / 1e9, what);
            }
        });
        return thread;
    }

    private void progress(Metrics metrics, long now, int started, String phase) {
        if (options.quiet()) {
            return;
        }
        int second = Math.max(0, metrics.second(now) - 1);
        out.printf("[%5.1fs] %-5s started %d, connected %d | last second: handshakes %d, reconnects %d, refused %d,"
                        + " frames %d, sent %d, published %d%n",
                (now - metrics.startNanos()) / 1e9, phase, started, metrics.connectedNow.get(),
                at(metrics, Metrics.Series.HANDSHAKES, second), at(metrics, Metrics.Series.RECONNECTS, second),
                at(metrics, Metrics.Series.REFUSED, second), at(metrics, Metrics.Series.FRAMES, second),
                at(metrics, Metrics.Series.SENT, second), at(metrics, Metrics.Series.PUBLISHED, second));
    }

    private static long at(Metrics metrics, Metrics.Series series, int second) {
        long[] values = metrics.series(series);
        return second < values.length ? values[second] : 0;
    }

    private static void closeAll(List<SimClient> clients) {
        try {
            Flux.fromIterable(clients)
                    .flatMap(client -> client.close().timeout(Duration.ofSeconds(10), Mono.empty())
                            .doFinally(signal -> client.dispose()), 1024)
                    .then()
                    .block(CLOSE_TIMEOUT);
        } catch (RuntimeException e) {
            clients.forEach(SimClient::dispose);
        }
    }

    /** The moments of a run, in {@link System#nanoTime()} nanos; 0 when it did not happen. */
    static final class RunTimes {
        final long start;
        volatile long injectEnd;
        volatile long faultAt;
        volatile long connectedBeforeFault;
        volatile long recoveredAt;
        volatile boolean dipped;
        volatile String faultOutcome = "";
        volatile long drainStart;
        volatile long end;

        RunTimes(long start) {
            this.start = start;
        }
    }
}
