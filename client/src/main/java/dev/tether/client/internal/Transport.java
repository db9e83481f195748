package dev.tether.client.internal;

import java.net.URI;
import java.util.function.Function;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/** Opens WebSocket connections; an interface so that the client's logic can be tested without sockets. */
interface Transport {

    /**
     * Opens one connection to {@code uri} on subscription and runs {@code handler} on it. The returned Flux relays
     * the handler's publisher and the connection is closed when that publisher terminates or is cancelled.
     */
    <T> Flux<T> connect(URI uri, Function<Connection, Publisher<T>> handler);

    /** One open WebSocket connection carrying text frames. */
    interface Connection {

        /** The text frames received; completes when the peer closes or the connection is cut. */
        Flux<String> receive();

        /** Writes each text frame of {@code frames}; completes when {@code frames} does. */
        Mono<Void> send(Publisher<String> frames);

        /** The peer's close frame, available once {@link #receive()} has completed; empty if there was none. */
        Mono<CloseStatus> closeStatus();
    }

    /**
     * A WebSocket close frame's content.
     *
     * @param code   the close code
     * @param reason the reason text, possibly empty
     */
    record CloseStatus(int code, String reason) {
    }
}
