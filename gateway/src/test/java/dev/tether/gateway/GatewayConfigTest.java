package dev.tether.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tether.protocol.session.SessionLimits;
import dev.tether.session.redis.RedisSessionStoreOptions;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class GatewayConfigTest {

    @Test
    void settersValidateAndNameTheParameterAndRange() {
        assertThatThrownBy(() -> ServerOptions.builder().port(-1)).hasMessage("port must be between 0 and 65535, got -1");
        assertThatThrownBy(() -> ServerOptions.builder().path("ws")).hasMessageStartingWith("path must start with /");
        assertThatThrownBy(() -> ServerOptions.builder().nodeId("a b")).hasMessageStartingWith("nodeId must be 1 to 64");
        assertThatThrownBy(() -> ConnectionOptions.builder().heartbeat(Duration.ZERO))
                .hasMessage("heartbeat must be between 10ms and 1h, got 0ms");
        assertThatThrownBy(() -> ConnectionOptions.builder().badFrameLimit(0))
                .hasMessage("badFrameLimit must be between 1 and 10000, got 0");
        assertThatThrownBy(() -> SessionLimits.builder().grace(Duration.ofSeconds(-1)))
                .hasMessage("grace must be > 0, got PT-1S");
        assertThatThrownBy(() -> AdmissionOptions.builder().handshakeQueue(-1))
                .hasMessage("handshakeQueue must be between 0 and 1000000, got -1");
        assertThatThrownBy(() -> ReplyOptions.builder().lease(Duration.ofMillis(299)))
                .hasMessage("lease must be between 300ms and 1h, got 299ms");
        assertThatThrownBy(() -> HandlerOptions.builder().name(" ")).hasMessage("name must not be empty");
        assertThatThrownBy(() -> StoreOptions.builder().redisUri("http://x"))
                .hasMessageStartingWith("redisUri must look like redis://host:port");
        assertThatThrownBy(() -> PushApiOptions.withApiKey("short-secret"))
                .hasMessage("apiKey must be at least 16 characters, got 12");
        for (String root : new String[] {"", "/dev/ui/", "dev/ui", "dev/../ui/", "dev//ui/", "dev\\ui/", "./"}) {
            assertThatThrownBy(() -> UiOptions.builder().root(root)).as(root)
                    .hasMessageStartingWith("root must be a classpath folder such as dev/tether/gateway/ui/");
        }
        assertThat(UiOptions.builder().root("dev/tether/gateway/test-ui.v2/").build().root())
                .isEqualTo("dev/tether/gateway/test-ui.v2/");
    }

    @Test
    void aFailedSetterLeavesTheBuilderAsItWas() {
        ConnectionOptions.Builder builder = ConnectionOptions.builder().heartbeat(Duration.ofSeconds(3));
        assertThatThrownBy(() -> builder.heartbeat(Duration.ofHours(2))).isInstanceOf(IllegalArgumentException.class);
        assertThat(builder.build().heartbeat()).isEqualTo(Duration.ofSeconds(3));
    }

    @Test
    void historyFramesHasOneRangeWhereverItIsSet() {
        assertThatThrownBy(() -> GatewayConfig.builder().sessionLimits(l -> l.historyFrames(1_000_001)))
                .hasMessage("historyFrames must be between 1 and 1000000, got 1000001");
        assertThatThrownBy(() -> new SessionLimits(Duration.ofSeconds(1), 0, Duration.ofSeconds(1),
                SessionLimits.DEFAULT_UNUSED_GRACE, SessionLimits.DEFAULT_HISTORY_BYTES,
                SessionLimits.DEFAULT_MAX_STATE_BYTES))
                .hasMessage("historyFrames must be between 1 and 1000000, got 0");
    }

    @Test
    void defaultsAreTheNamedConstants() {
        GatewayConfig config = GatewayConfig.defaults();
        assertThat(config.server().host()).isEqualTo(ServerOptions.DEFAULT_HOST);
        assertThat(config.server().port()).isEqualTo(ServerOptions.DEFAULT_PORT);
        assertThat(config.server().nodeId()).matches("[a-z0-9]{8}");
        assertThat(config.connections()).isEqualTo(ConnectionOptions.defaults());
        assertThat(config.sessionLimits()).isEqualTo(SessionLimits.defaults());
        assertThat(config.admission()).isEqualTo(AdmissionOptions.defaults());
        assertThat(config.replies().lease()).isEqualTo(ReplyOptions.DEFAULT_LEASE);
        assertThat(config.handler().name()).isEqualTo(ConversationHandlers.ECHO);
        assertThat(config.pushApi().apiKey()).isEmpty();
        assertThat(config.store().kind()).isEqualTo(StoreOptions.Kind.MEMORY);
        assertThat(config.ui()).isEqualTo(new UiOptions(true, UiOptions.DEFAULT_ROOT));
    }

    @Test
    void toBuilderCopiesEverythingIncludingTheNodeId() {
        GatewayConfig config = GatewayConfig.builder()
                .server(s -> s.port(0))
                .sessionLimits(l -> l.grace(Duration.ofSeconds(9)).historyFrames(7))
                .build();
        GatewayConfig copy = config.toBuilder().connections(c -> c.heartbeat(Duration.ofSeconds(1))).build();
        assertThat(copy.server()).isEqualTo(config.server());
        assertThat(copy.connections().heartbeat()).isEqualTo(Duration.ofSeconds(1));
        assertThat(copy.sessionLimits().grace()).isEqualTo(Duration.ofSeconds(9));
        assertThat(copy.sessionLimits().historyFrames()).isEqualTo(7);
    }

    @Test
    void changingOnePartKeepsWhatWasSetBefore() {
        GatewayConfig config = GatewayConfig.builder()
                .connections(c -> c.heartbeat(Duration.ofSeconds(2)))
                .connections(c -> c.maxFrameBytes(2048))
                .build();
        assertThat(config.connections().heartbeat()).isEqualTo(Duration.ofSeconds(2));
        assertThat(config.connections().maxFrameBytes()).isEqualTo(2048);
    }

    @Test
    void idleTimeoutIsOneAndAHalfHeartbeats() {
        assertThat(GatewayConfig.defaults().connections().idleTimeout()).isEqualTo(Duration.ofMillis(37_500));
    }

    @Test
    void theStoreSpecYieldsTheRedisStoreOptions() {
        StoreOptions store = StoreOptions.builder().kind(StoreOptions.Kind.REDIS)
                .redisUri("redis-cluster://user:secret@h1:7000,h2:7001").redisTimeout(Duration.ofMillis(500)).build();
        SessionLimits limits = SessionLimits.builder().historyFrames(42).build();
        RedisSessionStoreOptions options = store.redisOptions(limits, "node-3");
        assertThat(options.cluster()).isTrue();
        assertThat(options.uris()).containsExactly("redis://user:secret@h1:7000", "redis://user:secret@h2:7001");
        assertThat(options.limits()).isEqualTo(limits);
        assertThat(options.nodeId()).isEqualTo("node-3");
        assertThat(options.commandTimeout()).isEqualTo(Duration.ofMillis(500));
        assertThat(store.redisDescription()).isEqualTo("Redis Cluster redis://***@h1:7000,redis://***@h2:7001");
        assertThat(store.toString()).doesNotContain("secret");
    }

    @Test
    void credentialsNeverAppearInTheDescription() {
        GatewayConfig config = GatewayConfig.builder()
                .pushApi(PushApiOptions.withApiKey("0123456789abcdef"))
                .store(s -> s.redisUri("redis://:hunter2@cache:6379"))
                .build();
        assertThat(config.toString()).doesNotContain("0123456789abcdef").doesNotContain("hunter2");
    }
}
