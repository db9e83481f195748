package dev.tether.client.internal;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.function.Function;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.netty.http.client.HttpClient;
import reactor.netty.http.client.WebsocketClientSpec;
import reactor.netty.http.websocket.WebsocketInbound;
import reactor.netty.http.websocket.WebsocketOutbound;

/** The transport over Reactor Netty's WebSocket client. */
final class NettyTransport implements Transport {

    private final HttpClient http;
    private final WebsocketClientSpec spec;
    private final int maxFrameBytes;

    NettyTransport(int maxFrameBytes) {
        this.maxFrameBytes = maxFrameBytes;
        // A WebSocket holds its connection for life: a pool (capped at 16 per address by default) only adds an
        // acquire queue. The event loops are Reactor Netty's shared ones, however many clients there are.
        this.http = HttpClient.newConnection();
        this.spec = WebsocketClientSpec.builder().maxFramePayloadLength(maxFrameBytes).build();
    }

    @Override
    public <T> Flux<T> connect(URI uri, Function<Connection, Publisher<T>> handler) {
        return http.websocket(spec)
                .uri(uri)
                .handle((in, out) -> handler.apply(new NettyConnection(in.aggregateFrames(maxFrameBytes), out)));
    }

    private record NettyConnection(WebsocketInbound in, WebsocketOutbound out) implements Connection {

        @Override
        public Flux<String> receive() {
            // asString copies each frame out of its buffer, which Reactor Netty then releases.
            return in.receive().asString(StandardCharsets.UTF_8);
        }

        @Override
        public Mono<Void> send(Publisher<String> frames) {
            return out.sendString(frames, StandardCharsets.UTF_8).then();
        }

        @Override
        public Mono<CloseStatus> closeStatus() {
            return in.receiveCloseStatus().map(status -> new CloseStatus(status.code(), status.reasonText()));
        }
    }
}
