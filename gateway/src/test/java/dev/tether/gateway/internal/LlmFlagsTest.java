package dev.tether.gateway.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tether.gateway.GatewayConfig;
import dev.tether.gateway.LlmOptions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The {@code --llm-*} flags: typed request fields, a system prompt from a file, and a key that is never shown. */
class LlmFlagsTest {

    private static final String KEY = "sk-flag-secret-0123456789";

    @TempDir
    Path dir;

    private static GatewayConfig parse(Map<String, String> env, String... args) {
        return GatewayCommand.parse(List.of(args), env).config();
    }

    @Test
    void everyLlmFlagIsReadAndParamsAreRepeatableAndTyped() throws IOException {
        Path prompt = dir.resolve("prompt.txt");
        Files.writeString(prompt, "You are a ship's computer.\n");

        LlmOptions llm = parse(Map.of("TETHER_LLM_API_KEY", KEY), "--llm-url", "http://127.0.0.1:11434/v1/",
                "--llm-model", "llama3.2", "--llm-system", "@" + prompt, "--llm-max-history", "8",
                "--llm-max-history-chars", "4000", "--llm-first-token-timeout", "15s", "--llm-retries", "0",
                "--llm-max-connections", "16", "--llm-param", "temperature=0.2", "--llm-param", "max_tokens=512",
                "--llm-param", "stream_usage=true", "--llm-param", "stop=[\"END\"]", "--llm-param", "user=alice")
                .llm();

        assertThat(llm.url()).hasToString("http://127.0.0.1:11434/v1");
        assertThat(llm.model()).isEqualTo("llama3.2");
        assertThat(llm.apiKey()).isEqualTo(KEY);
        assertThat(llm.system()).isEqualTo("You are a ship's computer.");
        assertThat(llm.historyLimits().maxMessages()).isEqualTo(8);
        assertThat(llm.historyLimits().maxChars()).isEqualTo(4000);
        assertThat(llm.firstTokenTimeout()).isEqualTo(Duration.ofSeconds(15));
        assertThat(llm.retries()).isZero();
        assertThat(llm.maxConnections()).isEqualTo(16);
        assertThat(llm.params()).containsOnlyKeys("temperature", "max_tokens", "stream_usage", "stop", "user");
        assertThat(llm.params().get("temperature").isDouble()).isTrue();
        assertThat(llm.params().get("max_tokens").isInt()).isTrue();
        assertThat(llm.params().get("stream_usage").isBoolean()).isTrue();
        assertThat(llm.params().get("stop").isArray()).isTrue();
        assertThat(llm.params().get("user").asText()).isEqualTo("alice");
    }

    @Test
    void paramsInTheVariableAreSeparatedBySpaces() {
        LlmOptions llm = parse(Map.of("TETHER_LLM_PARAM", "temperature=0 top_p=0.9")).llm();

        assertThat(llm.params()).containsOnlyKeys("temperature", "top_p");
    }

    @Test
    void theApiKeyIsNeverShown() {
        GatewayConfig config = parse(Map.of(), "--llm-api-key", KEY);

        assertThat(config.toString()).doesNotContain(KEY);
        assertThat(config.llm().toString()).doesNotContain(KEY);
    }

    @Test
    void badLlmValuesAreRefusedByName() {
        assertThatThrownBy(() -> parse(Map.of(), "--llm-url", "ftp://x"))
                .hasMessageContaining("--llm-url").hasMessageContaining("http or https");
        assertThatThrownBy(() -> parse(Map.of(), "--llm-param", "temperature"))
                .hasMessageContaining("--llm-param").hasMessageContaining("name=value");
        assertThatThrownBy(() -> parse(Map.of(), "--llm-param", "stream=false"))
                .hasMessageContaining("set by the handler");
        assertThatThrownBy(() -> parse(Map.of(), "--llm-system", "@" + dir.resolve("missing.txt")))
                .hasMessageContaining("--llm-system").hasMessageContaining("missing.txt");
        assertThatThrownBy(() -> parse(Map.of(), "--llm-retries", "11")).hasMessageContaining("--llm-retries");
    }
}
