package dev.tether.client;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tether.client.internal.TetherClients;
import dev.tether.protocol.Sequenced;
import java.net.URI;
import java.util.Optional;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * A connection to a Tether gateway whose session survives reconnects: messages are neither lost nor duplicated in
 * either direction.
 *
 * <p>Every method may be called from any thread. The client confines its mutable state behind one lock held only
 * for short, non-blocking sections; the Reactor signals it emits ({@link #states()}, {@link #events()},
 * {@link #messages()}) are serialized, and may arrive on a Netty event loop or a scheduler thread, so subscribers
 * must not block.
 *
 * <p>Sending: {@link #send(String)} numbers the message with the next client sequence number ({@code cseq}) and puts
 * it in a bounded outbox; it is written at once when connected, or after the next handshake otherwise, and leaves
 * the outbox when the gateway acknowledges it. After every {@code welcome} the client resends, in order, each
 * message the gateway has not stored.
 *
 * <p>Receiving: {@link #messages()} delivers each sequenced frame once and in seq order across reconnects; the
 * client acknowledges cumulatively in batches.
 */
public interface TetherClient {

    /** A client for the given options; nothing happens until {@link #connect()} is subscribed. */
    static TetherClient create(TetherClientOptions options) {
        return TetherClients.create(options);
    }

    /** A client with default options for one endpoint. */
    static TetherClient create(URI endpoint) {
        return create(TetherClientOptions.of(endpoint));
    }

    /**
     * Starts connecting, if the client is {@link ConnectionState#IDLE} or {@link ConnectionState#FAILED}, and
     * completes once connected. It fails when the client ends up {@code FAILED}, closed or disconnected first.
     * A client that has a session (from an earlier connection or {@code resumeFrom}) resumes it.
     */
    Mono<Void> connect();

    /**
     * Sends a user message; the Mono emits the message's final cseq once the gateway has stored it.
     *
     * <p>The message enters the outbox on subscription; cancelling afterwards does not take it back. It fails
     * with {@link OutboxFullException} when the outbox is full, {@link MessageTooBigException} when it exceeds the
     * frame limit, {@link ConnectionFailedException} when the client failed, {@link ClientClosedException} when it
     * is closed, and {@link SessionLostException} when a resume failed under {@link OutboxOnResumeFailure#FAIL}.
     * After a failed resume under {@link OutboxOnResumeFailure#RESEND} the cseq is the one in the new session.
     */
    Mono<Long> send(String text);

    /** Sends an application event; otherwise like {@link #send(String)}. */
    Mono<Long> sendEvent(String name, JsonNode data);

    /** Asks the gateway to stop the reply to user message {@code replyTo}; otherwise like {@link #send(String)}. */
    Mono<Long> cancel(long replyTo);

    /**
     * The gateway's sequenced frames, each once and in seq order across reconnects. Hot: frames received before
     * the first subscription are buffered, later subscribers see only later frames. Completes when the client is
     * closed. A subscriber that falls more than a buffer behind makes the client reconnect and replay from the
     * session log rather than drop a frame. A reply ends with an {@link dev.tether.protocol.AssistantDone}, whose
     * {@link dev.tether.protocol.AssistantDone#error() error()} tells why a failed reply failed and whose
     * {@link dev.tether.protocol.AssistantDone#usage() usage()} what it cost, when the gateway knows, and whose
     * {@link dev.tether.protocol.AssistantDone#continued() continued()} how many times it was taken over from a gateway
     * node that died while producing it and continued by another (0 for none).
     */
    Flux<Sequenced> messages();

    /** The state transitions; a new subscriber first receives the latest one. Completes when the client is closed. */
    Flux<StateChange> states();

    /** The current state. */
    ConnectionState state();

    /**
     * Connection events: reconnecting, resumed, outbox flushed, closed, server errors. Hot; completes on close. A
     * {@link ConnectionEvent.Resumed} comes before the transition to {@link ConnectionState#CONNECTED}, so it is
     * known by the time {@link #connect()} completes.
     */
    Flux<ConnectionEvent> events();

    /** The current session, to resume it later or from another process; empty before the first {@code welcome}. */
    Optional<SessionHandle> session();

    /**
     * Drops the connection without {@code bye} and stops reconnecting; the state becomes
     * {@link ConnectionState#IDLE}. The session, the outbox and its pending sends are kept, so a later
     * {@link #connect()} resumes where this left off. Completes at once.
     */
    Mono<Void> disconnect();

    /**
     * Starts a fresh session: the current one is forgotten (the gateway is told {@code bye} when connected; the
     * session otherwise expires there), a new one is started at once, whatever the state, and the outbox is kept for
     * it or dropped as {@code outbox} says. Sequence numbers start over in the new session. Completes once connected
     * to it, and fails like {@link #connect()}; fails with {@link ClientClosedException} when the client is closed.
     */
    Mono<Void> restart(OutboxOnRestart outbox);

    /**
     * How many messages are in the outbox: sent (or queued while not connected) and not yet acknowledged by the
     * gateway. At most {@link TetherClientOptions#outboxCapacity()}.
     */
    int queueSize();

    /**
     * Ends the session for good: sends {@code bye} when connected, waits for the gateway to close (at most the
     * handshake timeout), and never reconnects. The state becomes {@link ConnectionState#CLOSED}; pending sends
     * fail with {@link ClientClosedException} and every Flux completes.
     */
    Mono<Void> close();
}
