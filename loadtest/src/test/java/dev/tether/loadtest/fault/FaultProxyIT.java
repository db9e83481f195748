package dev.tether.loadtest.fault;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tether.testkit.Eventually;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Queue;
import java.util.Random;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.netty.Connection;
import reactor.netty.DisposableServer;
import reactor.netty.tcp.TcpClient;
import reactor.netty.tcp.TcpServer;

/** Real sockets on loopback: client -> {@link FaultProxy} -> Reactor Netty echo server. */
class FaultProxyIT {

    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    private final List<Upstream> upstreams = new ArrayList<>();
    private final List<Socket> sockets = new ArrayList<>();
    private Upstream echo;
    private FaultProxy proxy;

    @BeforeEach
    void start() {
        echo = echoServer();
        proxy = startProxy(FaultProxyOptions.builder().target(echo.address()).ioThreads(2).build());
    }

    @AfterEach
    void stop() throws IOException {
        for (Socket socket : sockets) {
            socket.close();
        }
        if (proxy != null) {
            proxy.disposeNow(TIMEOUT);
        }
        for (Upstream upstream : upstreams) {
            upstream.server.disposeNow(TIMEOUT);
        }
    }

    @Test
    void forwardsLargeRandomPayloadsUnchangedOnConcurrentConnections() {
        int connections = 4;
        int size = 8 * 1024 * 1024;
        List<Mono<Boolean>> checks = new ArrayList<>();
        for (int i = 0; i < connections; i++) {
            byte[] payload = new byte[size];
            new Random(42 + i).nextBytes(payload);
            checks.add(echoThroughProxy(payload, new Random(i)));
        }
        List<Boolean> results = Flux.merge(checks).collectList().block(Duration.ofSeconds(60));
        assertThat(results).hasSize(connections).containsOnly(true);
        assertThat(proxy.bytesUpstream()).isEqualTo((long) connections * size);
        assertThat(proxy.bytesDownstream()).isEqualTo((long) connections * size);
        assertThat(proxy.acceptedCount()).isEqualTo(connections);
        assertThat(proxy.bytesDropped()).isZero();
    }

    @Test
    void stopsReadingFromAFastSenderWhileTheReceiverIsSlow() throws IOException {
        int total = 64 * 1024 * 1024;
        Upstream firehose = firehoseServer(total);
        proxy.retarget(firehose.address());
        Socket client = connect();

        // The client reads nothing, so the proxy must stop too: only socket buffers and one write-buffer
        // high-water mark may hold what was forwarded, far less than what the server wants to send.
        AtomicLong last = new AtomicLong(-1);
        Eventually.await("forwarding to stall", TIMEOUT, Duration.ofMillis(300), () -> {
            long now = proxy.bytesDownstream();
            return now > 0 && now == last.getAndSet(now);
        });
        assertThat(proxy.bytesDownstream()).isLessThan(total / 2);

        byte[] received = readUntilClosed(client.getInputStream());
        assertThat(received).hasSize(total);
        assertThat(sha256(received)).isEqualTo(sha256(firehosePayload(total)));
    }

    @Test
    void cutAllResetsBothSidesWithoutAnotherByte() throws IOException {
        Socket client = connect();
        assertEchoes(client, "before the cut");
        Connection serverSide = echo.connections.peek();

        assertThat(proxy.cutAll()).isEqualTo(1);

        // A reset, not an orderly end of stream: reading (or writing) fails rather than returning -1.
        assertThatThrownBy(() -> {
            client.getOutputStream().write("lost".getBytes(StandardCharsets.UTF_8));
            readUntilClosed(client.getInputStream());
        }).isInstanceOf(SocketException.class);
        serverSide.onDispose().block(TIMEOUT);
        Eventually.await("the connection to be forgotten", TIMEOUT, () -> proxy.connectionCount() == 0);
    }

    @Test
    void cutAfterDownstreamBytesDeliversExactlyThatManyBytes() throws IOException {
        Socket client = connect();
        assertEchoes(client, "hello");
        Connection serverSide = echo.connections.peek();

        assertThat(proxy.cutAfterDownstreamBytes(300)).isEqualTo(1);
        byte[] payload = new byte[1000];
        new Random(7).nextBytes(payload);
        client.getOutputStream().write(payload);

        byte[] received = readUntilClosed(client.getInputStream());
        assertThat(received).isEqualTo(Arrays.copyOf(payload, 300));
        serverSide.onDispose().block(TIMEOUT);
    }

