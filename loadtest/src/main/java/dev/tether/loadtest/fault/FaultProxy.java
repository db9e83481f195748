package dev.tether.loadtest.fault;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import reactor.core.Disposable;
import reactor.core.publisher.Mono;

/**
 * A TCP proxy that forwards bytes between clients and an upstream server and injects network faults on demand.
 *
 * <p>It sits between a client and a gateway to make the failures that real networks produce: connections cut
 * without a WebSocket close frame, cut in the middle of a frame, half-open connections that stay up but carry
 * nothing, a node that refuses connections, and a client that lands on a different node when it reconnects.
 *
 * <p>While no fault is active, bytes are forwarded unchanged and in order. Each direction honours backpressure:
 * when the receiving side cannot keep up, the proxy stops reading from the sending side instead of buffering, so
 * at most about one write-buffer high-water mark (Netty's default, 64 KiB) is held per direction.
 *
 * <p>Every method may be called from any thread; faults act on each connection on that connection's event loop.
 * Start one with {@link #start(FaultProxyOptions)}; release it with {@link #dispose()} or
 * {@link #disposeNow(Duration)}.
 */
public final class FaultProxy implements Disposable {

    private static final Duration MAX_REFUSAL = Duration.ofDays(365);

    private final FaultProxyOptions options;
    private final EventLoopGroup group;
    private final Channel server;
    private final Set<ProxyLink> links = ConcurrentHashMap.newKeySet();
    private final LongAdder accepted = new LongAdder();
    private final LongAdder refused = new LongAdder();
    private final LongAdder upstreamFailures = new LongAdder();
    private final LongAdder bytesUpstream = new LongAdder();
    private final LongAdder bytesDownstream = new LongAdder();
    private final LongAdder bytesDropped = new LongAdder();

    private volatile InetSocketAddress target;
    private volatile boolean blackholed;
    private volatile long refuseUntilNanos;
    private volatile boolean refusing;
    private volatile boolean disposed;

    private FaultProxy(FaultProxyOptions options, EventLoopGroup group, Channel server) {
        this.options = options;
        this.group = group;
        this.server = server;
        this.target = options.target();
    }

