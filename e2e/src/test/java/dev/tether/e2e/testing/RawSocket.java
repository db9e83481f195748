package dev.tether.e2e.testing;

import dev.tether.protocol.ClientFrame;
import dev.tether.protocol.FrameCodec;
import dev.tether.protocol.ServerFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketCloseStatus;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import reactor.core.Disposable;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.netty.http.client.HttpClient;

/**
 * A raw WebSocket peer that speaks only when told to: it never answers pings, so to the gateway it looks like a
 * client behind a half-open connection. Records every frame and the close status it receives.
 */
public final class RawSocket implements AutoCloseable {

    public static final Duration TIMEOUT = Duration.ofSeconds(15);
    private static final FrameCodec CODEC = new FrameCodec();

    private final BlockingQueue<ServerFrame> received = new LinkedBlockingQueue<>();
    private final List<ServerFrame> all = java.util.Collections.synchronizedList(new ArrayList<>());
    private final Sinks.Many<WebSocketFrame> outgoing = Sinks.many().unicast().onBackpressureBuffer();
    private final Sinks.One<WebSocketCloseStatus> closeStatus = Sinks.one();
    private final Sinks.One<Boolean> connected = Sinks.one();
    private final Disposable session;

    private RawSocket(URI uri) {
        session = HttpClient.create()
                .websocket()
                .uri(uri)
                .handle((in, out) -> {
                    connected.tryEmitValue(true);
                    in.receiveCloseStatus().subscribe(closeStatus::tryEmitValue);
                    Mono<Void> reading = in.aggregateFrames().receiveFrames()
                            .doOnNext(frame -> {
                                if (frame instanceof TextWebSocketFrame text) {
                                    ServerFrame decoded = CODEC.decodeServer(text.text());
                                    all.add(decoded);
                                    received.add(decoded);
                                }
                            })
                            .then();
                    return Mono.when(reading, out.sendObject(outgoing.asFlux()).then());
                })
                .subscribe(null, error -> closeStatus.tryEmitValue(WebSocketCloseStatus.ABNORMAL_CLOSURE),
                        () -> closeStatus.tryEmitValue(WebSocketCloseStatus.ABNORMAL_CLOSURE));
        connected.asMono().block(TIMEOUT);
    }

    public static RawSocket connect(URI uri) {
        return new RawSocket(uri);
    }

    public void send(ClientFrame frame) {
        outgoing.emitNext(new TextWebSocketFrame(CODEC.encode(frame)), Sinks.EmitFailureHandler.busyLooping(TIMEOUT));
    }

    /** The next frame of this type, skipping others (pings, acks). */
    public <T extends ServerFrame> T next(Class<T> type) {
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        try {
            while (true) {
                long left = deadline - System.nanoTime();
                ServerFrame frame = left > 0 ? received.poll(left, TimeUnit.NANOSECONDS) : null;
                if (frame == null) {
                    throw new AssertionError("no " + type.getSimpleName() + " within " + TIMEOUT);
                }
                if (type.isInstance(frame)) {
                    return type.cast(frame);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Every frame received so far. */
    public List<ServerFrame> frames() {
        synchronized (all) {
            return List.copyOf(all);
        }
    }

    /** The close status, waiting at most {@code timeout}. */
    public WebSocketCloseStatus awaitClose(Duration timeout) {
        WebSocketCloseStatus status = closeStatus.asMono().block(timeout);
        if (status == null) {
            throw new AssertionError("not closed within " + timeout);
        }
        return status;
    }

    @Override
    public void close() {
        session.dispose();
    }
}
