package dev.tether.session.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tether.protocol.session.SessionLimits;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class RedisSessionStoreOptionsTest {

    private static RedisSessionStoreOptions.Builder valid() {
        return RedisSessionStoreOptions.builder().uri("redis://localhost:6379");
    }

    @Test
    void defaultsAreTheNamedConstants() {
        RedisSessionStoreOptions options = valid().build();

        assertThat(options.keyPrefix()).isEqualTo(RedisSessionStoreOptions.DEFAULT_KEY_PREFIX).isEqualTo("tether");
        assertThat(options.limits()).isEqualTo(SessionLimits.defaults());
        assertThat(options.commandTimeout()).isEqualTo(RedisSessionStoreOptions.DEFAULT_COMMAND_TIMEOUT);
        assertThat(options.healthCheckInterval()).isEqualTo(RedisSessionStoreOptions.DEFAULT_HEALTH_CHECK_INTERVAL);
        assertThat(options.ttlRefreshInterval()).isEqualTo(SessionLimits.DEFAULT_GRACE.dividedBy(3));
        assertThat(options.cluster()).isFalse();
        assertThat(options.nodeId()).startsWith("node-");
    }

    @Test
    void refreshIntervalFollowsTheGracePeriodUnlessSet() {
        SessionLimits limits = SessionLimits.builder().grace(Duration.ofSeconds(30)).build();
        assertThat(valid().limits(limits).build().ttlRefreshInterval()).isEqualTo(Duration.ofSeconds(10));
        assertThat(valid().limits(limits).ttlRefreshInterval(Duration.ofSeconds(2)).build().ttlRefreshInterval())
                .isEqualTo(Duration.ofSeconds(2));
    }

    @Test
    void toBuilderCopiesEverything() {
        RedisSessionStoreOptions options = valid().keyPrefix("p").nodeId("n1").commandTimeout(Duration.ofSeconds(1))
                .build();
        RedisSessionStoreOptions copy = options.toBuilder().build();
        assertThat(copy.keyPrefix()).isEqualTo("p");
        assertThat(copy.nodeId()).isEqualTo("n1");
        assertThat(copy.commandTimeout()).isEqualTo(Duration.ofSeconds(1));
        assertThat(copy.uris()).isEqualTo(options.uris());
    }

    @Test
    void everySetterNamesTheParameterAndTheRange() {
        assertThatThrownBy(() -> valid().uris(List.of()))
                .hasMessageContaining("uris must name at least one Redis");
        assertThatThrownBy(() -> valid().uri("http://x"))
                .hasMessageContaining("uris must be redis:// or rediss:// URIs, got http://x");
        assertThatThrownBy(() -> valid().keyPrefix("a{b"))
                .hasMessageContaining("keyPrefix must be 1 to 64 characters without '{' or '}'");
        assertThatThrownBy(() -> valid().keyPrefix(""))
                .hasMessageContaining("keyPrefix must be 1 to 64 characters");
        assertThatThrownBy(() -> valid().nodeId("a b"))
                .hasMessageContaining("nodeId must be 1 to 64 characters from [A-Za-z0-9._-]");
        assertThatThrownBy(() -> valid().ttlRefreshInterval(Duration.ZERO))
                .hasMessageContaining("ttlRefreshInterval must be > 0, got 0ms");
        assertThatThrownBy(() -> valid().commandTimeout(Duration.ofMillis(1)))
                .hasMessageContaining("commandTimeout must be between 10ms and 1m, got 1ms");
        assertThatThrownBy(() -> valid().healthCheckInterval(Duration.ofHours(1)))
                .hasMessageContaining("healthCheckInterval must be between");
        assertThatThrownBy(() -> valid().reconnectDelay(Duration.ofSeconds(2), Duration.ofSeconds(1)))
                .hasMessageContaining("reconnectDelay max must be between 2s and 5m, got 1s");
    }

    @Test
    void buildChecksWhatDependsOnSeveralSettings() {
        assertThatThrownBy(() -> RedisSessionStoreOptions.builder().build())
                .hasMessageContaining("uris must name at least one Redis, got none");
        assertThatThrownBy(() -> valid().uris(List.of("redis://a:1", "redis://b:2")).build())
                .hasMessageContaining("uris must be exactly one URI unless cluster(true), got 2");
        assertThat(valid().uris(List.of("redis://a:1", "redis://b:2")).cluster(true).build().uris()).hasSize(2);
        assertThatThrownBy(() -> valid().limits(SessionLimits.builder().grace(Duration.ofSeconds(1)).build())
                .ttlRefreshInterval(Duration.ofSeconds(1)).build())
                .hasMessageContaining("ttlRefreshInterval must be < grace (PT1S), got PT1S");
    }
}
