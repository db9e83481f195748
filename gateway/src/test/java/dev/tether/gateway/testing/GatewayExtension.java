package dev.tether.gateway.testing;

import dev.tether.gateway.ConversationHandler;
import dev.tether.gateway.GatewayConfig;
import dev.tether.gateway.GatewayHandle;
import dev.tether.gateway.InMemorySessionStore;
import dev.tether.gateway.TetherGateway;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import reactor.core.scheduler.Scheduler;

/**
 * A real gateway on port 0 for integration tests, with an in-memory store on a clock the test moves. Starts on first
 * use (with the class's configuration, or a test's own via {@link #start(UnaryOperator)}); every socket and the
 * gateway are disposed after each test.
 *
 * <pre>{@code @RegisterExtension final GatewayExtension gateway = new GatewayExtension(c -> c.connections(o -> o.heartbeat(...))); }</pre>
 */
public final class GatewayExtension implements AfterEachCallback {

    /** Test defaults: fast echo, quick handshake timeout, loopback only. */
    public static GatewayConfig.Builder testConfig() {
        return GatewayConfig.builder()
                .server(s -> s.host("127.0.0.1").port(0).nodeId("test-node"))
                .handler(h -> h.echoDelay(Duration.ofMillis(5)))
                .connections(c -> c.handshakeTimeout(Duration.ofSeconds(5)));
    }

    private final UnaryOperator<GatewayConfig.Builder> classConfig;
    private final List<TestSocket> sockets = new ArrayList<>();
    private final List<RawWebSocket> rawSockets = new ArrayList<>();
    private MutableClock clock;
    private InMemorySessionStore store;
    private FaultyStore faults;
    private GatewayHandle handle;
    private ConversationHandler handler;
    private Scheduler scheduler;

    public GatewayExtension() {
        this(UnaryOperator.identity());
    }

    public GatewayExtension(UnaryOperator<GatewayConfig.Builder> classConfig) {
        this.classConfig = classConfig;
    }

    /** Use this handler instead of the configured one; call before the gateway starts. */
    public GatewayExtension handler(ConversationHandler handler) {
        this.handler = handler;
        return this;
    }

    /**
     * Runs the gateway's timers on this scheduler, a {@code VirtualTimeScheduler} for example; call before the
     * gateway starts. The store's sweep stays on real time.
     */
    public GatewayExtension scheduler(Scheduler scheduler) {
        this.scheduler = scheduler;
        return this;
    }

    /** Starts the gateway with the class's configuration changed by {@code config}. */
    public GatewayHandle start(UnaryOperator<GatewayConfig.Builder> config) {
        if (handle != null) {
            throw new IllegalStateException("the gateway is already running");
        }
        GatewayConfig gatewayConfig = config.apply(classConfig.apply(testConfig())).build();
        clock = MutableClock.atEpochStart();
        store = InMemorySessionStore.builder()
                .limits(gatewayConfig.sessionLimits())
                .clock(clock)
                .sweepInterval(Duration.ofMillis(50))
                .build();
        faults = new FaultyStore(store);
        TetherGateway.Builder builder = TetherGateway.builder(gatewayConfig).store(faults).clock(clock);
        if (handler != null) {
            builder.handler(handler);
        }
        if (scheduler != null) {
            builder.scheduler(scheduler);
        }
        handle = builder.build().start().block(TestSocket.TIMEOUT);
        return handle;
    }

    /** The running gateway, started with the class's configuration if it was not yet. */
    public GatewayHandle gateway() {
        if (handle == null) {
            start(UnaryOperator.identity());
        }
        return handle;
    }

    public InMemorySessionStore store() {
        gateway();
        return store;
    }

    /** Switches for making the store fail. */
    public FaultyStore faults() {
        gateway();
        return faults;
    }

    /** The store's clock: move it to expire sessions. */
    public MutableClock clock() {
        gateway();
        return clock;
    }

    public URI uri() {
        GatewayHandle gateway = gateway();
        return URI.create("ws://127.0.0.1:" + gateway.port() + gateway.path());
    }

    public URI healthUri() {
        return URI.create("http://127.0.0.1:" + gateway().port() + "/health");
    }

    /** A new raw WebSocket to the gateway, closed after the test. */
    public TestSocket connect() {
        return connect(Map.of());
    }

    /** A new raw WebSocket to the gateway with these headers on its upgrade request, closed after the test. */
    public TestSocket connect(Map<String, String> headers) {
        return register(TestSocket.connect(uri().toString(), headers));
    }

    /** A new raw WebSocket to the gateway that accepts frames of at most {@code maxFrameBytes}. */
    public TestSocket connect(int maxFrameBytes) {
        return register(TestSocket.connect(uri().toString(), maxFrameBytes));
    }

    private TestSocket register(TestSocket socket) {
        sockets.add(socket);
        return socket;
    }

    /** A new WebSocket spoken byte by byte (see {@link RawWebSocket}), upgraded, closed after the test. */
    public RawWebSocket connectRaw() {
        RawWebSocket socket = RawWebSocket.connect(uri());
        rawSockets.add(socket);
        return socket;
    }

    /** A new TCP connection to the gateway's port, not upgraded, closed after the test. */
    public RawWebSocket openRaw() {
        RawWebSocket socket = RawWebSocket.open(uri());
        rawSockets.add(socket);
        return socket;
    }

    @Override
    public void afterEach(ExtensionContext context) {
        sockets.forEach(TestSocket::close);
        sockets.clear();
        rawSockets.forEach(RawWebSocket::close);
        rawSockets.clear();
        if (handle != null) {
            handle.dispose();
            handle.onDispose().block(TestSocket.TIMEOUT);
            handle = null;
        }
        if (store != null) {
            store.close();
            store = null;
            faults = null;
        }
    }
}
