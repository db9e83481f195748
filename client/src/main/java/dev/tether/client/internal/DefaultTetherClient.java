package dev.tether.client.internal;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tether.client.ConnectionClosedException;
import dev.tether.client.ConnectionEvent;
import dev.tether.client.ConnectionState;
import dev.tether.client.OutboxFullException;
import dev.tether.client.SessionHandle;
import dev.tether.client.StateChange;
import dev.tether.client.TetherClient;
import dev.tether.client.TetherClientException;
import dev.tether.client.TetherClientOptions;
import dev.tether.protocol.Cancel;
import dev.tether.protocol.ClientEvent;
import dev.tether.protocol.ClientMessage;
import dev.tether.protocol.CloseCode;
import dev.tether.protocol.FrameCodec;
import dev.tether.protocol.FrameException;
import dev.tether.protocol.Sequenced;
import dev.tether.protocol.UserMessage;
import dev.tether.protocol.Welcome;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.LongFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.core.publisher.SynchronousSink;

/**
 * The client: one lifecycle Flux per {@link #connect()}, each subscription of which is one connection, retried
 * with {@link Reconnect}; the session, outbox and delivery tracker outlive the connections.
 *
 * <p>Threading: every piece of mutable state, here and in the {@link ClientSession}, {@link ClientStreams} and
 * {@link Link} it owns, is guarded by {@link #lock}, held only for short sections that never block (writes go to a
 * per-connection unicast sink that Reactor Netty drains on its event loop).
 */
final class DefaultTetherClient implements TetherClient {

    private static final Logger log = LoggerFactory.getLogger(DefaultTetherClient.class);


    // Sizing a message with the longest possible cseq gives an upper bound that renumbering can never exceed.
    private static final long WIDEST_CSEQ = Long.MAX_VALUE;

    private final TetherClientOptions options;
    /** Checks messages as the gateway will, so that none it would refuse reaches the outbox. */
    private final FrameCodec codec;
    private final Transport transport;
    private final List<URI> endpoints;

    private final Object lock = new Object();
    private final Link.Owner linkOwner = new LinkOwner();

    // Everything below is guarded by lock.
    private final ClientStreams streams = new ClientStreams();
    private final ClientSession session;
    private final Outbox outbox;
    private Run run;
    private Link link;
    private long connectAttempts;
    private Throwable lastFailure;
    private boolean closeRequested;

    DefaultTetherClient(TetherClientOptions options, Transport transport) {
        this.options = Objects.requireNonNull(options, "options");
        this.codec = new FrameCodec(options.maxFrameBytes());
        this.transport = Objects.requireNonNull(transport, "transport");
        this.endpoints = options.endpoints();
        this.session = new ClientSession(options);
        this.outbox = session.outbox();
    }

    // ------------------------------------------------------------------------------------------------ public API

    @Override
    public Mono<Void> connect() {
        return Mono.defer(() -> {
            synchronized (lock) {
                if (streams.state() == ConnectionState.CLOSED || closeRequested) {
                    return Mono.error(TetherClientException.clientClosed());
                }
                if (run == null) {
                    start();
                }
            }
            return streams.states()
                    .map(StateChange::current)
                    .filter(current -> current != ConnectionState.CONNECTING
                            && current != ConnectionState.RECONNECTING)
                    .next()
                    .flatMap(this::connectOutcome);
        });
    }

    private Mono<Void> connectOutcome(ConnectionState settled) {
        return switch (settled) {
            case CONNECTED -> Mono.empty();
            case FAILED -> Mono.error(lastFailure());
            case IDLE -> Mono.error(TetherClientException.disconnected());
            case CLOSED, CONNECTING, RECONNECTING -> Mono.error(TetherClientException.clientClosed());
        };
    }

    @Override
    public Mono<Long> send(String text) {
        Objects.requireNonNull(text, "text");
        return enqueue(cseq -> new UserMessage(cseq, text));
    }

    @Override
    public Mono<Long> sendEvent(String name, JsonNode data) {
        Objects.requireNonNull(name, "name");
        if (name.isEmpty()) {
            throw new IllegalArgumentException("name must not be empty");
        }
        return enqueue(cseq -> new ClientEvent(cseq, name, data));
    }

    @Override
    public Mono<Long> cancel(long replyTo) {
        if (replyTo < 1) {
            throw new IllegalArgumentException("replyTo must be a cseq >= 1, got " + replyTo);
        }
        return enqueue(cseq -> new Cancel(cseq, replyTo));
    }

    @Override
    public Flux<Sequenced> messages() {
        return streams.messages();
    }

    @Override
    public Flux<StateChange> states() {
        return streams.states();
    }

