package dev.tether.client.internal;

import dev.tether.client.ConnectionEvent;
import dev.tether.client.ConnectionState;
import dev.tether.client.StateChange;
import dev.tether.client.TetherClientException;
import java.util.function.IntSupplier;
import java.util.function.Supplier;
import dev.tether.protocol.Sequenced;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;

/**
 * What a client publishes: the frames on {@code messages()}, its {@link ConnectionState} and the changes of it on
 * {@code states()}, and the {@code events()}.
 *
 * <p>Not thread-safe: the client emits only while holding its lock, so the signals of each stream are serialized
 * and ordered; the lock is reentrant, so a subscriber may call back into the client.
 */
final class ClientStreams {

    private static final Logger log = LoggerFactory.getLogger(ClientStreams.class);

    /** Frames buffered for a slow or absent messages() subscriber before the client resumes instead. */
    static final int MESSAGE_BUFFER = 1024;

    private static final int EVENT_BUFFER = 256;

    private final Sinks.Many<Sequenced> messages = Sinks.many().multicast().onBackpressureBuffer(MESSAGE_BUFFER, false);
    private final Sinks.Many<StateChange> states = Sinks.many().replay().latest();
    private final Sinks.Many<ConnectionEvent> events =
            Sinks.many().multicast().onBackpressureBuffer(EVENT_BUFFER, false);
    private ConnectionState state = ConnectionState.IDLE;

    Flux<Sequenced> messages() {
        return messages.asFlux();
    }

    Flux<StateChange> states() {
        return states.asFlux();
    }

    Flux<ConnectionEvent> events() {
        return events.asFlux();
    }

    ConnectionState state() {
        return state;
    }

    /**
     * Completes when the client is next connected; fails when it settles in another state first: with
     * {@code failure}'s error when it failed.
     */
    Mono<Void> settled(Supplier<Throwable> failure) {
        return states()
                .map(StateChange::current)
                .filter(current -> current != ConnectionState.CONNECTING && current != ConnectionState.RECONNECTING)
                .next()
                .flatMap(settled -> switch (settled) {
                    case CONNECTED -> Mono.<Void>empty();
                    case FAILED -> Mono.error(failure.get());
                    case IDLE -> Mono.error(TetherClientException.disconnected());
                    case CLOSED, CONNECTING, RECONNECTING -> Mono.error(TetherClientException.clientClosed());
                });
    }

    /** Moves to {@code next}, which must be {@link StateTransitions#check legal}; staying put publishes nothing. */
    void transition(ConnectionState next) {
        if (state == next) {
            return;
        }
        StateTransitions.check(state, next);
        StateChange change = new StateChange(state, next);
        state = next;
        log.debug("state {}", change);
        states.tryEmitNext(change);
    }

    /**
     * Publishes a handshake: the outcome of the resume, if one was asked for, first (whoever waits for CONNECTED,
     * as connect() does, then knows it), then CONNECTED, then how many messages {@code resend} wrote again.
     */
    void connected(ConnectionEvent.Resumed resumed, IntSupplier resend) {
        if (resumed != null) {
            emit(resumed);
        }
        transition(ConnectionState.CONNECTED);
        int resent = resend.getAsInt();
        if (resent > 0) {
            emit(new ConnectionEvent.OutboxFlushed(resent));
        }
    }

    /** Publishes an event, or drops it for a subscriber too slow to take it. */
    void emit(ConnectionEvent event) {
        Sinks.EmitResult result = events.tryEmitNext(event);
        if (result == Sinks.EmitResult.FAIL_OVERFLOW) {
            log.debug("events() subscriber too slow, dropped {}", event);
        }
    }

    /** Passes a frame to {@code messages()}; {@link Sinks.EmitResult#FAIL_OVERFLOW} when its buffer is full. */
    Sinks.EmitResult deliver(Sequenced frame) {
        return messages.tryEmitNext(frame);
    }

    /** Completes every stream: the client is closed. */
    void complete() {
        messages.tryEmitComplete();
        events.tryEmitComplete();
        states.tryEmitComplete();
    }
}
