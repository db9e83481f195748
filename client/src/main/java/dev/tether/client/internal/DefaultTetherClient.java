package dev.tether.client.internal;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tether.client.ConnectionClosedException;
import dev.tether.client.ConnectionEvent;
import dev.tether.client.ConnectionState;
import dev.tether.client.OutboxFullException;
import dev.tether.client.OutboxOnRestart;
import dev.tether.client.SessionHandle;
import dev.tether.client.StateChange;
import dev.tether.client.TetherClient;
import dev.tether.client.TetherClientException;
import dev.tether.client.TetherClientOptions;
import dev.tether.protocol.Cancel;
import dev.tether.protocol.ClientEvent;
import dev.tether.protocol.ClientMessage;
import dev.tether.protocol.CloseCode;
import dev.tether.protocol.Hello;
import dev.tether.protocol.Sequenced;
import dev.tether.protocol.UserMessage;
import dev.tether.protocol.Welcome;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.LongFunction;
import java.util.function.Supplier;
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
final class DefaultTetherClient implements TetherClient, Link.Owner {

    private static final Logger log = LoggerFactory.getLogger(DefaultTetherClient.class);

    private final TetherClientOptions options;
    private final Transport transport;
    private final List<URI> endpoints;

    private final Object lock = new Object();

    // Everything below is guarded by lock.
    private final ClientStreams streams = new ClientStreams();
    private final ClientSession session;
    private final Outbox outbox;
    private Run run;
    private Link link;
    /** Closes with 4001 since the last welcome, each followed by a new token; guarded by lock. */
    private int unauthorizedInARow;
    private long connectAttempts;
    private Throwable lastFailure;
    private boolean closeRequested;

    DefaultTetherClient(TetherClientOptions options, Transport transport) {
        this.options = Objects.requireNonNull(options, "options");
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
            return streams.settled(this::lastFailure);
        });
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
    public Mono<Void> restart(OutboxOnRestart outboxOnRestart) {
        Objects.requireNonNull(outboxOnRestart, "outboxOnRestart");
        return Mono.defer(() -> {
            List<Outbox.Entry> dropped;
            synchronized (lock) {
                if (streams.state() == ConnectionState.CLOSED || closeRequested) {
                    return Mono.error(TetherClientException.clientClosed());
                }
                if (link != null && link.isWelcomed()) {
                    retireRun();
                } else {
                    stopRun();
                }
                dropped = session.restart(outboxOnRestart);
                start();
            }
            Outbox.Entry.failAll(dropped, TetherClientException.restarted());
            return streams.settled(this::lastFailure);
        });
    }

    @Override
    public int queueSize() {
        synchronized (lock) {
            return outbox.size();
        }
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
            Outbox.Entry.failAll(failed, TetherClientException.clientClosed());
            return streams.states().then();
        });
    }

    // ------------------------------------------------------------------------------------------------ sending

    private Mono<Long> enqueue(LongFunction<ClientMessage> factory) {
        return Mono.defer(() -> {
            RuntimeException refused = outbox.refusal(factory);
            if (refused != null) {
                return Mono.error(refused);
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
                if (link != null && link.sendsNow()) {
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

    /**
     * Leaves the running lifecycle to end on its own: its connection says bye, so that the gateway ends the session,
     * and is dropped if the gateway has not closed within the handshake timeout. Holds the lock.
     */
    private void retireRun() {
        Run retiring = run;
        run = null;
        link.retire(() -> retiring.subscription.dispose());
        link = null;
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
        Outbox.Entry.failAll(failed, TetherClientException.clientClosed());
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
        Outbox.Entry.failAll(failed, failure);
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
        Outbox.Entry.failAll(failed, TetherClientException.clientClosed());
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
        Supplier<Mono<String>> provider = options.tokenProvider().orElse(null);
        if (provider == null) {
            return transport.connect(uri, connection -> runLink(owner, connection, null));
        }
        // A fresh token for every connect and resume: the one before may have expired while disconnected.
        return Mono.defer(provider)
                .switchIfEmpty(Mono.error(() -> new IllegalStateException("the token provider gave no token")))
                .flatMapMany(token -> transport.connect(uri, connection -> runLink(owner, connection, token)))
                .onErrorMap(this::unauthorizedWithProvider);
    }

    /**
     * A close with 4001 while a token provider can give a new token: a reconnect with that one, unless it is the
     * {@link TetherClientOptions#MAX_UNAUTHORIZED_IN_A_ROW}th in a row, which stops as any 4001 does.
     */
    private Throwable unauthorizedWithProvider(Throwable error) {
        if (error instanceof ConnectionClosedException closed && closed.closeCode() == CloseCode.UNAUTHORIZED) {
            synchronized (lock) {
                unauthorizedInARow++;
                if (unauthorizedInARow < TetherClientOptions.MAX_UNAUTHORIZED_IN_A_ROW) {
                    return TetherClientException.unauthorized(closed, unauthorizedInARow);
                }
            }
        }
        return error;
    }

    private Flux<Welcome> runLink(Run owner, Transport.Connection connection, String token) {
        Link current = new Link(options, lock, session.outbox(), session.tracker(), this);
        synchronized (lock) {
            if (run != owner) {
                return Flux.empty();
            }
            link = current;
            Hello hello = session.hello();
            current.hello(token == null ? hello : hello.withToken(token));
        }
        return current.run(connection);
    }

    @Override
    public void welcomed(Link current, Welcome welcome, SynchronousSink<Welcome> sink) {
        ClientSession.Handshake handshake;
        synchronized (lock) {
            if (current.hasEnded()) {
                return;
            }
            handshake = session.welcome(welcome, current.resumeRequested());
            current.welcomed(Duration.ofMillis(welcome.heartbeatMs()));
            unauthorizedInARow = 0;
            if (current.token() != null) {
                current.refreshTokens(current.token(), options.tokenProvider().orElseThrow());
            }
            lastFailure = null;
            streams.connected(current.resumeRequested() ? new ConnectionEvent.Resumed(welcome.resumed(),
                    handshake.failure(), handshake.replayed()) : null, current::resendUnacked);
        }
        handshake.acked().forEach(Outbox.Entry::complete);
        if (handshake.failure() != null) {
            Outbox.Entry.failAll(handshake.lost(), TetherClientException.sessionLost(handshake.failure()));
        }
        // Emitting after each handshake is what restarts the reconnect attempt count.
        sink.next(welcome);
    }

    /** One lifecycle started by connect(). */
    private static final class Run {
        volatile Disposable subscription;
        volatile boolean stopped;
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