    @Override
    public ConnectionState state() {
        synchronized (lock) {
            return streams.state();
        }
    }

    @Override
    public Flux<ConnectionEvent> events() {
        return streams.events();
    }

    @Override
    public Optional<SessionHandle> session() {
        synchronized (lock) {
            return session.handle();
        }
    }

    @Override
    public Mono<Void> disconnect() {
        return Mono.fromRunnable(() -> {
            synchronized (lock) {
                if (streams.state() == ConnectionState.CLOSED || run == null) {
                    return;
                }
                stopRun();
                streams.transition(ConnectionState.IDLE);
            }
        });
    }

    @Override
    public Mono<Void> close() {
        return Mono.defer(() -> {
            List<Outbox.Entry> failed = List.of();
            synchronized (lock) {
                if (streams.state() != ConnectionState.CLOSED && !closeRequested) {
                    closeRequested = true;
                    Link current = link;
                    if (current != null && current.isWelcomed()) {
                        // The gateway answers bye by closing with 1000, which ends the lifecycle normally.
                        Run closing = run;
                        current.bye(() -> forceClose(closing));
                    } else {
                        stopRun();
                        failed = finishClosed();
                    }
                }
            }
            failAll(failed, TetherClientException.clientClosed());
            return streams.states().then();
        });
    }

    // ------------------------------------------------------------------------------------------------ sending

    private Mono<Long> enqueue(LongFunction<ClientMessage> factory) {
        return Mono.defer(() -> {
            try {
                codec.check(factory.apply(WIDEST_CSEQ));
            } catch (FrameException refused) {
                // The gateway would answer validation_error and never acknowledge it: queued, it would block the
                // outbox for good, resent after every welcome.
                return Mono.error(refused.isTooLarge() ? TetherClientException.messageTooBig(refused.getMessage())
                        : new IllegalArgumentException(refused.getMessage()));
            }
            Sinks.One<Long> result = Sinks.one();
            synchronized (lock) {
                if (streams.state() == ConnectionState.CLOSED || closeRequested) {
                    return Mono.error(TetherClientException.clientClosed());
                }
                if (streams.state() == ConnectionState.FAILED) {
                    return Mono.error(TetherClientException.notConnected(lastFailure));
                }
                ClientMessage message;
                try {
                    message = outbox.offer(factory, result);
                } catch (OutboxFullException full) {
                    return Mono.error(full);
                }
                if (link != null && link.isWelcomed()) {
                    link.write(message);
                }
            }
            return result.asMono();
        });
    }

    // ------------------------------------------------------------------------------------------------ lifecycle

    /** Starts a lifecycle: connect, and reconnect per the policy until stopped or given up. Holds the lock. */
    private void start() {
        Run started = new Run();
        run = started;
        lastFailure = null;
        streams.transition(ConnectionState.CONNECTING);
        Reconnect.Listener listener = new Reconnect.Listener() {
            @Override
            public void retrying(long attempt, Throwable failure) {
                synchronized (lock) {
                    if (run == started) {
                        log.debug("connection attempt failed, reconnecting (attempt {}): {}", attempt,
                                failure.toString());
                        streams.transition(ConnectionState.RECONNECTING);
                    }
                }
            }

            @Override
            public void waiting(long attempt, Duration delay) {
                synchronized (lock) {
                    if (run == started) {
                        streams.emit(new ConnectionEvent.Reconnecting(attempt, options.maxReconnectAttempts(),
                                delay));
                    }
                }
            }
        };
        Disposable subscription = Reconnect.reconnecting(Flux.defer(() -> openLink(started)), options, failure -> {
                    synchronized (lock) {
                        return run == started && !closeRequested;
                    }
                }, listener)
                .subscribe(welcome -> { }, error -> lifecycleFailed(started, error), () -> lifecycleEnded(started));
        started.subscription = subscription;
        if (started.stopped) {
            // Stopped from a callback while subscribing: the dispose in stopRun() had nothing to dispose yet.
            subscription.dispose();
        }
    }

    /** Stops the running lifecycle without waiting for anything. Holds the lock. */
    private void stopRun() {
        Run stopping = run;
        run = null;
        if (stopping == null) {
            return;
        }
        stopping.stopped = true;
        if (link != null) {
            link.stop();
        }
        if (stopping.subscription != null) {
            stopping.subscription.dispose();
        }
    }

    private void forceClose(Run closing) {
        List<Outbox.Entry> failed = List.of();
        synchronized (lock) {
            if (run == closing && streams.state() != ConnectionState.CLOSED) {
                log.debug("the gateway did not close after bye; closing the connection");
                stopRun();
                failed = finishClosed();
            }
        }
        failAll(failed, TetherClientException.clientClosed());
    }

