package dev.tether.client.internal;

import dev.tether.client.ConnectionEvent;
import dev.tether.client.ConnectionState;
import dev.tether.client.StateChange;
import dev.tether.protocol.Sequenced;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Flux;
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
