package dev.tether.gateway.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tether.gateway.GatewayConfig;
import dev.tether.gateway.StoreOptions;
import dev.tether.protocol.Durations;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CommandLineTest {

    private static GatewayConfig parse(Map<String, String> env, String... args) {
        return CommandLine.parse(List.of(args), env).config();
    }

    @Test
    void noFlagsGiveTheDefaults() {
        GatewayConfig config = parse(Map.of());
        assertThat(config.server().host()).isEqualTo("0.0.0.0");
        assertThat(config.server().port()).isEqualTo(8787);
        assertThat(config.server().path()).isEqualTo("/ws");
        assertThat(config.connections().heartbeat()).isEqualTo(Duration.ofSeconds(25));
        assertThat(config.sessionLimits().grace()).isEqualTo(Duration.ofMinutes(5));
        assertThat(config.sessionLimits().historyFrames()).isEqualTo(1000);
        assertThat(config.sessionLimits().historyMaxAge()).isEqualTo(Duration.ofHours(1));
        assertThat(config.handler().name()).isEqualTo("echo");
        assertThat(config.handler().echoDelay()).isEqualTo(Duration.ofMillis(20));
        assertThat(config.connections().handshakeTimeout()).isEqualTo(Duration.ofSeconds(10));
        assertThat(config.connections().maxFrameBytes()).isEqualTo(65536);
        assertThat(config.store().kind()).isEqualTo(StoreOptions.Kind.MEMORY);
        assertThat(config.pushApi().apiKey()).isEmpty();
        assertThat(config.server().nodeId()).matches("[a-z0-9]{8}");
    }

    @Test
    void everyFlagIsRead() {
        GatewayConfig config = parse(Map.of(), "--host", "127.0.0.1", "--port", "9000", "--path=/chat",
                "--heartbeat", "3s", "--grace", "2m", "--history", "50", "--history-age", "2h",
                "--handler", "echo", "--echo-delay", "0ms", "--handshake-timeout", "500ms", "--max-frame", "2048",
                "--node-id", "node-7", "--store", "redis", "--redis-uri", "redis://cache:6380",
                "--api-key", "0123456789abcdef");
        assertThat(config.server().host()).isEqualTo("127.0.0.1");
        assertThat(config.server().port()).isEqualTo(9000);
        assertThat(config.server().path()).isEqualTo("/chat");
        assertThat(config.connections().heartbeat()).isEqualTo(Duration.ofSeconds(3));
        assertThat(config.connections().idleTimeout()).isEqualTo(Duration.ofMillis(4500));
        assertThat(config.sessionLimits().grace()).isEqualTo(Duration.ofMinutes(2));
        assertThat(config.sessionLimits().historyFrames()).isEqualTo(50);
        assertThat(config.sessionLimits().historyMaxAge()).isEqualTo(Duration.ofHours(2));
        assertThat(config.handler().echoDelay()).isZero();
        assertThat(config.connections().handshakeTimeout()).isEqualTo(Duration.ofMillis(500));
        assertThat(config.connections().maxFrameBytes()).isEqualTo(2048);
        assertThat(config.server().nodeId()).isEqualTo("node-7");
        assertThat(config.store().kind()).isEqualTo(StoreOptions.Kind.REDIS);
        assertThat(config.store().redisUri()).isEqualTo("redis://cache:6380");
        assertThat(config.pushApi().apiKey()).contains("0123456789abcdef");
        assertThat(config.toString()).doesNotContain("0123456789abcdef");
    }

    @Test
    void environmentIsReadAndFlagsWin() {
        Map<String, String> env = Map.of("TETHER_PORT", "7000", "TETHER_GRACE", "30s", "TETHER_ECHO_DELAY", "1ms");
        GatewayConfig config = parse(env, "--port", "7001");
        assertThat(config.server().port()).isEqualTo(7001);
        assertThat(config.sessionLimits().grace()).isEqualTo(Duration.ofSeconds(30));
        assertThat(config.handler().echoDelay()).isEqualTo(Duration.ofMillis(1));
    }

    @Test
    void durationsAcceptMillisecondsSecondsMinutesAndHours() {
        assertThat(Durations.parse("20ms")).isEqualTo(Duration.ofMillis(20));
        assertThat(Durations.parse("3s")).isEqualTo(Duration.ofSeconds(3));
        assertThat(Durations.parse("5m")).isEqualTo(Duration.ofMinutes(5));
        assertThat(Durations.parse("1h")).isEqualTo(Duration.ofHours(1));
        assertThat(Durations.format(Duration.ofMinutes(5))).isEqualTo("5m");
        assertThat(Durations.format(Duration.ofMillis(1500))).isEqualTo("1500ms");
    }

    @Test
    void badValuesNameTheFlagAndTheAcceptedForm() {
        assertThatThrownBy(() -> parse(Map.of(), "--heartbeat", "5"))
                .hasMessage("--heartbeat: expected a duration like 20ms, 3s, 5m or 1h, got \"5\"");
        assertThatThrownBy(() -> parse(Map.of(), "--grace", "-1s"))
                .hasMessageStartingWith("--grace: expected a duration");
        assertThatThrownBy(() -> parse(Map.of(), "--port", "70000"))
                .hasMessage("--port: port must be between 0 and 65535, got 70000");
        assertThatThrownBy(() -> parse(Map.of(), "--port", "http"))
                .hasMessage("--port: expected a whole number, got \"http\"");
        assertThatThrownBy(() -> parse(Map.of(), "--store", "mongo"))
                .hasMessage("--store: expected memory or redis, got \"mongo\"");
        assertThatThrownBy(() -> parse(Map.of(), "--max-frame", "10"))
                .hasMessageStartingWith("--max-frame: maxFrameBytes must be between 1024 and");
        assertThatThrownBy(() -> parse(Map.of("TETHER_HEARTBEAT", "soon")))
                .hasMessageStartingWith("TETHER_HEARTBEAT: expected a duration");
    }

    @Test
    void unknownFlagsAndMissingValuesAreReported() {
        assertThatThrownBy(() -> parse(Map.of(), "--prot", "1"))
                .hasMessage("unknown flag --prot; see --help");
        assertThatThrownBy(() -> parse(Map.of(), "--port"))
                .hasMessage("--port needs a value: --port PORT");
        assertThatThrownBy(() -> parse(Map.of(), "--port", "--grace", "1s"))
                .hasMessage("--port needs a value: --port PORT");
        assertThatThrownBy(() -> parse(Map.of(), "8787"))
                .hasMessageStartingWith("unexpected argument \"8787\"");
    }

    @Test
    void apiKeyNeverAppearsInAMessage() {
        assertThatThrownBy(() -> parse(Map.of(), "--api-key", "short-secret"))
                .hasMessageStartingWith("--api-key: apiKey must be at least 16 characters")
                .message().doesNotContain("short-secret");
    }

    @Test
    void helpListsEveryFlagWithItsVariableAndDefault() {
        assertThat(CommandLine.parse(List.of("--port", "1", "--help"), Map.of()).helpRequested()).isTrue();
        String usage = CommandLine.usage();
        for (String flag : List.of("host", "port", "path", "heartbeat", "grace", "history", "history-age",
                "handler", "echo-delay", "handshake-timeout", "max-frame", "node-id", "store", "redis-uri",
                "redis-timeout", "reply-lease", "max-reply-pause", "api-key")) {
            assertThat(usage).contains("--" + flag + " ")
                    .contains("TETHER_" + flag.toUpperCase().replace('-', '_'));
        }
        assertThat(usage).contains("default 25s").contains("default 5m").contains("default 8787");
    }

    @Test
    void redisClusterUriListsItsSeedsAndTimingsParse() {
        GatewayConfig config = CommandLine.parse(List.of("--store", "redis", "--redis-uri",
                "redis-cluster://h1:7000,h2:7001", "--reply-lease", "2s", "--max-reply-pause", "5s",
                "--redis-timeout", "500ms"), Map.of()).config();
        assertThat(config.store().redisCluster()).isTrue();
        assertThat(config.store().redisUris()).containsExactly("redis://h1:7000", "redis://h2:7001");
        assertThat(config.replies().lease()).hasSeconds(2);
        assertThat(config.replies().maxPause()).hasSeconds(5);
        assertThat(config.store().redisTimeout()).hasMillis(500);
        GatewayConfig single = CommandLine.parse(List.of(), Map.of("TETHER_REDIS_URI", "redis://cache:6380"))
                .config();
        assertThat(single.store().redisCluster()).isFalse();
        assertThat(single.store().redisUris()).containsExactly("redis://cache:6380");
        assertThatThrownBy(() -> CommandLine.parse(List.of("--redis-uri", "http://x"), Map.of()))
                .hasMessageStartingWith("--redis-uri: redisUri must look like");
    }
}