    private void lifecycleFailed(Run ended, Throwable error) {
        List<Outbox.Entry> failed;
        Throwable failure;
        synchronized (lock) {
            if (run != ended) {
                return;
            }
            run = null;
            if (closeRequested || (error instanceof ConnectionClosedException closed
                    && closed.closeCode() == CloseCode.NORMAL)) {
                failure = TetherClientException.clientClosed();
                failed = finishClosed();
            } else {
                failure = Reconnect.givenUp(error);
                log.warn("giving up on the connection: {}", failure.getMessage());
                lastFailure = failure;
                failed = outbox.drain();
                streams.transition(ConnectionState.FAILED);
            }
        }
        failAll(failed, failure);
    }

    private void lifecycleEnded(Run ended) {
        List<Outbox.Entry> failed = List.of();
        synchronized (lock) {
            if (run != ended) {
                return;
            }
            run = null;
            if (closeRequested) {
                failed = finishClosed();
            } else {
                streams.transition(ConnectionState.IDLE);
            }
        }
        failAll(failed, TetherClientException.clientClosed());
    }

    /** Moves to CLOSED and completes every Flux; returns the sends to fail. Holds the lock. */
    private List<Outbox.Entry> finishClosed() {
        if (streams.state() == ConnectionState.CLOSED) {
            return List.of();
        }
        closeRequested = true;
        List<Outbox.Entry> pending = outbox.drain();
        streams.transition(ConnectionState.CLOSED);
        streams.complete();
        return pending;
    }

    private Throwable lastFailure() {
        synchronized (lock) {
            return lastFailure != null ? lastFailure : TetherClientException.notConnected(null);
        }
    }

    // ------------------------------------------------------------------------------------------------ one connection

    private Flux<Welcome> openLink(Run owner) {
        URI uri;
        synchronized (lock) {
            if (run != owner) {
                return Flux.empty();
            }
            uri = endpoints.get((int) Math.floorMod(connectAttempts++, (long) endpoints.size()));
        }
        log.debug("connecting to {}", uri);
        return transport.connect(uri, connection -> runLink(owner, connection));
    }

    private Flux<Welcome> runLink(Run owner, Transport.Connection connection) {
        Link current = new Link(options, lock, session.outbox(), session.tracker(), linkOwner);
        synchronized (lock) {
            if (run != owner) {
                return Flux.empty();
            }
            link = current;
            current.hello(session.hello());
        }
        return current.run(connection);
    }

    private void onWelcome(Link current, Welcome welcome, SynchronousSink<Welcome> sink) {
        ClientSession.Handshake handshake;
        synchronized (lock) {
            if (current.hasEnded()) {
                return;
            }
            handshake = session.welcome(welcome, current.resumeRequested());
            current.welcomed(Duration.ofMillis(welcome.heartbeatMs()));
            lastFailure = null;
            // The outcome of the resume first: whoever waits for CONNECTED (connect() does) then knows it.
            if (current.resumeRequested()) {
                streams.emit(new ConnectionEvent.Resumed(welcome.resumed(), handshake.failure(),
                        handshake.replayed()));
            }
            streams.transition(ConnectionState.CONNECTED);
            int resent = current.resendUnacked();
            if (resent > 0) {
                streams.emit(new ConnectionEvent.OutboxFlushed(resent));
            }
        }
        handshake.acked().forEach(Outbox.Entry::complete);
        if (handshake.failure() != null) {
            failAll(handshake.lost(), TetherClientException.sessionLost(handshake.failure()));
        }
        // Emitting after each handshake is what restarts the reconnect attempt count.
        sink.next(welcome);
    }

    // ------------------------------------------------------------------------------------------------ helpers

    private static void failAll(List<Outbox.Entry> entries, Throwable error) {
        entries.forEach(entry -> entry.fail(error));
    }

    /** One lifecycle started by connect(). */
    private static final class Run {
        volatile Disposable subscription;
        volatile boolean stopped;
    }

    /** What the client's links call back. */
    private final class LinkOwner implements Link.Owner {

        @Override
        public void welcomed(Link current, Welcome welcome, SynchronousSink<Welcome> sink) {
            onWelcome(current, welcome, sink);
        }

        @Override
        public Sinks.EmitResult deliver(Sequenced frame) {
            return streams.deliver(frame);
        }

        @Override
        public void emit(ConnectionEvent event) {
            streams.emit(event);
        }

        @Override
        public void ended(Link ended) {
            if (link == ended) {
                link = null;
            }
        }
    }
}
