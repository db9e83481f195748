package dev.tether.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class GatewayConfigTest {

    @Test
    void settersValidateAndNameTheParameterAndRange() {
        var builder = GatewayConfig.builder();
        assertThatThrownBy(() -> builder.port(-1)).hasMessage("port must be between 0 and 65535, got -1");
        assertThatThrownBy(() -> builder.heartbeat(Duration.ZERO))
                .hasMessage("heartbeat must be between PT0.01S and PT1H, got PT0S");
        assertThatThrownBy(() -> builder.grace(Duration.ofSeconds(-1))).hasMessage("grace must be > 0, got PT-1S");
        assertThatThrownBy(() -> builder.historyFrames(0))
                .hasMessage("historyFrames must be between 1 and 1000000, got 0");
        assertThatThrownBy(() -> builder.path("ws")).hasMessageStartingWith("path must start with /");
        assertThatThrownBy(() -> builder.nodeId("a b")).hasMessageStartingWith("nodeId must be 1 to 64");
        assertThatThrownBy(() -> builder.badFrameLimit(0))
                .hasMessage("badFrameLimit must be between 1 and 10000, got 0");
    }

    @Test
    void toBuilderCopiesEverythingIncludingTheNodeId() {
        GatewayConfig config = GatewayConfig.builder().port(0).grace(Duration.ofSeconds(9)).historyFrames(7).build();
        GatewayConfig copy = config.toBuilder().heartbeat(Duration.ofSeconds(1)).build();
        assertThat(copy.nodeId()).isEqualTo(config.nodeId());
        assertThat(copy.port()).isZero();
        assertThat(copy.heartbeat()).isEqualTo(Duration.ofSeconds(1));
        assertThat(copy.sessionLimits().grace()).isEqualTo(Duration.ofSeconds(9));
        assertThat(copy.sessionLimits().historyFrames()).isEqualTo(7);
    }

    @Test
    void idleTimeoutIsOneAndAHalfHeartbeats() {
        assertThat(GatewayConfig.defaults().idleTimeout()).isEqualTo(Duration.ofMillis(37_500));
    }
}
