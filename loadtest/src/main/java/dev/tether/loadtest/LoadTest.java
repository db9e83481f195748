package dev.tether.loadtest;

import dev.tether.loadtest.internal.LoadRuns;
import java.util.Arrays;
import java.util.List;

/**
 * The load-test harness: drives thousands of real {@code TetherClient}s against gateways through a {@link Scenario}
 * and checks end to end that nothing is lost, duplicated or reordered.
 *
 * <pre>{@code
 * java -jar loadtest/target/tether-loadtest.jar --scenario storm --clients 10000 --inject ramp:20s \
 *     --target ws://127.0.0.1:8787/ws --cut proxy --results results/
 * }</pre>
 *
 * <p>Or in code: {@code LoadTest.run(LoadTestOptions.builder(Scenario.storm().clients(50).build())
 * .embeddedGateways(1).build())}. Exit code 0 when every check passed, 1 on any loss, 2 on a usage error.
 */
public final class LoadTest {

    private LoadTest() {
    }

    public static void main(String[] args) {
        // Before anything touches Reactor Netty: its shared pool would otherwise cap connections per address.
        LoadRuns.configureNetty();
        if (System.getProperty("logback.configurationFile") == null) {
            System.setProperty("logback.configurationFile", "dev/tether/loadtest/logback-loadtest.xml");
        }
        int code = LoadRuns.main(Arrays.asList(args), System.getenv(), System.out, System.err);
        System.exit(code);
    }

    /** Runs the options' scenario once, prints the summary and writes the reports. */
    public static RunResult run(LoadTestOptions options) {
        return LoadRuns.run(options, "", System.out);
    }

    /** Runs the scenario with its reconnect jitter and without, and writes a comparison; returns both results. */
    public static List<RunResult> compareJitter(LoadTestOptions options) {
        return LoadRuns.compareJitter(options, System.out);
    }
}
