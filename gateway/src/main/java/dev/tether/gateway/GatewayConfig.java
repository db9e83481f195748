package dev.tether.gateway;

import dev.tether.protocol.session.SessionLimits;
import java.util.Objects;
import java.util.function.UnaryOperator;

/**
 * Everything a gateway node is configured with, one small options record per concern, the way lettuce's
 * {@code ClientOptions} holds {@code SocketOptions} and {@code TimeoutOptions}. Immutable; build with
 * {@link #builder()}, derive variants with {@link #toBuilder()}. A new concern arrives as one more options record.
 *
 * <pre>{@code
 * GatewayConfig config = GatewayConfig.builder()
 *         .server(s -> s.port(0))
 *         .connections(c -> c.heartbeat(Duration.ofSeconds(5)))
 *         .build();
 * }</pre>
 */
public final class GatewayConfig {

    private final ServerOptions server;
    private final ConnectionOptions connections;
    private final SessionLimits sessionLimits;
    private final AdmissionOptions admission;
    private final ResumeOptions resumes;
    private final ReplyOptions replies;
    private final HandlerOptions handler;
    private final LlmOptions llm;
    private final PushApiOptions pushApi;
    private final StoreOptions store;
    private final BackendOptions backend;
    private final UiOptions ui;
    private final DrainOptions drain;
    private final AuthOptions auth;
    private final ProxyOptions proxy;
    private final LimitsOptions limits;
    private final LogOptions logs;

    private GatewayConfig(Builder b) {
        this.server = b.server;
        this.connections = b.connections;
        this.sessionLimits = b.sessionLimits;
        this.admission = b.admission;
        this.resumes = b.resumes;
        this.replies = b.replies;
        this.handler = b.handler;
        this.llm = b.llm;
        this.pushApi = b.pushApi;
        this.store = b.store;
        this.backend = b.backend;
        this.ui = b.ui;
        this.drain = b.drain;
        this.auth = b.auth;
        this.proxy = b.proxy;
        this.limits = b.limits;
        this.logs = b.logs;
    }

    /** The defaults, with a random node id. */
    public static GatewayConfig defaults() {
        return builder().build();
    }

    /** A builder starting from the defaults, with a random node id. */
    public static Builder builder() {
        return new Builder();
    }

    /** A builder starting from this configuration, node id included. */
    public Builder toBuilder() {
        return new Builder().server(server).connections(connections).sessionLimits(sessionLimits)
                .admission(admission).resumes(resumes).replies(replies).handler(handler).llm(llm).pushApi(pushApi).store(store)
                .backend(backend).ui(ui).drain(drain).auth(auth).proxy(proxy)
                .limits(limits).logs(logs);
    }

    /** Where the node listens and who it is; default {@link ServerOptions#defaults()}. */
    public ServerOptions server() {
        return server;
    }

    /** What the node expects of each connection; default {@link ConnectionOptions#defaults()}. */
    public ConnectionOptions connections() {
        return connections;
    }

    /** How long sessions live and how much history they keep; default {@link SessionLimits#defaults()}. */
    public SessionLimits sessionLimits() {
        return sessionLimits;
    }

    /** How many handshakes run at once and how the rest wait; default {@link AdmissionOptions#defaults()}. */
    public AdmissionOptions admission() {
        return admission;
    }

    /** How failed resumes are limited per client address; default {@link ResumeOptions#defaults()}. */
    public ResumeOptions resumes() {
        return resumes;
    }

    /** How replies are guarded; default {@link ReplyOptions#defaults()}. */
    public ReplyOptions replies() {
        return replies;
    }

    /** Which conversation handler runs; default {@link HandlerOptions#defaults()}. */
    public HandlerOptions handler() {
        return handler;
    }

    /** The language model of the {@code openai} handler; default {@link LlmOptions#defaults()}. */
    public LlmOptions llm() {
        return llm;
    }

    /** The backend push endpoint; default {@link PushApiOptions#off()}. */
    public PushApiOptions pushApi() {
        return pushApi;
    }

    /** Which session store backs the node; default {@link StoreOptions#defaults()}. */
    public StoreOptions store() {
        return store;
    }

    /** The application's backend of the {@code http} handler; default {@link BackendOptions#defaults()}. */
    public BackendOptions backend() {
        return backend;
    }

