package dev.tether.e2e.bench;

import dev.tether.client.TetherClient;
import dev.tether.client.TetherClientOptions;
import dev.tether.e2e.testing.RawSocket;
import dev.tether.gateway.GatewayConfig;
import dev.tether.gateway.GatewayHandle;
import dev.tether.gateway.StoreOptions;
import dev.tether.gateway.TetherGateway;
import dev.tether.protocol.AssistantDone;
import dev.tether.protocol.Hello;
import dev.tether.protocol.Sequenced;
import dev.tether.protocol.ServerEvent;
import dev.tether.protocol.Welcome;
import dev.tether.session.redis.testkit.CommandStats;
import dev.tether.session.redis.testkit.RedisServer;
import dev.tether.testkit.Eventually;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Prints figures for a Redis-backed gateway (issue 3): resume latency, {@code hello} to the last replayed frame,
 * for 100 frames of history (p50/p99), and appends per second with Redis commands per persisted message at load
 * ({@code INFO commandstats}). Runs a redis-server from the PATH and one gateway in this JVM.
 *
 * <pre>
 * ./mvnw -q -pl e2e test-compile exec:java -Dexec.classpathScope=test \
 *     -Dexec.mainClass=dev.tether.e2e.bench.ResumeBenchmark [-Dexec.args="resumes clients messages words"]
 * </pre>
 */
public final class ResumeBenchmark {

    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    private ResumeBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        int resumes = args.length > 0 ? Integer.parseInt(args[0]) : 300;
        int clients = args.length > 1 ? Integer.parseInt(args[1]) : 50;
        int messages = args.length > 2 ? Integer.parseInt(args[2]) : 20;
        int words = args.length > 3 ? Integer.parseInt(args[3]) : 10;
        try (RedisServer redis = RedisServer.startLocal()) {
            GatewayHandle gateway = TetherGateway.start(GatewayConfig.builder()
                    .server(s -> s.host("127.0.0.1").port(0))
                    .store(s -> s.kind(StoreOptions.Kind.REDIS).redisUri(redis.uri()))
                    .handler(h -> h.echoDelay(Duration.ZERO))
                    .build()).block(TIMEOUT);
            Eventually.await("the gateway ready", TIMEOUT, gateway::isReady);
            URI ws = URI.create("ws://127.0.0.1:" + gateway.port() + gateway.path());
            System.out.println("Redis-backed gateway on " + ws + ", " + redis);
            try {
                resumeLatency(gateway, ws, 30, false);
                resumeLatency(gateway, ws, resumes, true);
                throughput(redis, ws, clients, messages, words);
            } finally {
                gateway.shutdown(Duration.ofSeconds(5)).block(TIMEOUT);
            }
        }
        System.exit(0);
    }

    private static void resumeLatency(GatewayHandle gateway, URI ws, int runs, boolean print) {
        int history = 100;
        long[] nanos = new long[runs];
        for (int run = 0; run < runs; run++) {
            Welcome welcome;
            try (RawSocket first = RawSocket.connect(ws)) {
                first.send(Hello.fresh());
                welcome = first.next(Welcome.class);
            }
            String id = welcome.sessionId();
            for (int i = 0; i < history; i++) {
                gateway.store().append(id, ServerEvent.of("e" + i,
                        JsonNodeFactory.instance.textNode("history frame " + i))).block(TIMEOUT);
            }
            try (RawSocket second = RawSocket.connect(ws)) {
                long start = System.nanoTime();
                second.send(Hello.resume(new Hello.Resume(id, welcome.token(), welcome.epoch(), 0)));
                while (true) {
                    Sequenced frame = second.next(Sequenced.class);
                    if (frame.seq() == history) {
                        break;
                    }
                }
                nanos[run] = System.nanoTime() - start;
            }
        }
        if (print) {
            Arrays.sort(nanos);
            System.out.printf(Locale.ROOT, "resume latency, hello -> last of %d replayed frames, %d runs: "
                            + "p50 %.2f ms, p99 %.2f ms, max %.2f ms%n", history, runs,
                    nanos[runs / 2] / 1e6, nanos[Math.min(runs - 1, (int) Math.ceil(runs * 0.99) - 1)] / 1e6,
                    nanos[runs - 1] / 1e6);
        }
    }

    private static void throughput(RedisServer redis, URI ws, int clients, int messages, int words)
            throws Exception {
        String text = String.join(" ", java.util.Collections.nCopies(words, "word"));
        CommandStats.reset(redis);
        AtomicLong frames = new AtomicLong();
        ExecutorService pool = Executors.newFixedThreadPool(clients);
        long start = System.nanoTime();
        List<Future<?>> running = new ArrayList<>();
        for (int c = 0; c < clients; c++) {
            running.add(pool.submit(() -> {
                TetherClient client = TetherClient.create(TetherClientOptions.builder().endpoint(ws).build());
                AtomicLong done = new AtomicLong();
                var subscription = client.messages().subscribe(frame -> {
                    frames.incrementAndGet();
                    if (frame instanceof AssistantDone) {
                        synchronized (done) {
                            done.incrementAndGet();
                            done.notifyAll();
                        }
                    }
                });
                client.connect().block(TIMEOUT);
                for (int m = 1; m <= messages; m++) {
                    client.send(text).block(TIMEOUT);
                    synchronized (done) {
                        while (done.get() < m) {
                            done.wait(TIMEOUT.toMillis());
                        }
                    }
                }
                client.close().block(TIMEOUT);
                subscription.dispose();
                return null;
            }));
        }
        for (Future<?> future : running) {
            future.get();
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        pool.shutdown();
        CommandStats stats = CommandStats.read(redis);
        long clientMessages = (long) clients * messages;
        long persisted = frames.get() + clientMessages;
        System.out.printf(Locale.ROOT, "load: %d clients x %d messages of %d words, echo: %d frames + %d client"
                        + " messages persisted in %.2f s = %.0f appends/s%n", clients, messages, words,
                frames.get(), clientMessages, seconds, persisted / seconds);
        System.out.printf(Locale.ROOT, "Redis commands sent by the gateway (round trips): %d for %d persisted"
                        + " messages = %.3f per message; counting those run inside scripts: %d = %.3f per message%n",
                stats.clientCalls(), persisted, (double) stats.clientCalls() / persisted, stats.totalCalls(),
                (double) stats.totalCalls() / persisted);
        System.out.print(stats.table());
    }
}