    @Test
    void optionsCanCutEveryNewConnection() throws IOException {
        proxy.disposeNow(TIMEOUT);
        proxy = startProxy(FaultProxyOptions.builder().target(echo.address()).cutDownstreamAfterBytes(5).build());
        for (int i = 0; i < 3; i++) {
            Socket client = connect();
            client.getOutputStream().write("0123456789".getBytes(StandardCharsets.UTF_8));
            assertThat(new String(readUntilClosed(client.getInputStream()), StandardCharsets.UTF_8))
                    .isEqualTo("01234");
        }
        assertThat(proxy.acceptedCount()).isEqualTo(3);
    }

    @Test
    void blackholeKeepsConnectionsOpenButCarriesNothing() throws IOException {
        Socket client = connect();
        assertEchoes(client, "alive");
        Connection serverSide = echo.connections.peek();
        long serverBytes = echo.bytesReceived.get();

        proxy.blackhole(true);
        client.getOutputStream().write("into the void".getBytes(StandardCharsets.UTF_8));
        client.setSoTimeout(300);
        assertThatThrownBy(() -> client.getInputStream().read()).isInstanceOf(SocketTimeoutException.class);
        assertThat(client.isClosed()).isFalse();
        assertThat(serverSide.isDisposed()).isFalse();
        assertThat(echo.bytesReceived.get()).isEqualTo(serverBytes);
        assertThat(proxy.connectionCount()).isEqualTo(1);

        // The client gives up, as a heartbeat would make it; the server must not learn of it.
        client.close();
        // Nothing can be observed when a close is withheld, so give it time to have propagated if it would.
        Mono.delay(Duration.ofMillis(300)).block();
        assertThat(serverSide.isDisposed()).isFalse();
        assertThat(proxy.connectionCount()).isEqualTo(1);

        proxy.blackhole(false);
        serverSide.onDispose().block(TIMEOUT);
        assertThat(echo.bytesReceived.get()).isEqualTo(serverBytes);
    }

    @Test
    void refusedConnectionsAreResetWhileOpenOnesKeepWorking() throws IOException {
        Socket open = connect();
        assertEchoes(open, "open");

        proxy.refuseConnections(Duration.ofMinutes(5));
        assertThat(proxy.isRefusing()).isTrue();
        Socket refused = connect();
        assertThatThrownBy(() -> {
            refused.getOutputStream().write("x".getBytes(StandardCharsets.UTF_8));
            readUntilClosed(refused.getInputStream());
        }).isInstanceOf(SocketException.class);
        assertThat(proxy.refusedCount()).isEqualTo(1);
        assertEchoes(open, "still open");

        proxy.acceptConnections();
        assertThat(proxy.isRefusing()).isFalse();
        assertEchoes(connect(), "accepted again");
        assertThat(echo.connections).hasSize(2);
    }

    @Test
    void aZeroRefusalRefusesNothing() throws IOException {
        proxy.refuseConnections(Duration.ZERO);
        assertThat(proxy.isRefusing()).isFalse();
        assertEchoes(connect(), "accepted");
    }

    @Test
    void retargetSendsNewConnectionsToAnotherUpstream() throws IOException {
        Upstream other = echoServer();
        Socket first = connect();
        assertEchoes(first, "to A");

        proxy.retarget(other.address());
        assertThat(proxy.target()).isEqualTo(other.address());
        Socket second = connect();
        assertEchoes(second, "to B");
        assertEchoes(first, "still A");

        assertThat(echo.connections).hasSize(1);
        assertThat(other.connections).hasSize(1);
        assertThat(echo.bytesReceived.get()).isEqualTo("to A".length() + "still A".length());
        assertThat(other.bytesReceived.get()).isEqualTo("to B".length());
        assertThat(proxy.connectionCount()).isEqualTo(2);
    }

    @Test
    void anUnreachableUpstreamResetsTheClient() throws IOException {
        Upstream gone = echoServer();
        InetSocketAddress address = gone.address();
        gone.server.disposeNow(TIMEOUT);
        proxy.retarget(address);

        Socket client = connect();
        assertThatThrownBy(() -> readUntilClosed(client.getInputStream())).isInstanceOf(SocketException.class);
        Eventually.await("the failure to be counted", TIMEOUT, () -> proxy.upstreamFailureCount() == 1);
        assertThat(proxy.connectionCount()).isZero();
    }

    @Test
    void aClosingClientClosesTheUpstream() throws IOException {
        Socket client = connect();
        assertEchoes(client, "bye");
        Connection serverSide = echo.connections.peek();
        client.close();
        serverSide.onDispose().block(TIMEOUT);
        Eventually.await("the connection to be forgotten", TIMEOUT, () -> proxy.connectionCount() == 0);
    }

