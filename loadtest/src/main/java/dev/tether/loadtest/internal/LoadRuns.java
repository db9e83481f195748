package dev.tether.loadtest.internal;

import com.fasterxml.jackson.core.type.TypeReference;
import dev.tether.loadtest.LoadTestOptions;
import dev.tether.loadtest.RunResult;
import dev.tether.loadtest.Scenario;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;

/** Runs load tests; the entry point from the public API into this internal package. */
public final class LoadRuns {

    /** Exit code when every check passed. */
    public static final int EXIT_PASS = 0;
    /** Exit code when a check failed: something was lost, duplicated or reordered. */
    public static final int EXIT_FAIL = 1;
    /** Exit code for a bad option. */
    public static final int EXIT_USAGE = 2;

    /**
     * Reactor Netty's shared connection pool allows 2 x cores (at least 16) connections per remote address, and
     * each client's WebSocket holds its pooled connection for as long as it is open; the client uses that pool, so
     * without a larger limit the clients beyond it would wait in the pool's acquire queue. Must be set before Reactor
     * Netty's {@code ConnectionProvider} is first loaded.
     */
    static final String POOL_MAX_CONNECTIONS = "reactor.netty.pool.maxConnections";
    static final String POOL_MAX_CONNECTIONS_VALUE = "1000000";

    private static final DateTimeFormatter FOLDER_TIME =
            DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss").withZone(ZoneOffset.UTC);

    static {
        configureNetty();
    }

    private LoadRuns() {
    }

    /** Raises Reactor Netty's per-address pool limit unless already set; call before anything uses Reactor Netty. */
    public static void configureNetty() {
        if (System.getProperty(POOL_MAX_CONNECTIONS) == null) {
            System.setProperty(POOL_MAX_CONNECTIONS, POOL_MAX_CONNECTIONS_VALUE);
        }
    }

    /** Runs {@code options}' scenario once; {@code label} names the run in its reports. */
    public static RunResult run(LoadTestOptions options, String label, PrintStream out) {
        return new Runner(options, label, out).run();
    }

    /** Runs the scenario with its jitter and with none, then writes and prints the comparison. */
    public static List<RunResult> compareJitter(LoadTestOptions options, PrintStream out) {
        Scenario scenario = options.scenario();
        double jitter = scenario.reconnectJitter() > 0 ? scenario.reconnectJitter() : Scenario.DEFAULT_RECONNECT_JITTER;
        RunResult on = run(options.toBuilder().scenario(scenario.toBuilder().reconnectJitter(jitter).build()).build(),
                "jitter-" + jitter, out);
        RunResult off = run(options.toBuilder().scenario(scenario.toBuilder().reconnectJitter(0).build()).build(),
                "jitter-off", out);
        compare(List.of(on.directory().resolve("report.json"), off.directory().resolve("report.json")),
                options.results(), out);
        return List.of(on, off);
    }

