package dev.tether.gateway;

import dev.tether.gateway.internal.GatewayServer;
import dev.tether.protocol.session.SessionStore;
import java.time.Clock;
import java.util.Objects;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * A Tether gateway node: a WebSocket server whose sessions outlive their connections.
 *
 * <pre>{@code
 * GatewayHandle gateway = TetherGateway.start(GatewayConfig.builder().server(s -> s.port(0)).build()).block();
 * ... gateway.port() ...
 * gateway.shutdown(Duration.ofSeconds(5)).block();
 * }</pre>
 */
public final class TetherGateway {

    private final GatewayConfig config;
    private final SessionStore store;
    private final ConversationHandler handler;
    private final Clock clock;
    private final Scheduler scheduler;

    private TetherGateway(Builder builder) {
        this.config = builder.config;
        this.store = builder.store;
        this.handler = builder.handler;
        this.clock = builder.clock;
        this.scheduler = builder.scheduler;
    }

    /** Starts a node with this configuration, its store and its handler chosen by name. */
    public static Mono<GatewayHandle> start(GatewayConfig config) {
        return builder(config).build().start();
    }

    public static Builder builder(GatewayConfig config) {
        return new Builder(config);
    }

    /** The configuration. */
    public GatewayConfig config() {
        return config;
    }

    /**
     * Binds the server; the handle gives the bound port. A store made here from the configuration is closed with the
     * node; a store given to the builder is not.
     */
    public Mono<GatewayHandle> start() {
        return Mono.defer(() -> {
            ConversationHandler conversation = handler != null
                    ? handler : ConversationHandlers.named(config.handler().name(), config);
            boolean owned = store == null;
            SessionStore sessions = owned ? createStore() : store;
            return GatewayServer.start(config, sessions, owned, conversation, clock, scheduler)
                    // A handler made here from the configuration (its HTTP connections, say) ends with the node.
                    .doOnNext(node -> {
                        if (handler == null) {
                            node.onDispose().subscribe(null, e -> closeHandler(conversation),
                                    () -> closeHandler(conversation));
                        }
                    })
                    .doOnError(e -> {
                        if (handler == null) {
                            closeHandler(conversation);
                        }
                        if (owned) {
                            sessions.close();
                        }
                    });
        });
    }

    private static void closeHandler(ConversationHandler conversation) {
        if (conversation instanceof AutoCloseable closeable) {
            try {
                closeable.close();
            } catch (Exception e) {
                LoggerFactory.getLogger(TetherGateway.class).warn("the conversation handler did not close: {}",
                        e.toString());
            }
        }
    }

    private SessionStore createStore() {
        return switch (config.store().kind()) {
            case MEMORY -> InMemorySessionStore.builder().limits(config.sessionLimits()).clock(clock)
                    .scheduler(scheduler).build();
            case REDIS -> GatewayServer.redisStore(config);
        };
    }

    /** Builds a {@link TetherGateway}. */
    public static final class Builder {
        private final GatewayConfig config;
        private SessionStore store;
        private ConversationHandler handler;
        private Clock clock = Clock.systemUTC();
        private Scheduler scheduler = Schedulers.parallel();

        private Builder(GatewayConfig config) {
            this.config = Objects.requireNonNull(config, "config");
        }

        /** The session store; the caller keeps it and closes it. Default: one made from the configuration. */
        public Builder store(SessionStore store) {
            this.store = Objects.requireNonNull(store, "store");
            return this;
        }

        /** The conversation handler. Default: the one named by {@link GatewayConfig#handler()}. */
        public Builder handler(ConversationHandler handler) {
            this.handler = Objects.requireNonNull(handler, "handler");
            return this;
        }

        /** The clock for timestamps and the store made from the configuration. Default: the system UTC clock. */
        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /**
         * The scheduler every timer of the node runs on and every duration is measured with ({@link
         * Scheduler#now}): heartbeats, idle and handshake timeouts, admission waits, reply leases and store retries,
         * and the sweep of the store made from the configuration. Default: {@link Schedulers#parallel()}.
         */
        public Builder scheduler(Scheduler scheduler) {
            this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
            return this;
        }

        public TetherGateway build() {
            return new TetherGateway(this);
        }
    }
}
