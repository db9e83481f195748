package dev.tether.gateway.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tether.gateway.ConnectionOptions;
import dev.tether.gateway.GatewayConfig;
import dev.tether.gateway.StoreOptions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GatewayCommandTest {

    @TempDir
    Path dir;

    private static GatewayConfig parse(Map<String, String> env, String... args) {
        GatewayCommand.Invocation invocation = GatewayCommand.parse(List.of(args), env);
        assertThat(invocation.runs()).isTrue();
        return invocation.config();
    }

    @Test
    void noFlagsGiveTheDefaultsOfTheOptionsRecords() {
        GatewayConfig config = parse(Map.of());
        GatewayConfig defaults = GatewayConfig.defaults();
        assertThat(config.server().toBuilder().nodeId("x").build())
                .isEqualTo(defaults.server().toBuilder().nodeId("x").build());
        assertThat(config.server().nodeId()).matches("[a-z0-9]{8}");
        assertThat(config.connections()).isEqualTo(defaults.connections());
        assertThat(config.sessionLimits()).isEqualTo(defaults.sessionLimits());
        assertThat(config.admission()).isEqualTo(defaults.admission());
        assertThat(config.replies()).isEqualTo(defaults.replies());
        assertThat(config.handler()).isEqualTo(defaults.handler());
        assertThat(config.store()).isEqualTo(defaults.store());
        assertThat(config.pushApi().apiKey()).isEmpty();
    }

    @Test
    void everyFlagIsRead() {
        GatewayConfig config = parse(Map.of(), "--host", "127.0.0.1", "--port", "9000", "--path=/chat",
                "--heartbeat", "3s", "--grace", "2m", "--history", "50", "--history-age", "2h",
                "--handler", "echo", "--echo-delay", "0ms", "--handshake-timeout", "500ms", "--max-frame", "2048",
                "--hello-timeout", "2s", "--max-awaiting-hello", "11",
                "--node-id", "node-7", "--store", "redis", "--redis-uri", "redis://cache:6380",
                "--api-key", "0123456789abcdef", "--shutdown-timeout", "3s", "--bad-frame-limit", "4",
                "--bad-frame-window", "10s", "--max-pending-frames", "99", "--max-handshakes", "7",
                "--handshake-queue", "8", "--handshake-queue-wait", "9s", "--handshake-retry-after", "2s");
        assertThat(config.server().host()).isEqualTo("127.0.0.1");
        assertThat(config.server().port()).isEqualTo(9000);
        assertThat(config.server().path()).isEqualTo("/chat");
        assertThat(config.server().nodeId()).isEqualTo("node-7");
        assertThat(config.server().shutdownTimeout()).hasSeconds(3);
        assertThat(config.connections()).isEqualTo(new ConnectionOptions(Duration.ofSeconds(3),
                Duration.ofMillis(500), 2048, 99, 4, Duration.ofSeconds(10), Duration.ofSeconds(2),
                ConnectionOptions.DEFAULT_MAX_PENDING_BYTES));
        assertThat(config.connections().idleTimeout()).isEqualTo(Duration.ofMillis(4500));
        assertThat(config.sessionLimits().grace()).isEqualTo(Duration.ofMinutes(2));
        assertThat(config.sessionLimits().historyFrames()).isEqualTo(50);
        assertThat(config.sessionLimits().historyMaxAge()).isEqualTo(Duration.ofHours(2));
        assertThat(config.admission().maxHandshakes()).isEqualTo(7);
        assertThat(config.admission().handshakeQueue()).isEqualTo(8);
        assertThat(config.admission().handshakeQueueWait()).hasSeconds(9);
        assertThat(config.admission().handshakeRetryAfter()).hasSeconds(2);
        assertThat(config.admission().maxAwaitingHello()).isEqualTo(11);
        assertThat(config.handler().echoDelay()).isZero();
        assertThat(config.store().kind()).isEqualTo(StoreOptions.Kind.REDIS);
        assertThat(config.store().redisUri()).isEqualTo("redis://cache:6380");
        assertThat(config.pushApi().apiKey()).contains("0123456789abcdef");
        assertThat(config.toString()).doesNotContain("0123456789abcdef");
    }

    @Test
    void aFlagWinsOverItsVariableWhichWinsOverTheConfigFileWhichWinsOverTheDefault() throws IOException {
        Path file = Files.writeString(dir.resolve("gateway.properties"), """
                port=7100
                grace=40s
                echo-delay=2ms
                history=60
                """);
        Map<String, String> env = Map.of("TETHER_PORT", "7000", "TETHER_GRACE", "30s", "TETHER_ECHO_DELAY", "1ms");
        GatewayConfig config = parse(env, "--port", "7001", "--config", file.toString());
        assertThat(config.server().port()).as("flag over variable").isEqualTo(7001);
        assertThat(config.sessionLimits().grace()).as("variable over file").isEqualTo(Duration.ofSeconds(30));
        assertThat(config.handler().echoDelay()).as("variable over file").isEqualTo(Duration.ofMillis(1));
        assertThat(config.sessionLimits().historyFrames()).as("file over default").isEqualTo(60);
        assertThat(config.connections().heartbeat()).as("the default").isEqualTo(ConnectionOptions.DEFAULT_HEARTBEAT);
    }

    @Test
    void aYamlConfigFileIsNamedByFlagOrByItsVariable() throws IOException {
        Path file = Files.writeString(dir.resolve("gateway.yaml"), """
                # settings shared by every node
                store: redis
                redis-uri: redis-cluster://h1:7000,h2:7001
                heartbeat: 10s
                max-handshakes: 512
                """);
        GatewayConfig config = parse(Map.of("TETHER_CONFIG", file.toString()));
        assertThat(config.store().kind()).isEqualTo(StoreOptions.Kind.REDIS);
        assertThat(config.store().redisUris()).containsExactly("redis://h1:7000", "redis://h2:7001");
        assertThat(config.connections().heartbeat()).isEqualTo(Duration.ofSeconds(10));
        assertThat(config.admission().maxHandshakes()).isEqualTo(512);
    }

    @Test
    void aConfigFileWithAnUnknownKeyOrABadValueIsRefusedByName() throws IOException {
        Path typo = Files.writeString(dir.resolve("typo.yml"), "prot: 80\n");
        assertThatThrownBy(() -> parse(Map.of(), "--config", typo.toString()))
                .hasMessageContaining("unknown key(s) [prot]");
        Path bad = Files.writeString(dir.resolve("bad.properties"), "heartbeat=1.5s\n");
        assertThatThrownBy(() -> parse(Map.of(), "--config", bad.toString()))
                .hasMessage(bad + " heartbeat: expected a duration like 20ms, 3s, 5m or 1h, got \"1.5s\"");
        Path nested = Files.writeString(dir.resolve("nested.yaml"), "server:\n  port: 80\n");
        assertThatThrownBy(() -> parse(Map.of(), "--config", nested.toString()))
                .hasMessageContaining("server must be a single value");
        assertThatThrownBy(() -> parse(Map.of(), "--config", dir.resolve("missing.yaml").toString()))
                .hasMessageContaining("cannot be read");
    }

    @Test
    void badValuesNameTheFlagOrVariableAndTheAcceptedForm() {
        assertThatThrownBy(() -> parse(Map.of(), "--heartbeat", "5"))
                .hasMessage("Invalid value for option '--heartbeat': expected a duration like 20ms, 3s, 5m or 1h, "
                        + "got \"5\"");
        assertThatThrownBy(() -> parse(Map.of(), "--port", "70000"))
                .hasMessage("--port: port must be between 0 and 65535, got 70000");
        assertThatThrownBy(() -> parse(Map.of(), "--port", "http"))
                .hasMessage("Invalid value for option '--port': expected a whole number, got \"http\"");
        assertThatThrownBy(() -> parse(Map.of(), "--store", "mongo"))
                .hasMessage("Invalid value for option '--store': expected memory or redis, got \"mongo\"");
        assertThatThrownBy(() -> parse(Map.of(), "--max-frame", "10"))
                .hasMessageStartingWith("--max-frame: maxFrameBytes must be between 1024 and");
        assertThatThrownBy(() -> parse(Map.of("TETHER_HEARTBEAT", "soon")))
                .hasMessage("TETHER_HEARTBEAT: expected a duration like 20ms, 3s, 5m or 1h, got \"soon\"");
        assertThatThrownBy(() -> parse(Map.of("TETHER_HISTORY", "0")))
                .hasMessage("TETHER_HISTORY: historyFrames must be between 1 and 1000000, got 0");
    }

    @Test
    void theChatPageIsOnByDefaultAndTurnedOffByFlagVariableOrConfigFile() throws IOException {
        assertThat(parse(Map.of()).ui().enabled()).isTrue();
        assertThat(parse(Map.of(), "--ui", "off").ui().enabled()).isFalse();
        assertThat(parse(Map.of("TETHER_UI", "OFF")).ui().enabled()).isFalse();
        assertThat(parse(Map.of("TETHER_UI", "off"), "--ui", "on").ui().enabled()).isTrue();
        Path file = Files.writeString(dir.resolve("gateway.yaml"), "ui: off\n");
        assertThat(parse(Map.of(), "--config", file.toString()).ui().enabled())
                .as("YAML reads a bare off as false, which the flag reads as off too").isFalse();
        Path properties = Files.writeString(dir.resolve("gateway.properties"), "ui=off\n");
        assertThat(parse(Map.of(), "--config", properties.toString()).ui().enabled()).isFalse();
        assertThatThrownBy(() -> parse(Map.of(), "--ui", "maybe"))
                .hasMessage("Invalid value for option '--ui': expected on or off, got \"maybe\"");
    }

    @Test
    void unknownFlagsMissingValuesAndStrayArgumentsAreReported() {
        assertThatThrownBy(() -> parse(Map.of(), "--prot", "1")).hasMessageContaining("Unknown options: '--prot'");
        assertThatThrownBy(() -> parse(Map.of(), "--port")).hasMessageContaining("Missing required parameter")
                .hasMessageContaining("--port");
        assertThatThrownBy(() -> parse(Map.of(), "8787")).hasMessageContaining("'8787'");
    }

    @Test
    void apiKeyNeverAppearsInAMessage() {
        assertThatThrownBy(() -> parse(Map.of(), "--api-key", "short-secret"))
                .hasMessage("--api-key: apiKey must be at least 16 characters, got 12");
    }

    @Test
    void helpListsEveryFlagWithItsVariableAndDefault() {
        GatewayCommand.Invocation help = GatewayCommand.parse(List.of("--port", "1", "--help"), Map.of());
        assertThat(help.runs()).isFalse();
        for (Flag<?> flag : GatewayFlags.ALL) {
            assertThat(help.output()).contains(flag.option() + "=" + flag.label())
                    .contains("env " + flag.env() + ", default " + flag.defaultText());
        }
        assertThat(help.output()).contains("--config=FILE").contains("--version")
                .contains("default 25s").contains("default 5m").contains("default 8787");
    }

    @Test
    void versionIsPrinted() {
        GatewayCommand.Invocation version = GatewayCommand.parse(List.of("--version"), Map.of());
        assertThat(version.runs()).isFalse();
        assertThat(version.output()).startsWith("tether-gateway ");
    }

    @Test
    void everyExistingVariableNameIsKept() {
        List<String> variables = GatewayFlags.ALL.stream().map(Flag::env).toList();
        assertThat(variables).contains("TETHER_HOST", "TETHER_PORT", "TETHER_PATH", "TETHER_HEARTBEAT",
                "TETHER_GRACE", "TETHER_HISTORY", "TETHER_HISTORY_AGE", "TETHER_HANDLER", "TETHER_ECHO_DELAY",
                "TETHER_HANDSHAKE_TIMEOUT", "TETHER_MAX_FRAME", "TETHER_NODE_ID", "TETHER_STORE",
                "TETHER_REDIS_URI", "TETHER_REDIS_TIMEOUT", "TETHER_REPLY_LEASE", "TETHER_MAX_REPLY_PAUSE",
                "TETHER_MAX_PENDING_FRAMES", "TETHER_MAX_HANDSHAKES", "TETHER_HANDSHAKE_QUEUE",
                "TETHER_HANDSHAKE_QUEUE_WAIT", "TETHER_HANDSHAKE_RETRY_AFTER", "TETHER_API_KEY");
    }
}