    /** Compares the given {@code report.json} files side by side; writes {@code compare.html} and returns its folder. */
    public static Path compare(List<Path> reports, Path results, PrintStream out) {
        List<Map<String, Object>> runs = new ArrayList<>();
        for (Path report : reports) {
            try {
                runs.add(Report.JSON.readValue(report.toFile(), new TypeReference<Map<String, Object>>() { }));
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read " + report, e);
            }
        }
        StringBuilder s = new StringBuilder();
        s.append('\n').append("=".repeat(96)).append('\n').append("Comparison\n");
        s.append(String.format(Locale.ROOT, "%-44s", ""));
        runs.forEach(run -> s.append(String.format(Locale.ROOT, " %24s", name(run))));
        s.append('\n');
        line(s, runs, "verdict", run -> run.get("verdict"));
        line(s, runs, "clients", run -> get(run, "counts", "clients"));
        line(s, runs, "fault", run -> get(run, "setup", "fault"));
        line(s, runs, "reconnect jitter", run -> get(run, "setup", "reconnectJitter"));
        line(s, runs, "resume p50 (ms)", run -> get(run, "latencyMs", "resume", "p50"));
        line(s, runs, "resume p99 (ms)", run -> get(run, "latencyMs", "resume", "p99"));
        line(s, runs, "resume max (ms)", run -> get(run, "latencyMs", "resume", "max"));
        line(s, runs, "resumes succeeded", run -> get(run, "counts", "resumesSucceeded"));
        line(s, runs, "resumes failed", run -> get(run, "counts", "resumesFailed"));
        line(s, runs, "all reconnected after fault (s)", run -> get(run, "timing", "allReconnectedAfterFaultSeconds"));
        line(s, runs, "peak handshakes per second", run -> get(run, "peaks", "handshakesPerSecond"));
        line(s, runs, "peak reconnect attempts per second", run -> get(run, "peaks", "reconnectsPerSecond"));
        line(s, runs, "reconnect attempts", run -> get(run, "counts", "reconnectAttempts"));
        line(s, runs, "handshakes refused (1013)", run -> get(run, "counts", "handshakesRefused"));
        line(s, runs, "frames lost", run -> get(run, "counts", "framesLost"));
        line(s, runs, "events lost", run -> get(run, "counts", "eventsLost"));
        line(s, runs, "round trip p99 (ms)", run -> get(run, "latencyMs", "roundTrip", "p99"));
        line(s, runs, "replies continued", run -> get(run, "counts", "repliesContinued"));
        line(s, runs, "continue pause p50 (ms)", run -> get(run, "latencyMs", "continuePause", "p50"));
        line(s, runs, "continue pause p99 (ms)", run -> get(run, "latencyMs", "continuePause", "p99"));
        Path folder = results.resolve(FOLDER_TIME.format(Instant.now()) + "-compare");
        try {
            Files.createDirectories(folder);
            Files.writeString(folder.resolve("compare.txt"), s.toString());
            Files.writeString(folder.resolve("compare.html"), Report.html(runs));
            Map<String, Object> json = new LinkedHashMap<>();
            json.put("reports", reports.stream().map(p -> p.toAbsolutePath().toString()).toList());
            json.put("comparison", s.toString());
            Files.writeString(folder.resolve("compare.json"), Report.JSON.writeValueAsString(json));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the comparison to " + folder, e);
        }
        s.append("comparison: ").append(folder.toAbsolutePath()).append("/{compare.txt,compare.html}\n");
        s.append("=".repeat(96)).append('\n');
        out.print(s);
        out.flush();
        return folder;
    }

    /** Runs the command line; returns the exit code. */
    public static int main(List<String> args, Map<String, String> env, PrintStream out, PrintStream err) {
        LoadTestCommand.Invocation invocation;
        try {
            invocation = LoadTestCommand.parse(args, env);
        } catch (IllegalArgumentException e) {
            err.println("tether-loadtest: " + e.getMessage());
            err.println("Run with --help to see every option.");
            return EXIT_USAGE;
        }
        if (invocation.output() != null) {
            out.print(invocation.output());
            return EXIT_PASS;
        }
        if (!invocation.compare().isEmpty()) {
            compare(invocation.compare(), Path.of("results"), out);
            return EXIT_PASS;
        }
        LoadTestOptions options = invocation.options();
        List<RunResult> results = options.compareJitter() ? compareJitter(options, out)
                : List.of(run(options, "", out));
        return results.stream().allMatch(RunResult::passed) ? EXIT_PASS : EXIT_FAIL;
    }

    private static String name(Map<String, Object> run) {
        Object label = run.get("label");
        return run.get("scenario") + (label == null || label.toString().isEmpty() ? "" : " [" + label + "]");
    }

    private static void line(StringBuilder s, List<Map<String, Object>> runs, String name,
                             Function<Map<String, Object>, Object> value) {
        s.append(String.format(Locale.ROOT, "%-44s", name));
        for (Map<String, Object> run : runs) {
            Object v = value.apply(run);
            String text = v == null ? "-" : v instanceof Double d ? String.format(Locale.ROOT, "%.1f", d) : v.toString();
            s.append(String.format(Locale.ROOT, " %24s", text));
        }
        s.append('\n');
    }

    private static Object get(Map<String, Object> map, String... path) {
        Object current = map;
        for (String key : path) {
            if (!(current instanceof Map<?, ?> m)) {
                return null;
            }
            current = m.get(key);
        }
        return current;
    }
}
