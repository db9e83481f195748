package dev.tether.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class BackendOptionsTest {

    private static final String SECRET = "s".repeat(BackendOptions.MIN_SECRET_BYTES);

    @Test
    void aSecretShorterThan32BytesIsRefusedWithoutShowingIt() {
        String shortSecret = "sesame-" + "x".repeat(24);
        assertThatThrownBy(() -> BackendOptions.builder().secret(shortSecret))
                .hasMessage("secret must be at least 32 bytes, got 31")
                .hasMessageNotContaining("sesame");
        assertThat(BackendOptions.builder().secret(SECRET).build().secret()).contains(SECRET);
    }

    @Test
    void theSecretNeverAppearsInTheConfigurationsText() {
        GatewayConfig config = GatewayConfig.builder().backend(b -> b.secret(SECRET)).build();
        assertThat(config.toString()).contains("secret=***").doesNotContain(SECRET);
    }

    @Test
    void theUrlMustBeHttpWithAHost() {
        assertThat(BackendOptions.builder().url("https://backend.example/tether").build().url())
                .hasValueSatisfying(url -> assertThat(url.getHost()).isEqualTo("backend.example"));
        for (String url : new String[] {"ftp://backend/x", "backend:8080", "http:///path", "not a url"}) {
            assertThatThrownBy(() -> BackendOptions.builder().url(url)).as(url)
                    .hasMessageStartingWith("url must be an http or https URL");
        }
    }

    @Test
    void boundsAreChecked() {
        assertThatThrownBy(() -> BackendOptions.builder().retries(11)).hasMessageContaining("retries");
        assertThatThrownBy(() -> BackendOptions.builder().timeout(Duration.ZERO)).hasMessageContaining("timeout");
        assertThatThrownBy(() -> BackendOptions.builder().maxHistory(-1)).hasMessageContaining("maxHistory");
    }

    @Test
    void theHttpHandlerNeedsAUrlAndASecret() {
        assertThatThrownBy(() -> ConversationHandlers.named("http", GatewayConfig.builder()
                .backend(b -> b.secret(SECRET)).build()))
                .hasMessageContaining("--backend-url");
        assertThatThrownBy(() -> ConversationHandlers.named("http", GatewayConfig.builder()
                .backend(b -> b.url("http://127.0.0.1:9/")).build()))
                .hasMessageContaining("--backend-secret");
    }
}