    /** The chat page served at {@code /}; default {@link UiOptions#defaults()}. */
    public UiOptions ui() {
        return ui;
    }

    /** How the node leaves on SIGTERM; default {@link DrainOptions#defaults()}. */
    public DrainOptions drain() {
        return drain;
    }

    /** Who may connect; default {@link AuthOptions#defaults()}, nobody is asked. */
    public AuthOptions auth() {
        return auth;
    }

    /** Which proxies tell the client's address; default {@link ProxyOptions#defaults()}. */
    public ProxyOptions proxy() {
        return proxy;
    }

    /** What one client address may do, and which pages may connect; default {@link LimitsOptions#defaults()}. */
    public LimitsOptions limits() {
        return limits;
    }

    /** How the command-line gateway logs; default {@link LogOptions#defaults()}. */
    public LogOptions logs() {
        return logs;
    }

    @Override
    public String toString() {
        return "GatewayConfig[" + server + ", " + connections + ", " + sessionLimits + ", " + admission + ", "
                + resumes + ", " + replies + ", " + handler + ", " + llm + ", " + pushApi + ", " + store + ", " + backend
                + ", " + ui + ", " + drain + ", " + auth + ", " + proxy + ", "
                + limits + ", " + logs + "]";
    }

    /** Builds a {@link GatewayConfig}; each part is validated when it is built. */
    public static final class Builder {
        private ServerOptions server = ServerOptions.defaults();
        private ConnectionOptions connections = ConnectionOptions.defaults();
        private SessionLimits sessionLimits = SessionLimits.defaults();
        private AdmissionOptions admission = AdmissionOptions.defaults();
        private ResumeOptions resumes = ResumeOptions.defaults();
        private ReplyOptions replies = ReplyOptions.defaults();
        private HandlerOptions handler = HandlerOptions.defaults();
        private LlmOptions llm = LlmOptions.defaults();
        private PushApiOptions pushApi = PushApiOptions.off();
        private StoreOptions store = StoreOptions.defaults();
        private BackendOptions backend = BackendOptions.defaults();
        private UiOptions ui = UiOptions.defaults();
        private DrainOptions drain = DrainOptions.defaults();
        private AuthOptions auth = AuthOptions.defaults();
        private ProxyOptions proxy = ProxyOptions.defaults();
        private LimitsOptions limits = LimitsOptions.defaults();
        private LogOptions logs = LogOptions.defaults();

        private Builder() {
        }

        /** Where the node listens and who it is. */
        public Builder server(ServerOptions server) {
            this.server = Objects.requireNonNull(server, "server");
            return this;
        }

        /** Changes the server options set so far. */
        public Builder server(UnaryOperator<ServerOptions.Builder> change) {
            return server(change.apply(server.toBuilder()).build());
        }

        /** What the node expects of each connection. */
        public Builder connections(ConnectionOptions connections) {
            this.connections = Objects.requireNonNull(connections, "connections");
            return this;
        }

        /** Changes the connection options set so far. */
        public Builder connections(UnaryOperator<ConnectionOptions.Builder> change) {
            return connections(change.apply(connections.toBuilder()).build());
        }

        /** How long sessions live and how much history they keep. */
        public Builder sessionLimits(SessionLimits sessionLimits) {
            this.sessionLimits = Objects.requireNonNull(sessionLimits, "sessionLimits");
            return this;
        }

        /** Changes the session limits set so far. */
        public Builder sessionLimits(UnaryOperator<SessionLimits.Builder> change) {
            return sessionLimits(change.apply(sessionLimits.toBuilder()).build());
        }

        /** How many handshakes run at once and how the rest wait. */
        public Builder admission(AdmissionOptions admission) {
            this.admission = Objects.requireNonNull(admission, "admission");
            return this;
        }

        /** Changes the admission options set so far. */
        public Builder admission(UnaryOperator<AdmissionOptions.Builder> change) {
            return admission(change.apply(admission.toBuilder()).build());
        }

        /** How failed resumes are limited per client address. */
        public Builder resumes(ResumeOptions resumes) {
            this.resumes = Objects.requireNonNull(resumes, "resumes");
            return this;
        }

        /** Changes the resume options set so far. */
        public Builder resumes(UnaryOperator<ResumeOptions.Builder> change) {
            return resumes(change.apply(resumes.toBuilder()).build());
        }

