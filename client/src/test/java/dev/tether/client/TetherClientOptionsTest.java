package dev.tether.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class TetherClientOptionsTest {

    private static final URI ENDPOINT = URI.create("ws://127.0.0.1:8787/ws");

    @Test
    void defaultsAreTheDocumentedConstants() {
        TetherClientOptions options = TetherClientOptions.of(ENDPOINT);
        assertThat(options.endpoints()).containsExactly(ENDPOINT);
        assertThat(options.reconnectBaseDelay()).isEqualTo(Duration.ofSeconds(1));
        assertThat(options.reconnectMaxDelay()).isEqualTo(Duration.ofSeconds(30));
        assertThat(options.reconnectJitter()).isEqualTo(0.3);
        assertThat(options.maxReconnectAttempts()).isEqualTo(10);
        assertThat(options.outboxCapacity()).isEqualTo(TetherClientOptions.DEFAULT_OUTBOX_CAPACITY);
        assertThat(options.maxFrameBytes()).isEqualTo(64 * 1024);
        assertThat(options.outboxOnResumeFailure()).isEqualTo(OutboxOnResumeFailure.RESEND);
        assertThat(options.resumeFrom()).isEmpty();
    }

    @Test
    void settersNameTheParameterAndTheRange() {
        TetherClientOptions.Builder builder = TetherClientOptions.builder();
        assertThatThrownBy(() -> builder.reconnectJitter(1.5))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("reconnectJitter must be between 0.0 and 1.0, got 1.5");
        assertThatThrownBy(() -> builder.reconnectBaseDelay(Duration.ZERO))
                .hasMessageStartingWith("reconnectBaseDelay must be between 1ms and 1h");
        assertThatThrownBy(() -> builder.maxReconnectAttempts(-1)).hasMessageContaining("maxReconnectAttempts");
        assertThatThrownBy(() -> builder.outboxCapacity(0))
                .hasMessage("outboxCapacity must be between 1 and 1000000, got 0");
        assertThatThrownBy(() -> builder.ackBatchSize(0)).hasMessageContaining("ackBatchSize");
        assertThatThrownBy(() -> builder.ackDelay(Duration.ofMillis(-1))).hasMessageContaining("ackDelay");
        assertThatThrownBy(() -> builder.heartbeatMargin(Duration.ofHours(1))).hasMessageContaining("heartbeatMargin");
        assertThatThrownBy(() -> builder.handshakeTimeout(Duration.ZERO)).hasMessageContaining("handshakeTimeout");
        assertThatThrownBy(() -> builder.maxFrameBytes(10)).hasMessageContaining("maxFrameBytes must be between 1024");
        assertThatThrownBy(() -> builder.endpoint("http://example.com/ws"))
                .hasMessage("endpoint must be a ws:// or wss:// URI, got http://example.com/ws");
    }

    @Test
    void buildChecksWhatNoSingleSetterCan() {
        assertThatThrownBy(() -> TetherClientOptions.builder().build())
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("endpoints");
        assertThatThrownBy(() -> TetherClientOptions.builder().endpoint(ENDPOINT)
                .reconnectBaseDelay(Duration.ofSeconds(5)).reconnectMaxDelay(Duration.ofSeconds(2)).build())
                .hasMessageContaining("must not exceed reconnectMaxDelay");
    }

    @Test
    void mutateDerivesWithoutChangingTheTemplate() {
        TetherClientOptions template = TetherClientOptions.of(ENDPOINT);
        TetherClientOptions derived = template.mutate().unlimitedReconnectAttempts()
                .endpoint("ws://127.0.0.1:8788/ws").build();
        assertThat(template.maxReconnectAttempts()).isEqualTo(10);
        assertThat(template.endpoints()).hasSize(1);
        assertThat(derived.maxReconnectAttempts()).isEqualTo(TetherClientOptions.UNLIMITED_RECONNECT_ATTEMPTS);
        assertThat(derived.endpoints()).hasSize(2);
    }

    @Test
    void theTokenIsNeverPrinted() {
        SessionHandle handle = new SessionHandle("s-1", "secret-token", 1, 5);
        assertThat(handle.toString()).doesNotContain("secret-token");
        assertThat(TetherClientOptions.builder().endpoint(ENDPOINT).resumeFrom(handle).build().toString())
                .doesNotContain("secret-token");
    }
}