    /**
     * Binds a proxy as configured; the {@code Mono} emits it once it listens.
     *
     * @param options where to listen and where to forward
     * @return the listening proxy, or an error if the port cannot be bound
     */
    public static Mono<FaultProxy> start(FaultProxyOptions options) {
        Objects.requireNonNull(options, "options");
        return Mono.defer(() -> {
            EventLoopGroup group = new MultiThreadIoEventLoopGroup(options.ioThreads(), NioIoHandler.newFactory());
            AtomicReference<FaultProxy> created = new AtomicReference<>();
            ServerBootstrap bootstrap = new ServerBootstrap()
                    .group(group)
                    .channel(NioServerSocketChannel.class)
                    .childOption(ChannelOption.AUTO_READ, false)
                    .childOption(ChannelOption.TCP_NODELAY, true)
                    .childHandler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel channel) {
                            created.get().accept(channel);
                        }
                    });
            ChannelFuture bind = bootstrap.bind(options.host(), options.port());
            return Mono.<FaultProxy>create(sink -> bind.addListener(future -> {
                if (future.isSuccess()) {
                    FaultProxy proxy = new FaultProxy(options, group, bind.channel());
                    created.set(proxy);
                    sink.success(proxy);
                } else {
                    group.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS);
                    sink.error(future.cause());
                }
            }));
        });
    }

    /** The address the proxy listens on; connect clients here. */
    public InetSocketAddress address() {
        return (InetSocketAddress) server.localAddress();
    }

    /** The port the proxy listens on. */
    public int port() {
        return address().getPort();
    }

    /** The options this proxy was started with; {@link FaultProxyOptions#target()} is the initial target. */
    public FaultProxyOptions options() {
        return options;
    }

    /** Where new connections are forwarded to. */
    public InetSocketAddress target() {
        return target;
    }

    // ---------------------------------------------------------------- faults

    /**
     * Forwards connections accepted from now on to another upstream, for example another gateway node.
     * Connections already open keep their upstream; {@link #cutAll()} them to force a move.
     */
    public void retarget(InetSocketAddress newTarget) {
        this.target = Objects.requireNonNull(newTarget, "newTarget");
    }

    /** Same as {@link #retarget(InetSocketAddress)} for {@code host:port}. */
    public void retarget(String host, int port) {
        retarget(new InetSocketAddress(host, port));
    }

    /**
     * Cuts every open connection at once: both sides get a TCP reset and no further byte is forwarded. Neither
     * side gets a WebSocket close frame, as when a network path or a node dies.
     *
     * @return how many connections were cut
     */
    public int cutAll() {
        int count = 0;
        for (ProxyLink link : links) {
            link.reset();
            count++;
        }
        return count;
    }

    /**
     * Cuts each connection that is open now after it has forwarded {@code bytes} more bytes to the client. The
     * client receives exactly those bytes, then the connection ends (FIN to the client, reset to the upstream)
     * without a close frame. The cut may fall anywhere, also inside a WebSocket frame.
     *
     * @param bytes how many more bytes each connection delivers downstream, 1 or more
     * @return how many connections were armed
     */
    public int cutAfterDownstreamBytes(long bytes) {
        if (bytes < 1) {
            throw new IllegalArgumentException("bytes must be >= 1, got " + bytes);
        }
        int count = 0;
        for (ProxyLink link : links) {
            link.cutAfterDownstream(bytes);
            count++;
        }
        return count;
    }

    /**
     * Starts or stops a blackhole. While it is on, connections stay open but every byte in either direction is
     * read and dropped, and a side that closes is not reported to the other: each side sees a silent, half-open
     * connection, as behind a dead NAT or a pulled cable. Heartbeats are what should notice. Dropped bytes are
     * gone for good; when the blackhole ends, connections whose other side closed meanwhile are closed too.
     * New connections accepted during a blackhole are blackholed as well.
     */
    public void blackhole(boolean on) {
        this.blackholed = on;
        if (!on) {
            for (ProxyLink link : links) {
                link.healed();
            }
        }
    }

    /** Whether a blackhole is on. */
    public boolean isBlackholed() {
        return blackholed;
    }

    /**
     * Refuses new connections for {@code duration}: each is accepted and reset at once, before anything is
     * forwarded, so the client sees its connection fail. Open connections are not affected.
     */
    public void refuseConnections(Duration duration) {
        Objects.requireNonNull(duration, "duration");
        if (duration.isNegative()) {
            throw new IllegalArgumentException("duration must be >= 0, got " + duration);
        }
        // Capped so that the deadline cannot overflow System.nanoTime arithmetic.
        long nanos = duration.compareTo(MAX_REFUSAL) > 0 ? MAX_REFUSAL.toNanos() : duration.toNanos();
        this.refuseUntilNanos = System.nanoTime() + nanos;
        this.refusing = true;
    }

    /** Ends {@link #refuseConnections(Duration)} early. */
    public void acceptConnections() {
        this.refusing = false;
    }

    /** Whether new connections are being refused now. */
    public boolean isRefusing() {
        return refusing && System.nanoTime() - refuseUntilNanos < 0;
    }

    // ---------------------------------------------------------------- counters

    /** Connections open now (a connection counts until both of its sides are closed). */
    public int connectionCount() {
        return links.size();
    }

    /** Connections accepted and forwarded since the start, excluding refused ones. */
    public long acceptedCount() {
        return accepted.sum();
    }

    /** Connections refused since the start. */
    public long refusedCount() {
        return refused.sum();
    }

    /** Connections closed because their upstream could not be reached. */
    public long upstreamFailureCount() {
        return upstreamFailures.sum();
    }

    /** Bytes forwarded from clients to upstreams. */
    public long bytesUpstream() {
        return bytesUpstream.sum();
    }

    /** Bytes forwarded from upstreams to clients. */
    public long bytesDownstream() {
        return bytesDownstream.sum();
    }

    /** Bytes dropped by a blackhole or a cut. */
    public long bytesDropped() {
        return bytesDropped.sum();
    }

    // ---------------------------------------------------------------- lifecycle

    /** Stops listening, resets every connection and releases the threads, without waiting. */
    @Override
    public void dispose() {
        if (disposed) {
            return;
        }
        disposed = true;
        server.close();
        cutAll();
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS);
    }

    /** {@link #dispose()} and waits up to {@code timeout} for the threads to end. Not for event-loop threads. */
    public void disposeNow(Duration timeout) {
        dispose();
        group.terminationFuture().awaitUninterruptibly(timeout.toMillis());
    }

    @Override
    public boolean isDisposed() {
        return disposed;
    }

    @Override
    public String toString() {
        return "FaultProxy[" + (disposed ? "disposed" : address()) + " -> " + target + ", connections="
                + links.size() + "]";
    }

    // ---------------------------------------------------------------- internals

    private void accept(SocketChannel client) {
        if (disposed || isRefusing()) {
            refused.increment();
            ProxyLink.resetChannel(client);
            return;
        }
        accepted.increment();
        ProxyLink link = new ProxyLink(this, client, options.cutDownstreamAfterBytes().orElse(-1));
        links.add(link);
        client.pipeline().addLast(link.clientSide());
        new Bootstrap()
                .group(client.eventLoop())
                .channel(NioSocketChannel.class)
                .option(ChannelOption.AUTO_READ, false)
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) options.connectTimeout().toMillis())
                .handler(link.upstreamSide())
                .connect(target)
                .addListener((ChannelFuture connect) -> {
                    if (connect.isSuccess()) {
                        link.upstreamConnected(connect.channel());
                    } else {
                        upstreamFailures.increment();
                        link.reset();
                    }
                });
    }

    void removed(ProxyLink link) {
        links.remove(link);
    }

    void forwarded(boolean upstream, int bytes) {
        (upstream ? bytesUpstream : bytesDownstream).add(bytes);
    }

    void dropped(int bytes) {
        bytesDropped.add(bytes);
    }
}