        /** How replies are guarded. */
        public Builder replies(ReplyOptions replies) {
            this.replies = Objects.requireNonNull(replies, "replies");
            return this;
        }

        /** Changes the reply options set so far. */
        public Builder replies(UnaryOperator<ReplyOptions.Builder> change) {
            return replies(change.apply(replies.toBuilder()).build());
        }

        /** Which conversation handler runs. */
        public Builder handler(HandlerOptions handler) {
            this.handler = Objects.requireNonNull(handler, "handler");
            return this;
        }

        /** Changes the handler options set so far. */
        public Builder handler(UnaryOperator<HandlerOptions.Builder> change) {
            return handler(change.apply(handler.toBuilder()).build());
        }

        /** The language model of the {@code openai} handler. */
        public Builder llm(LlmOptions llm) {
            this.llm = Objects.requireNonNull(llm, "llm");
            return this;
        }

        /** Changes the language model options set so far. */
        public Builder llm(UnaryOperator<LlmOptions.Builder> change) {
            return llm(change.apply(llm.toBuilder()).build());
        }

        /** The backend push endpoint. */
        public Builder pushApi(PushApiOptions pushApi) {
            this.pushApi = Objects.requireNonNull(pushApi, "pushApi");
            return this;
        }

        /** Which session store backs the node. */
        public Builder store(StoreOptions store) {
            this.store = Objects.requireNonNull(store, "store");
            return this;
        }

        /** Changes the store options set so far. */
        public Builder store(UnaryOperator<StoreOptions.Builder> change) {
            return store(change.apply(store.toBuilder()).build());
        }

        /** The application's backend of the {@code http} handler. */
        public Builder backend(BackendOptions backend) {
            this.backend = Objects.requireNonNull(backend, "backend");
            return this;
        }

        /** Changes the backend options set so far. */
        public Builder backend(UnaryOperator<BackendOptions.Builder> change) {
            return backend(change.apply(backend.toBuilder()).build());
        }

        /** The chat page served at {@code /}. */
        public Builder ui(UiOptions ui) {
            this.ui = Objects.requireNonNull(ui, "ui");
            return this;
        }

        /** Changes the chat page options set so far. */
        public Builder ui(UnaryOperator<UiOptions.Builder> change) {
            return ui(change.apply(ui.toBuilder()).build());
        }

        /** How the node leaves on SIGTERM. */
        public Builder drain(DrainOptions drain) {
            this.drain = Objects.requireNonNull(drain, "drain");
            return this;
        }

        /** Changes the drain options set so far. */
        public Builder drain(UnaryOperator<DrainOptions.Builder> change) {
            return drain(change.apply(drain.toBuilder()).build());
        }

        /** Who may connect. */
        public Builder auth(AuthOptions auth) {
            this.auth = Objects.requireNonNull(auth, "auth");
            return this;
        }

        /** Changes the authentication options set so far. */
        public Builder auth(UnaryOperator<AuthOptions.Builder> change) {
            return auth(change.apply(auth.toBuilder()).build());
        }

        /** Which proxies tell the client's address. */
        public Builder proxy(ProxyOptions proxy) {
            this.proxy = Objects.requireNonNull(proxy, "proxy");
            return this;
        }

        /** Changes the proxy options set so far. */
        public Builder proxy(UnaryOperator<ProxyOptions.Builder> change) {
            return proxy(change.apply(proxy.toBuilder()).build());
        }

        /** What one client address may do, and which pages may connect. */
        public Builder limits(LimitsOptions limits) {
            this.limits = Objects.requireNonNull(limits, "limits");
            return this;
        }

        /** Changes the limits set so far. */
        public Builder limits(UnaryOperator<LimitsOptions.Builder> change) {
            return limits(change.apply(limits.toBuilder()).build());
        }

        /** How the command-line gateway logs. */
        public Builder logs(LogOptions logs) {
            this.logs = Objects.requireNonNull(logs, "logs");
            return this;
        }

        /** Changes the log options set so far. */
        public Builder logs(UnaryOperator<LogOptions.Builder> change) {
            return logs(change.apply(logs.toBuilder()).build());
        }

        public GatewayConfig build() {
            return new GatewayConfig(this);
        }
    }
}