    @Test
    void disposeStopsListeningAndCutsConnections() throws IOException {
        Socket client = connect();
        assertEchoes(client, "last words");
        Connection serverSide = echo.connections.peek();
        InetSocketAddress address = proxy.address();

        proxy.disposeNow(TIMEOUT);
        assertThat(proxy.isDisposed()).isTrue();
        serverSide.onDispose().block(TIMEOUT);
        assertThatThrownBy(() -> new Socket(address.getHostString(), address.getPort()).close())
                .isInstanceOf(ConnectException.class);
    }

    // ---------------------------------------------------------------- fixtures

    private record Upstream(DisposableServer server, Queue<Connection> connections, AtomicLong bytesReceived) {
        InetSocketAddress address() {
            return (InetSocketAddress) server.address();
        }
    }

    private Upstream echoServer() {
        Queue<Connection> connections = new ConcurrentLinkedQueue<>();
        AtomicLong received = new AtomicLong();
        DisposableServer server = TcpServer.create()
                .host("127.0.0.1")
                .port(0)
                .doOnConnection(connections::add)
                .handle((in, out) -> out.send(in.receive()
                        .retain()
                        .doOnNext(buf -> received.addAndGet(buf.readableBytes()))))
                .bindNow(TIMEOUT);
        Upstream upstream = new Upstream(server, connections, received);
        upstreams.add(upstream);
        return upstream;
    }

    /** A server that sends {@code total} bytes of {@link #firehosePayload(int)} as fast as it may, then closes. */
    private Upstream firehoseServer(int total) {
        byte[] payload = firehosePayload(total);
        int chunk = 64 * 1024;
        DisposableServer server = TcpServer.create()
                .host("127.0.0.1")
                .port(0)
                .handle((in, out) -> out.send(Flux.range(0, total / chunk)
                        .map(i -> Unpooled.wrappedBuffer(payload, i * chunk, chunk))))
                .bindNow(TIMEOUT);
        Upstream upstream = new Upstream(server, new ConcurrentLinkedQueue<>(), new AtomicLong());
        upstreams.add(upstream);
        return upstream;
    }

    private static byte[] firehosePayload(int total) {
        byte[] payload = new byte[total];
        new Random(99).nextBytes(payload);
        return payload;
    }

    private static FaultProxy startProxy(FaultProxyOptions options) {
        return FaultProxy.start(options).block(TIMEOUT);
    }

    private Socket connect() throws IOException {
        Socket socket = new Socket(proxy.address().getHostString(), proxy.port());
        socket.setSoTimeout((int) TIMEOUT.toMillis());
        sockets.add(socket);
        return socket;
    }

    /** Sends {@code payload} in random chunks through the proxy and checks that the echo is the same bytes. */
    private Mono<Boolean> echoThroughProxy(byte[] payload, Random chunking) {
        List<ByteBuf> chunks = new ArrayList<>();
        for (int offset = 0; offset < payload.length; ) {
            int length = Math.min(payload.length - offset, 1 + chunking.nextInt(64 * 1024));
            chunks.add(Unpooled.wrappedBuffer(payload, offset, length));
            offset += length;
        }
        byte[] expected = sha256(payload);
        return TcpClient.create()
                .remoteAddress(() -> proxy.address())
                .connect()
                .flatMap(connection -> {
                    MessageDigest digest = newSha256();
                    AtomicLong count = new AtomicLong();
                    Mono<Boolean> received = connection.inbound().receive()
                            .asByteArray()
                            .doOnNext(bytes -> {
                                digest.update(bytes);
                                count.addAndGet(bytes.length);
                            })
                            .takeUntil(bytes -> count.get() >= payload.length)
                            .then(Mono.fromCallable(() -> count.get() == payload.length
                                    && Arrays.equals(digest.digest(), expected)));
                    connection.outbound().send(Flux.fromIterable(chunks)).then().subscribe();
                    return received.doFinally(signal -> connection.dispose());
                });
    }

    private static void assertEchoes(Socket socket, String text) throws IOException {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        socket.getOutputStream().write(bytes);
        assertThat(socket.getInputStream().readNBytes(bytes.length)).isEqualTo(bytes);
    }

    private static byte[] readUntilClosed(InputStream in) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buffer = new byte[64 * 1024];
        for (int n; (n = in.read(buffer)) >= 0; ) {
            out.write(buffer, 0, n);
        }
        return out.toByteArray();
    }

    private static byte[] sha256(byte[] bytes) {
        return newSha256().digest(bytes);
    }

    private static MessageDigest newSha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
