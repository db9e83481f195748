package dev.tether.session.redis.bench;

import dev.tether.protocol.AssistantDelta;
import dev.tether.protocol.Sequenced;
import dev.tether.protocol.session.SessionLimits;
import dev.tether.protocol.session.SessionTokens;
import dev.tether.session.redis.RedisSessionStore;
import dev.tether.session.redis.RedisSessionStoreOptions;
import dev.tether.session.redis.testkit.CommandStats;
import dev.tether.session.redis.testkit.RedisServer;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Prints figures for the Redis session store under concurrent load: appends per second, Redis commands per
 * persisted message (from {@code INFO commandstats}), append latency, and store-level resume latency (attach on
 * another node, then replay 100 frames of history). A program that prints, never a test that asserts timings.
 *
 * <p>Starts its own {@code redis-server} from the PATH. Options: {@code --sessions N} (default 200),
 * {@code --frames N} total appends (default 200000), {@code --concurrency N} appends in flight (default 256),
 * {@code --resumes N} (default 300).
 *
 * <pre>./mvnw -q -pl session-redis exec:java -Dexec.classpathScope=test \
 *     -Dexec.mainClass=dev.tether.session.redis.bench.AppendBenchmark -Dexec.args="--frames 200000"</pre>
 */
public final class AppendBenchmark {

    private static final Duration TIMEOUT = Duration.ofMinutes(5);

    private AppendBenchmark() {
    }

    public static void main(String[] args) {
        Map<String, Integer> opts = new HashMap<>(Map.of("sessions", 200, "frames", 200_000, "concurrency", 256,
                "resumes", 300));
        for (int i = 0; i + 1 < args.length; i += 2) {
            opts.put(args[i].replaceFirst("^--", ""), Integer.parseInt(args[i + 1]));
        }
        int sessions = opts.get("sessions");
        int frames = opts.get("frames");
        int concurrency = opts.get("concurrency");
        int resumes = opts.get("resumes");

        try (RedisServer server = RedisServer.startLocal()) {
            RedisSessionStoreOptions options = RedisSessionStoreOptions.builder()
                    .uri(server.uri())
                    .limits(SessionLimits.builder().grace(Duration.ofMinutes(5)).historyFrames(1000).build())
                    .build();
            try (RedisSessionStore nodeA = RedisSessionStore.connect(options.toBuilder().nodeId("bench-a").build());
                 RedisSessionStore nodeB = RedisSessionStore.connect(options.toBuilder().nodeId("bench-b").build())) {
                List<String> ids = IntStream.range(0, sessions).mapToObj(i -> SessionTokens.newSessionId()).toList();
                Flux.fromIterable(ids).flatMap(id -> nodeA.create(id, SessionTokens.digest("t"), "bench-a"))
                        .blockLast(TIMEOUT);
                // Warm up the JIT, the connection and the script cache.
                append(nodeA, ids, Math.min(frames / 10, 20_000), concurrency);

                System.out.printf("redis-server %s; %d sessions, %d appends, %d in flight, frames of ~40 bytes%n",
                        server.uri(), sessions, frames, concurrency);
                CommandStats.reset(server);
                long[] latencies = append(nodeA, ids, frames, concurrency);
                CommandStats stats = CommandStats.read(server);
                long elapsedNanos = latencies[latencies.length - 1];
                long[] sorted = Arrays.copyOf(latencies, latencies.length - 1);
                Arrays.sort(sorted);
                System.out.printf("appends/s: %,.0f%n", frames / (elapsedNanos / 1e9));
                System.out.printf("append latency: p50 %.2f ms, p99 %.2f ms, max %.2f ms%n",
                        percentile(sorted, 50), percentile(sorted, 99), sorted[sorted.length - 1] / 1e6);
                System.out.printf("client commands (round trips) per persisted message: %.3f%n",
                        (double) stats.clientCalls() / frames);
                System.out.printf("all commands incl. those inside scripts per persisted message: %.3f%n",
                        (double) stats.totalCalls() / frames);
                System.out.print(stats.table());

                resume(nodeA, nodeB, resumes);
            }
        }
    }

    /** Appends {@code count} frames spread over the sessions; returns per-append latencies plus the elapsed time. */
    private static long[] append(RedisSessionStore store, List<String> ids, int count, int concurrency) {
        long[] latencies = new long[count + 1];
        long start = System.nanoTime();
        Flux.range(0, count)
                .flatMap(i -> Mono.defer(() -> {
                    long begin = System.nanoTime();
                    return store.append(ids.get(i % ids.size()), AssistantDelta.of(1, "token number " + i))
                            .doOnNext(f -> latencies[i] = System.nanoTime() - begin);
                }), concurrency)
                .blockLast(TIMEOUT);
        latencies[count] = System.nanoTime() - start;
        return latencies;
    }

    /** Resume on another node: attach there, then replay 100 frames of history; hello-to-last-frame at the store. */
    private static void resume(RedisSessionStore nodeA, RedisSessionStore nodeB, int resumes) {
        List<String> ids = IntStream.range(0, resumes).mapToObj(i -> SessionTokens.newSessionId()).toList();
        Flux.fromIterable(ids)
                .flatMap(id -> nodeA.create(id, SessionTokens.digest("t"), "bench-a")
                        .then(Flux.range(1, 100).concatMap(i -> nodeA.append(id, AssistantDelta.of(1, "h" + i)))
                                .then()), 32)
                .blockLast(TIMEOUT);
        long[] latencies = new long[resumes];
        for (int i = 0; i < resumes; i++) {
            String id = ids.get(i);
            long begin = System.nanoTime();
            Sequenced last = nodeB.find(id)
                    .then(nodeB.attach(id, "bench-b"))
                    .flatMap(a -> nodeB.follow(id, 0).take(100).last())
                    .block(TIMEOUT);
            latencies[i] = System.nanoTime() - begin;
            if (last == null || last.seq() != 100) {
                throw new IllegalStateException("resume of " + id + " ended at " + last);
            }
        }
        Arrays.sort(latencies);
        System.out.printf("store-level resume on another node (find + attach + replay 100 frames), %d resumes:"
                + " p50 %.2f ms, p99 %.2f ms%n", resumes, percentile(latencies, 50), percentile(latencies, 99));
    }

    private static double percentile(long[] sorted, double p) {
        int index = (int) Math.ceil(p / 100 * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, index))] / 1e6;
    }
}
