package dev.tether.gateway.testing;

import dev.tether.protocol.ClientFrame;
import dev.tether.protocol.FrameCodec;
import dev.tether.protocol.ServerFrame;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketCloseStatus;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import reactor.core.Disposable;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.netty.Connection;
import reactor.netty.http.client.HttpClient;
import reactor.netty.http.client.WebsocketClientSpec;

/**
 * A raw WebSocket client for tests: sends whatever text or bytes it is given, and records every text frame and the
 * close status it receives. It never answers pings, so it behaves like a silent peer unless the test speaks.
 */
public final class TestSocket implements AutoCloseable {

    public static final Duration TIMEOUT = Duration.ofSeconds(10);

    private static final FrameCodec CODEC = new FrameCodec();

    private final BlockingQueue<String> received = new LinkedBlockingQueue<>();
    private final Sinks.Many<WebSocketFrame> outgoing = Sinks.many().unicast().onBackpressureBuffer();
    private final Sinks.One<WebSocketCloseStatus> closeStatus = Sinks.one();
    private final Sinks.One<Connection> connected = Sinks.one();
    private final Disposable session;

    private TestSocket(String uri, int maxFrame, Map<String, String> headers) {
        session = HttpClient.create()
                .headers(h -> headers.forEach(h::set))
                .websocket(WebsocketClientSpec.builder().maxFramePayloadLength(maxFrame).build())
                .uri(uri)
                .handle((in, out) -> {
                    in.withConnection(connected::tryEmitValue);
                    in.receiveCloseStatus().subscribe(closeStatus::tryEmitValue);
                    Mono<Void> reading = in.aggregateFrames(maxFrame).receiveFrames()
                            .doOnNext(frame -> {
                                if (frame instanceof TextWebSocketFrame text) {
                                    received.add(text.text());
                                }
                            })
                            .then();
                    return Mono.when(reading, out.sendObject(outgoing.asFlux()).then());
                })
                .subscribe(null, error -> closeStatus.tryEmitValue(WebSocketCloseStatus.ABNORMAL_CLOSURE),
                        () -> closeStatus.tryEmitValue(WebSocketCloseStatus.ABNORMAL_CLOSURE));
        connected.asMono().block(TIMEOUT);
    }

    /** Opens a WebSocket to {@code uri}, waiting until it is upgraded. */
    public static TestSocket connect(String uri) {
        return connect(uri, Map.of());
    }

    /** Opens a WebSocket to {@code uri} with these headers on the upgrade request. */
    public static TestSocket connect(String uri, Map<String, String> headers) {
        return new TestSocket(uri, 1024 * 1024, headers);
    }

    /**
     * Opens a WebSocket to {@code uri} that accepts frames of at most {@code maxFrameBytes}, as a client enforcing
     * the protocol's limit does: a larger frame from the server closes it with 1009.
     */
    public static TestSocket connect(String uri, int maxFrameBytes) {
        return new TestSocket(uri, maxFrameBytes, Map.of());
    }

    public void send(ClientFrame frame) {
        sendText(CODEC.encode(frame));
    }

    public void sendText(String text) {
        outgoing.emitNext(new TextWebSocketFrame(text), Sinks.EmitFailureHandler.busyLooping(TIMEOUT));
    }

    public void sendBinary(byte[] bytes) {
        outgoing.emitNext(new BinaryWebSocketFrame(Unpooled.wrappedBuffer(bytes)),
                Sinks.EmitFailureHandler.busyLooping(TIMEOUT));
    }

    /** The next frame from the server. */
    public ServerFrame next() {
        String text = nextText();
        return CODEC.decodeServer(text);
    }

    /** The next frame from the server, of this type. */
    public <T extends ServerFrame> T next(Class<T> type) {
        ServerFrame frame = next();
        if (!type.isInstance(frame)) {
            throw new AssertionError("expected " + type.getSimpleName() + ", got " + frame);
        }
        return type.cast(frame);
    }

    /** The next frame from the server that matches, skipping the others (pings, acks...). */
    public <T extends ServerFrame> T nextMatching(Class<T> type, Predicate<? super T> condition) {
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            ServerFrame frame = next();
            if (type.isInstance(frame) && condition.test(type.cast(frame))) {
                return type.cast(frame);
            }
        }
        throw new AssertionError("no matching " + type.getSimpleName() + " within " + TIMEOUT);
    }

    /** Collects frames of this type until one matches {@code last}, which is included. */
    public <T extends ServerFrame> List<T> collectUntil(Class<T> type, Predicate<? super T> last) {
        List<T> frames = new ArrayList<>();
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            ServerFrame frame = next();
            if (type.isInstance(frame)) {
                T typed = type.cast(frame);
                frames.add(typed);
                if (last.test(typed)) {
                    return frames;
                }
            }
        }
        throw new AssertionError("no last " + type.getSimpleName() + " within " + TIMEOUT + "; got " + frames);
    }

    public String nextText() {
        try {
            String text = received.poll(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            if (text == null) {
                throw new AssertionError("no frame within " + TIMEOUT + " (close status: "
                        + closeStatus.asMono().block(Duration.ofMillis(1)) + ")");
            }
            return text;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /** Text frames received and not yet taken. */
    public List<String> drain() {
        List<String> frames = new ArrayList<>();
        received.drainTo(frames);
        return frames;
    }

    /** The close status the server sent, waiting for it. */
    public WebSocketCloseStatus awaitClose() {
        return awaitClose(TIMEOUT);
    }

    public WebSocketCloseStatus awaitClose(Duration timeout) {
        WebSocketCloseStatus status = closeStatus.asMono().block(timeout);
        if (status == null) {
            throw new AssertionError("no close within " + timeout);
        }
        return status;
    }

    /** Cuts the TCP connection without a close frame, like a network failure. */
    public void abort() {
        Connection connection = connected.asMono().block(TIMEOUT);
        connection.channel().close();
        closeStatus.asMono().onErrorResume(e -> Mono.empty()).block(TIMEOUT);
    }

    @Override
    public void close() {
        outgoing.tryEmitComplete();
        session.dispose();
    }
}
