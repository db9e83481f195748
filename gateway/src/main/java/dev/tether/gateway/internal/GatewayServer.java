package dev.tether.gateway.internal;

import dev.tether.gateway.ConversationHandler;
import dev.tether.gateway.GatewayConfig;
import dev.tether.gateway.GatewayHandle;
import dev.tether.protocol.session.SessionStore;
import dev.tether.session.redis.RedisSessionStore;
import dev.tether.session.redis.RedisSessionStoreOptions;
import java.time.Clock;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;

/** The entry point of the implementation, for {@link dev.tether.gateway.TetherGateway}. May change without notice. */
public final class GatewayServer {

    private GatewayServer() {
    }

    /**
     * Binds a gateway node.
     *
     * @param ownsStore whether the node closes {@code store} when it stops
     * @param clock the source of timestamps
     * @param scheduler runs every timer and measures every duration
     */
    public static Mono<GatewayHandle> start(GatewayConfig config, SessionStore store, boolean ownsStore,
                                            ConversationHandler handler, Clock clock, Scheduler scheduler) {
        return ServerHandle.bind(config, store, ownsStore, handler, clock, scheduler);
    }

    /**
     * The Redis store the configuration describes. It connects in the background: the node starts even while Redis
     * is down, reports not ready, and becomes ready when Redis is reachable.
     */
    public static SessionStore redisStore(GatewayConfig config) {
        RedisSessionStoreOptions options = config.store().redisOptions(config.sessionLimits(), config.server().nodeId());
        return new LazyStore(config.store().redisDescription(), () -> RedisSessionStore.connect(options));
    }
}
