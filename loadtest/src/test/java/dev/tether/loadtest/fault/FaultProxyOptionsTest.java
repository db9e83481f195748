package dev.tether.loadtest.fault;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

class FaultProxyOptionsTest {

    private static final InetSocketAddress TARGET = new InetSocketAddress("127.0.0.1", 8787);

    @Test
    void defaults() {
        FaultProxyOptions options = FaultProxyOptions.builder().target(TARGET).build();
        assertThat(options.host()).isEqualTo("127.0.0.1").isEqualTo(FaultProxyOptions.DEFAULT_HOST);
        assertThat(options.port()).isZero();
        assertThat(options.target()).isEqualTo(TARGET);
        assertThat(options.connectTimeout()).isEqualTo(Duration.ofSeconds(5));
        assertThat(options.cutDownstreamAfterBytes()).isEmpty();
        assertThat(options.ioThreads()).isEqualTo(Runtime.getRuntime().availableProcessors());
    }

    @Test
    void toBuilderCopiesAndLeavesTheOriginalAlone() {
        FaultProxyOptions options = FaultProxyOptions.builder().target("127.0.0.1", 1).port(9000)
                .cutDownstreamAfterBytes(10).ioThreads(3).connectTimeout(Duration.ofMillis(50)).build();
        FaultProxyOptions copy = options.toBuilder().noDownstreamCut().build();
        assertThat(copy.cutDownstreamAfterBytes()).isEmpty();
        assertThat(copy.port()).isEqualTo(9000);
        assertThat(copy.ioThreads()).isEqualTo(3);
        assertThat(copy.connectTimeout()).isEqualTo(Duration.ofMillis(50));
        assertThat(options.cutDownstreamAfterBytes()).isEqualTo(OptionalLong.of(10));
    }

    @Test
    void invalidValuesAreRejectedWithTheirNameAndRange() {
        FaultProxyOptions.Builder builder = FaultProxyOptions.builder();
        assertThatThrownBy(() -> builder.port(-1)).hasMessage("port must be between 0 and 65535, got -1");
        assertThatThrownBy(() -> builder.port(65536)).hasMessage("port must be between 0 and 65535, got 65536");
        assertThatThrownBy(() -> builder.target("127.0.0.1", 0))
                .hasMessage("target port must be between 1 and 65535, got 0");
        assertThatThrownBy(() -> builder.host(" ")).hasMessage("host must not be empty");
        assertThatThrownBy(() -> builder.connectTimeout(Duration.ZERO))
                .hasMessage("connectTimeout must be between 1ms and 1h, got 0ms");
        assertThatThrownBy(() -> builder.connectTimeout(Duration.ofMinutes(61)))
                .hasMessage("connectTimeout must be between 1ms and 1h, got 61m");
        assertThatThrownBy(() -> builder.cutDownstreamAfterBytes(0))
                .hasMessage("cutDownstreamAfterBytes must be >= 1, got 0");
        assertThatThrownBy(() -> builder.ioThreads(0)).hasMessage("ioThreads must be between 1 and 256, got 0");
        assertThatThrownBy(() -> builder.ioThreads(257)).hasMessage("ioThreads must be between 1 and 256, got 257");
        assertThatThrownBy(builder::build).isInstanceOf(NullPointerException.class).hasMessage("target must be set");
    }
}
