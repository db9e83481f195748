package dev.tether.client.internal;

import dev.tether.protocol.ClientFrame;
import dev.tether.protocol.FrameCodec;
import dev.tether.protocol.ServerFrame;
import java.net.ConnectException;
import java.net.URI;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;

/**
 * An in-memory transport for unit tests: each connection is a pair of sinks the test drives as the gateway would,
 * so the whole client runs without sockets and under virtual time.
 */
final class FakeTransport implements Transport {

    private static final FrameCodec CODEC = new FrameCodec();

    final List<URI> dialed = new CopyOnWriteArrayList<>();
    final List<FakeConnection> connections = new CopyOnWriteArrayList<>();
    volatile boolean refusing;

    @Override
    public <T> Flux<T> connect(URI uri, Function<Connection, Publisher<T>> handler) {
        return Flux.defer(() -> {
            dialed.add(uri);
            if (refusing) {
                return Flux.error(new ConnectException("connection refused (test)"));
            }
            FakeConnection connection = new FakeConnection();
            connections.add(connection);
            return Flux.from(handler.apply(connection)).doFinally(signal -> connection.open = false);
        });
    }

    FakeConnection last() {
        return connections.get(connections.size() - 1);
    }

    /** One connection as the gateway sees it. */
    static final class FakeConnection implements Connection {

        private final Sinks.Many<String> inbound = Sinks.many().unicast().onBackpressureBuffer();
        private final Sinks.One<CloseStatus> close = Sinks.one();
        final List<ClientFrame> received = new CopyOnWriteArrayList<>();
        volatile boolean open = true;

        @Override
        public Flux<String> receive() {
            return inbound.asFlux();
        }

        @Override
        public Mono<Void> send(Publisher<String> frames) {
            return Flux.from(frames).doOnNext(text -> received.add(CODEC.decodeClient(text))).then();
        }

        @Override
        public Mono<CloseStatus> closeStatus() {
            return close.asMono();
        }

        /** Sends a frame to the client. */
        FakeConnection push(ServerFrame... frames) {
            for (ServerFrame frame : frames) {
                inbound.emitNext(CODEC.encode(frame), Sinks.EmitFailureHandler.FAIL_FAST);
            }
            return this;
        }

        /** Sends raw text to the client. */
        FakeConnection pushText(String text) {
            inbound.emitNext(text, Sinks.EmitFailureHandler.FAIL_FAST);
            return this;
        }

        /** Closes with a close frame. */
        FakeConnection close(int code, String reason) {
            close.tryEmitValue(new CloseStatus(code, reason));
            inbound.tryEmitComplete();
            return this;
        }

        /** Cuts the connection: no close frame. */
        void cut() {
            close.tryEmitEmpty();
            inbound.tryEmitComplete();
        }

        <F extends ClientFrame> List<F> received(Class<F> type) {
            return received.stream().filter(type::isInstance).map(type::cast).toList();
        }
    }
}
