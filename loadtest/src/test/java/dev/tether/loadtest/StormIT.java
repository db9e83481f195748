package dev.tether.loadtest;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tether.loadtest.internal.LoadRuns;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A tiny storm in this JVM: an embedded gateway (memory store), the harness's proxy cutting every connection. */
class StormIT {

    @TempDir
    Path results;

    @Test
    void fiftyClientsSurviveACutWithNoLoss() throws Exception {
        Scenario storm = Scenario.storm()
                .clients(50)
                .inject(Injection.ramp(Duration.ofSeconds(1)))
                .messageRate(2)
                .hold(Duration.ofSeconds(6))
                .fault(Fault.proxyCut(), Duration.ofSeconds(2))
                .reconnectBackoff(Duration.ofMillis(100), Duration.ofSeconds(1))
                .drainTimeout(Duration.ofSeconds(20))
                .build();
        LoadTestOptions options = LoadTestOptions.builder(storm)
                .embeddedGateways(1)
                .echoDelay(Duration.ofMillis(5))
                .warmupClients(5)
                .results(results)
                .quiet(true)
                .build();
        ByteArrayOutputStream console = new ByteArrayOutputStream();

        RunResult result = LoadRuns.run(options, "it", new PrintStream(console, true, StandardCharsets.UTF_8));

        String summary = console.toString(StandardCharsets.UTF_8);
        assertThat(result.passed()).as(summary).isTrue();
        assertThat(result.verdict()).isEqualTo("PASS");
        assertThat(result.losses().values()).allMatch(count -> count == 0);
        assertThat(result.count("clients")).isEqualTo(50);
        assertThat(result.count("resumesSucceeded")).as(summary).isGreaterThanOrEqualTo(50);
        assertThat(result.count("resumesFailed")).isZero();
        assertThat(result.count("repliesComplete")).isPositive();
        assertThat(result.count("framesLost")).isZero();
        assertThat(summary).contains("VERDICT: PASS", "resume (loss to caught up)", "p99");
        for (String file : List.of("summary.txt", "report.json", "report.html")) {
            assertThat(result.directory().resolve(file)).isNotEmptyFile();
        }
        String html = Files.readString(result.directory().resolve("report.html"));
        assertThat(html).contains("new Chart(", "\"verdict\" : \"PASS\"").doesNotContain("/*CHART_JS*/", "<script src=");
        assertThat(html.length()).isGreaterThan(150_000);
    }

    @Test
    void theCommandLineExitsWithTheVerdict() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int code = LoadRuns.main(List.of("--embedded-gateways", "1", "--clients", "20", "--duration", "2s",
                        "--message-rate", "2", "--echo-delay", "1ms", "--warmup", "0", "--quiet",
                        "--results", results.toString()),
                Map.of(), new PrintStream(out, true, StandardCharsets.UTF_8), System.err);

        assertThat(code).as(out.toString(StandardCharsets.UTF_8)).isEqualTo(LoadRuns.EXIT_PASS);
        assertThat(LoadRuns.main(List.of("--clients", "x"), Map.of(), System.out,
                new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8)))
                .isEqualTo(LoadRuns.EXIT_USAGE);
    }
}
