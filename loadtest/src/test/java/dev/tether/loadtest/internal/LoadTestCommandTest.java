package dev.tether.loadtest.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tether.loadtest.Fault;
import dev.tether.loadtest.Injection;
import dev.tether.loadtest.LoadTestOptions;
import dev.tether.loadtest.Scenario;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class LoadTestCommandTest {

    private static LoadTestOptions parse(String... args) {
        return LoadTestCommand.parse(List.of(args), Map.of()).options();
    }

    @Test
    void aStormAgainstTwoNodesWithAllItsOptions() {
        LoadTestOptions options = parse("--scenario", "storm", "--target", "ws://127.0.0.1:8787/ws,ws://127.0.0.1:8788/ws",
                "--clients", "10_000", "--inject", "ramp:20s", "--message-rate", "0.2/s", "--duration", "1m",
                "--jitter", "off", "--publish-url", "http://127.0.0.1:8787", "--api-key", "0123456789abcdef",
                "--event-interval", "250ms", "--cut", "proxy", "--cut-after=15s", "--results", "out/");
        Scenario scenario = options.scenario();

        assertThat(scenario.name()).isEqualTo("storm");
        assertThat(scenario.clients()).isEqualTo(10_000);
        assertThat(scenario.injection()).isEqualTo(Injection.ramp(Duration.ofSeconds(20)));
        assertThat(scenario.messageRate()).isEqualTo(0.2);
        assertThat(scenario.hold()).isEqualTo(Duration.ofMinutes(1));
        assertThat(scenario.reconnectJitter()).isZero();
        assertThat(scenario.eventInterval()).contains(Duration.ofMillis(250));
        assertThat(scenario.fault()).isEqualTo(Fault.proxyCut());
        assertThat(scenario.faultAfter()).isEqualTo(Duration.ofSeconds(15));
        assertThat(scenario.requireNoLoss()).isTrue();
        assertThat(options.targets()).containsExactly(URI.create("ws://127.0.0.1:8787/ws"),
                URI.create("ws://127.0.0.1:8788/ws"));
        assertThat(options.publishUrls()).containsExactly(URI.create("http://127.0.0.1:8787"));
        assertThat(options.apiKey()).contains("0123456789abcdef");
        assertThat(options.results()).isEqualTo(Path.of("out/"));
        assertThat(options.producerEnabled()).isTrue();
    }

    @Test
    void defaultsAreTheSteadyScenarioAndTheClientsOwnBackoff() {
        LoadTestOptions options = parse("--embedded-gateways", "1");
        Scenario scenario = options.scenario();

        assertThat(scenario.name()).isEqualTo("steady");
        assertThat(scenario.clients()).isEqualTo(Scenario.DEFAULT_CLIENTS);
        assertThat(scenario.injection()).isEqualTo(Injection.atOnce());
        assertThat(scenario.fault()).isEqualTo(Fault.none());
        assertThat(scenario.eventInterval()).isEmpty();
        assertThat(scenario.reconnectJitter()).isEqualTo(0.3);
        assertThat(scenario.reconnectBase()).isEqualTo(Duration.ofSeconds(1));
        assertThat(options.results()).isEqualTo(LoadTestOptions.DEFAULT_RESULTS);
        assertThat(options.producerEnabled()).isFalse();
    }

    @Test
    void theStormRunsWithoutAProducerWhenNoPublishApiIsGiven() {
        LoadTestOptions options = parse("--scenario", "storm", "--embedded-gateways", "1");

        assertThat(options.scenario().eventInterval()).contains(LoadTestCommand.STORM_EVENT_INTERVAL);
        assertThat(options.producerEnabled()).isFalse();
        assertThat(options.scenario().fault()).isEqualTo(Fault.proxyCut());
    }

    @Test
    void theApiKeyComesFromTheEnvironment() {
        LoadTestOptions options = LoadTestCommand.parse(List.of("--scenario", "storm", "--embedded-gateways", "2"),
                Map.of(LoadTestCommand.API_KEY_ENV, "0123456789abcdef")).options();

        assertThat(options.apiKey()).contains("0123456789abcdef");
        assertThat(options.producerEnabled()).isTrue();
    }

    @Test
    void killFaults() {
        assertThat(parse("--target", "ws://h:1/ws", "--kill-pid", "4242").scenario().fault())
                .isEqualTo(Fault.killPid(4242));
        assertThat(parse("--target", "ws://h:1/ws", "--kill-cmd", "scripts/cluster.sh kill-node node-1")
                .scenario().fault()).isEqualTo(Fault.killCommand("scripts/cluster.sh kill-node node-1"));
    }

    @Test
    void injectionProfiles() {
        assertThat(Injection.parse("at-once")).isEqualTo(Injection.atOnce());
        assertThat(Injection.parse("rate:500/s")).isEqualTo(Injection.rate(500));
        Injection ramp = Injection.parse("ramp:10s");
        assertThat(ramp.startedBy(Duration.ofSeconds(5), 1000)).isEqualTo(500);
        assertThat(ramp.startedBy(Duration.ofSeconds(11), 1000)).isEqualTo(1000);
        assertThat(Injection.rate(100).startedBy(Duration.ofMillis(2500), 1000)).isEqualTo(250);
        assertThat(Injection.rate(100).length(1000)).isEqualTo(Duration.ofSeconds(10));
    }

    @Test
    void badValuesNameTheOptionAndTheAllowedRange() {
        assertThatThrownBy(() -> parse("--embedded-gateways", "1", "--scenario", "flood"))
                .hasMessageContaining("--scenario must be steady, storm or churn");
        assertThatThrownBy(() -> parse("--embedded-gateways", "1", "--clients", "0"))
                .hasMessageContaining("clients must be between 1 and 1000000");
        assertThatThrownBy(() -> parse("--embedded-gateways", "1", "--inject", "ramp:soon"))
                .hasMessageContaining("inject ramp: expected a duration like 20ms, 3s, 5m or 1h");
        assertThatThrownBy(() -> parse("--embedded-gateways", "1", "--inject", "burst"))
                .hasMessageContaining("inject must be at-once, ramp:<duration> or rate:<per-second>");
        assertThatThrownBy(() -> parse("--embedded-gateways", "1", "--jitter", "2"))
                .hasMessageContaining("reconnectJitter must be between 0.0 and 1.0");
        assertThatThrownBy(() -> parse("--embedded-gateways", "1", "--message-rate", "fast"))
                .hasMessageContaining("'--message-rate': expected a number, got \"fast\"");
        assertThatThrownBy(() -> parse("--target", "http://h/ws"))
                .hasMessageContaining("target must be a ws:// URI");
        assertThatThrownBy(() -> parse("--embedded-gateways", "1", "--publish-url", "http://h:1"))
                .hasMessageContaining("--publish-url needs --api-key");
        assertThatThrownBy(() -> parse("--embedded-gateways", "1", "--cut", "node"))
                .hasMessageContaining("--embedded-gateways 2 or more");
        assertThatThrownBy(() -> parse("--embedded-gateways", "1", "--cut", "proxy", "--kill-pid", "1"))
                .hasMessageContaining("give one fault");
        assertThatThrownBy(() -> parse("--clients", "5"))
                .hasMessageContaining("--target ws://... or --embedded-gateways N");
        assertThatThrownBy(() -> parse("--embedded-gateways", "1", "--frobnicate"))
                .hasMessageContaining("Unknown option: '--frobnicate'");
        assertThatThrownBy(() -> parse("--embedded-gateways"))
                .hasMessageContaining("Missing required parameter for option '--embedded-gateways'");
        assertThatThrownBy(() -> parse("--embedded-gateways", "1", "--duration", "1.5s"))
                .as("durations are whole numbers, as the gateway's flags are")
                .hasMessageContaining("'--duration': expected a duration like 20ms, 3s, 5m or 1h, got \"1.5s\"");
        assertThatThrownBy(() -> parse("--compare", "a.json"))
                .hasMessageContaining("--compare");
    }

    @Test
    void helpAndCompare() {
        assertThat(LoadTestCommand.parse(List.of("--help"), Map.of()).output()).contains("Usage: tether-loadtest");
        assertThat(LoadTestCommand.parse(List.of("--version"), Map.of()).output()).startsWith("tether-loadtest ");
        assertThat(LoadTestCommand.parse(List.of("--compare", "a.json", "b.json"), Map.of()).compare())
                .containsExactly(Path.of("a.json"), Path.of("b.json"));
        assertThat(LoadTestCommand.usage()).contains("--scenario=steady|storm|churn", "--kill-cmd", "--compare-jitter");
    }

    @Test
    void theScenarioBuilderValidatesAndCopies() {
        Scenario storm = Scenario.storm().clients(10).build();
        Scenario quiet = storm.toBuilder().reconnectJitter(0).build();

        assertThat(storm.reconnectJitter()).isEqualTo(0.3);
        assertThat(quiet.reconnectJitter()).isZero();
        assertThat(quiet.clients()).isEqualTo(10);
        assertThatThrownBy(() -> Scenario.builder("bad name"))
                .hasMessageContaining("name must be 1 to 64 letters");
        assertThatThrownBy(() -> Scenario.steady().reconnectBackoff(Duration.ofSeconds(5), Duration.ofSeconds(1)))
                .hasMessageContaining("must not exceed reconnectMax");
        assertThatThrownBy(() -> Scenario.steady().hold(Duration.ofDays(2)))
                .hasMessageContaining("hold must be between 0ms and 24h");
    }
}
