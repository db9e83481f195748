package dev.tether.client.internal;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tether.client.ConnectionClosedException;
import dev.tether.client.ConnectionEvent;
import dev.tether.client.ConnectionFailedException;
import dev.tether.client.ConnectionState;
import dev.tether.client.OutboxFullException;
import dev.tether.client.OutboxOnResumeFailure;
import dev.tether.client.SessionHandle;
import dev.tether.client.StateChange;
import dev.tether.client.TetherClient;
import dev.tether.client.TetherClientException;
import dev.tether.client.TetherClientOptions;
import dev.tether.protocol.Bye;
import dev.tether.protocol.Cancel;
import dev.tether.protocol.ClientAck;
import dev.tether.protocol.ClientEvent;
import dev.tether.protocol.ClientFrame;
import dev.tether.protocol.ClientMessage;
import dev.tether.protocol.CloseCode;
import dev.tether.protocol.ErrorCode;
import dev.tether.protocol.ErrorFrame;
import dev.tether.protocol.FrameCodec;
import dev.tether.protocol.FrameException;
import dev.tether.protocol.Hello;
import dev.tether.protocol.Ping;
import dev.tether.protocol.Pong;
import dev.tether.protocol.ResumeFailure;
import dev.tether.protocol.Sequenced;
import dev.tether.protocol.ServerAck;
import dev.tether.protocol.ServerFrame;
import dev.tether.protocol.UserMessage;
import dev.tether.protocol.Welcome;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.LongFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.core.publisher.SynchronousSink;
import reactor.core.scheduler.Scheduler;

/**
 * The client: one lifecycle Flux per {@link #connect()}, each subscription of which is one connection, retried
 * with {@link Reconnect}; the session, outbox and delivery tracker outlive the connections.
 *
 * <p>Threading: every piece of mutable state is guarded by {@link #lock}, held only for short sections that never
 * block (writes go to a per-connection unicast sink that Reactor Netty drains on its event loop). The sinks behind
 * {@link #messages()}, {@link #states()} and {@link #events()} are emitted to only while holding the lock, so their
 * signals are serialized and ordered; the lock is reentrant, so a subscriber may call back into the client.
 */
final class DefaultTetherClient implements TetherClient {

    private static final Logger log = LoggerFactory.getLogger(DefaultTetherClient.class);

    private static final FrameCodec CODEC = new FrameCodec();

    /** Frames buffered for a slow or absent messages() subscriber before the client resumes instead. */
    static final int MESSAGE_BUFFER = 1024;

    private static final int EVENT_BUFFER = 256;

    // Sizing a message with the longest possible cseq gives an upper bound that renumbering can never exceed.
    private static final long WIDEST_CSEQ = Long.MAX_VALUE;

    private final TetherClientOptions options;
    private final Transport transport;
    private final Scheduler scheduler;
    private final List<URI> endpoints;

    private final Sinks.Many<Sequenced> messages = Sinks.many().multicast().onBackpressureBuffer(MESSAGE_BUFFER, false);
    private final Sinks.Many<StateChange> states = Sinks.many().replay().latest();
    private final Sinks.Many<ConnectionEvent> events = Sinks.many().multicast().onBackpressureBuffer(EVENT_BUFFER, false);

    private final Object lock = new Object();

    // Everything below is guarded by lock.
    private ConnectionState state = ConnectionState.IDLE;
    private String sessionId;
    private String token;
    private long epoch;
    private final Outbox outbox;
    private final InboundTracker tracker;
    private Run run;
    private Link link;
    private long connectAttempts;
    private Throwable lastFailure;
    private boolean closeRequested;

    DefaultTetherClient(TetherClientOptions options, Transport transport) {
        this.options = Objects.requireNonNull(options, "options");
        this.transport = Objects.requireNonNull(transport, "transport");
        this.scheduler = options.scheduler();
        this.endpoints = options.endpoints();
        Optional<SessionHandle> resume = options.resumeFrom();
        this.outbox = new Outbox(options.outboxCapacity(), resume.isEmpty());
        this.tracker = new InboundTracker(resume.map(SessionHandle::lastSeq).orElse(0L));
        resume.ifPresent(handle -> {
            sessionId = handle.sessionId();
            token = handle.token();
            epoch = handle.epoch();
        });
    }

    // ------------------------------------------------------------------------------------------------ public API

    @Override
    public Mono<Void> connect() {
        return Mono.defer(() -> {
            synchronized (lock) {
                if (state == ConnectionState.CLOSED || closeRequested) {
                    return Mono.error(TetherClientException.clientClosed());
                }
                if (run == null) {
                    start();
                }
            }
            return states.asFlux()
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
        return messages.asFlux();
    }

    @Override
    public Flux<StateChange> states() {
        return states.asFlux();
    }

    @Override
    public ConnectionState state() {
        synchronized (lock) {
            return state;
        }
    }

    @Override
    public Flux<ConnectionEvent> events() {
        return events.asFlux();
    }

    @Override
    public Optional<SessionHandle> session() {
        synchronized (lock) {
            return sessionId == null
                    ? Optional.empty()
                    : Optional.of(new SessionHandle(sessionId, token, epoch, tracker.lastSeq()));
        }
    }

    @Override
    public Mono<Void> disconnect() {
        return Mono.fromRunnable(() -> {
            synchronized (lock) {
                if (state == ConnectionState.CLOSED || run == null) {
                    return;
                }
                stopRun();
                transition(ConnectionState.IDLE);
            }
        });
    }

    @Override
    public Mono<Void> close() {
        return Mono.defer(() -> {
            List<Outbox.Entry> failed = List.of();
            synchronized (lock) {
                if (state != ConnectionState.CLOSED && !closeRequested) {
                    closeRequested = true;
                    Link current = link;
                    if (current != null && current.welcomed) {
                        // The gateway answers bye by closing with 1000, which ends the lifecycle normally.
                        current.stopping = true;
                        current.write(new Bye());
                        Run closing = run;
                        current.byeTimer = scheduler.schedule(() -> forceClose(closing),
                                options.handshakeTimeout().toMillis(), TimeUnit.MILLISECONDS);
                    } else {
                        stopRun();
                        failed = finishClosed();
                    }
                }
            }
            failAll(failed, TetherClientException.clientClosed());
            return states.asFlux().then();
        });
    }

    // ------------------------------------------------------------------------------------------------ sending

    private Mono<Long> enqueue(LongFunction<ClientMessage> factory) {
        return Mono.defer(() -> {
            int bytes = CODEC.encode(factory.apply(WIDEST_CSEQ)).getBytes(StandardCharsets.UTF_8).length;
            if (bytes > options.maxFrameBytes()) {
                return Mono.error(TetherClientException.messageTooBig(bytes, options.maxFrameBytes()));
            }
            Sinks.One<Long> result = Sinks.one();
            synchronized (lock) {
                if (state == ConnectionState.CLOSED || closeRequested) {
                    return Mono.error(TetherClientException.clientClosed());
                }
                if (state == ConnectionState.FAILED) {
                    return Mono.error(TetherClientException.notConnected(lastFailure));
                }
                ClientMessage message;
                try {
                    message = outbox.offer(factory, result);
                } catch (OutboxFullException full) {
                    return Mono.error(full);
                }
                if (link != null && link.welcomed) {
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
        transition(ConnectionState.CONNECTING);
        Reconnect.Listener listener = new Reconnect.Listener() {
            @Override
            public void retrying(long attempt, Throwable failure) {
                synchronized (lock) {
                    if (run == started) {
                        log.debug("connection attempt failed, reconnecting (attempt {}): {}", attempt,
                                failure.toString());
                        transition(ConnectionState.RECONNECTING);
                    }
                }
            }

            @Override
            public void waiting(long attempt, Duration delay) {
                synchronized (lock) {
                    if (run == started) {
                        emit(new ConnectionEvent.Reconnecting(attempt, options.maxReconnectAttempts(), delay));
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
            link.stopping = true;
        }
        if (stopping.subscription != null) {
            stopping.subscription.dispose();
        }
    }

    private void forceClose(Run closing) {
        List<Outbox.Entry> failed = List.of();
        synchronized (lock) {
            if (run == closing && state != ConnectionState.CLOSED) {
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
                failure = asFailure(error);
                log.warn("giving up on the connection: {}", failure.getMessage());
                lastFailure = failure;
                failed = outbox.drain();
                transition(ConnectionState.FAILED);
            }
        }
        failAll(failed, failure);
    }

    private static ConnectionFailedException asFailure(Throwable error) {
        if (error instanceof ConnectionFailedException failed) {
            return failed;
        }
        if (error instanceof ConnectionClosedException closed) {
            return TetherClientException.terminalClose(closed);
        }
        return TetherClientException.connectionFailed(error);
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
                transition(ConnectionState.IDLE);
            }
        }
        failAll(failed, TetherClientException.clientClosed());
    }

    /** Moves to CLOSED and completes every Flux; returns the sends to fail. Holds the lock. */
    private List<Outbox.Entry> finishClosed() {
        if (state == ConnectionState.CLOSED) {
            return List.of();
        }
        closeRequested = true;
        List<Outbox.Entry> pending = outbox.drain();
        transition(ConnectionState.CLOSED);
        messages.tryEmitComplete();
        events.tryEmitComplete();
        states.tryEmitComplete();
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
        Link current = new Link();
        synchronized (lock) {
            if (run != owner) {
                return Flux.empty();
            }
            link = current;
            Hello hello = sessionId == null
                    ? Hello.fresh()
                    : Hello.resume(new Hello.Resume(sessionId, token, epoch, tracker.lastSeq()));
            current.resumeRequested = hello.resume() != null;
            tracker.helloSent();
            current.write(hello);
        }
        Flux<Welcome> inbound = connection.receive()
                // The first timeout is the handshake's; every frame heard restarts the heartbeat's.
                .timeout(Mono.delay(options.handshakeTimeout(), scheduler),
                        frame -> Mono.delay(current.idleTimeout(), scheduler))
                .onErrorMap(TimeoutException.class, timeout -> current.welcomed
                        ? TetherClientException.heartbeatTimeout(current.idleTimeout())
                        : TetherClientException.handshakeTimeout(options.handshakeTimeout()))
                .<Welcome>handle((text, sink) -> onText(current, text, sink))
                .concatWith(Mono.defer(() -> closeOutcome(current, connection)))
                // Completing the outbound lets the frames already queued be flushed before the connection closes.
                .doFinally(signal -> {
                    synchronized (lock) {
                        current.out.tryEmitComplete();
                    }
                });
        Mono<Welcome> outbound = connection.send(current.out.asFlux()).then(Mono.empty());
        return Flux.merge(inbound, outbound)
                .doOnError(error -> current.failure = error)
                // Before the end is passed on, so that Closed precedes the state change it causes.
                .doOnTerminate(() -> linkEnded(current))
                .doOnCancel(() -> linkEnded(current));
    }

    private Mono<Welcome> closeOutcome(Link current, Transport.Connection connection) {
        return connection.closeStatus()
                .defaultIfEmpty(new Transport.CloseStatus(CloseCode.ABNORMAL.code(), "connection lost"))
                .flatMap(status -> {
                    synchronized (lock) {
                        current.closeStatus = status;
                        if (current.stopping) {
                            return Mono.empty();
                        }
                    }
                    return Mono.error(TetherClientException.closedByPeer(status.code(), status.reason()));
                });
    }

    private void linkEnded(Link ended) {
        synchronized (lock) {
            if (ended.ended) {
                return;
            }
            ended.ended = true;
            if (link == ended) {
                link = null;
            }
            ended.disposeTimers();
            ended.out.tryEmitComplete();
            Transport.CloseStatus status = ended.closeStatus;
            if (status != null) {
                emit(new ConnectionEvent.Closed(status.code(), status.reason()));
            } else {
                Throwable failure = ended.failure;
                emit(new ConnectionEvent.Closed(CloseCode.ABNORMAL.code(),
                        failure == null ? "closed by the client" : String.valueOf(failure.getMessage())));
            }
        }
    }

    private void onText(Link current, String text, SynchronousSink<Welcome> sink) {
        ServerFrame frame;
        try {
            frame = CODEC.decodeServer(text);
        } catch (FrameException invalid) {
            // A newer gateway may send types this client does not know; a broken frame is reported and skipped,
            // and if it was a sequenced one the gap that follows makes the client resume.
            log.warn("ignoring a frame from the gateway: {}", invalid.getMessage());
            return;
        }
        switch (frame) {
            case Welcome welcome -> onWelcome(current, welcome, sink);
            case Sequenced sequenced -> onSequenced(current, sequenced, sink);
            case ServerAck ack -> onServerAck(current, ack);
            case ErrorFrame error -> onErrorFrame(current, error);
            case Ping ping -> {
                synchronized (lock) {
                    if (link == current) {
                        current.write(new Pong(ping.t()));
                    }
                }
            }
            case Pong pong -> {
                // Hearing it is the point: the timeout in runLink restarted.
            }
        }
    }

    private void onWelcome(Link current, Welcome welcome, SynchronousSink<Welcome> sink) {
        if (current.welcomed) {
            sink.error(TetherClientException.unexpectedFrame("a second welcome"));
            return;
        }
        List<Outbox.Entry> acked = List.of();
        List<Outbox.Entry> lost = List.of();
        ResumeFailure failure = null;
        synchronized (lock) {
            if (link != current) {
                return;
            }
            long replayed = 0;
            if (current.resumeRequested && welcome.resumed()) {
                replayed = Math.max(0, welcome.lastSeq() - tracker.lastSeq());
                acked = outbox.resumed(welcome.ackedCseq());
            } else {
                if (current.resumeRequested) {
                    failure = welcome.reason() != null ? welcome.reason() : ResumeFailure.NOT_FOUND;
                    log.info("session {} could not be resumed ({}); a new session started", sessionId,
                            failure.wireName());
                    if (options.outboxOnResumeFailure() == OutboxOnResumeFailure.FAIL) {
                        lost = outbox.drain();
                    }
                }
                tracker.reset();
                outbox.renumber(welcome.ackedCseq() + 1);
            }
            sessionId = welcome.sessionId();
            token = welcome.token();
            epoch = welcome.epoch();
            current.heartbeat = Duration.ofMillis(welcome.heartbeatMs());
            current.welcomed = true;
            lastFailure = null;
            // The outcome of the resume first: whoever waits for CONNECTED (connect() does) then knows it.
            if (current.resumeRequested) {
                emit(new ConnectionEvent.Resumed(welcome.resumed(), failure, replayed));
            }
            transition(ConnectionState.CONNECTED);
            List<ClientMessage> resend = outbox.unacked();
            resend.forEach(current::write);
            if (!resend.isEmpty()) {
                emit(new ConnectionEvent.OutboxFlushed(resend.size()));
            }
            long every = welcome.heartbeatMs();
            current.pings = Flux.interval(Duration.ofMillis(every), Duration.ofMillis(every), scheduler)
                    .subscribe(tick -> ping(current));
        }
        acked.forEach(Outbox.Entry::complete);
        if (failure != null && !lost.isEmpty()) {
            failAll(lost, TetherClientException.sessionLost(failure));
        }
        // Emitting after each handshake is what restarts the reconnect attempt count.
        sink.next(welcome);
    }

    private void onSequenced(Link current, Sequenced frame, SynchronousSink<Welcome> sink) {
        synchronized (lock) {
            if (link != current) {
                return;
            }
            if (!current.welcomed) {
                sink.error(TetherClientException.unexpectedFrame(frame.type() + " before welcome"));
                return;
            }
            switch (tracker.classify(frame.seq())) {
                case DUPLICATE -> scheduleAck(current);
                case GAP -> sink.error(TetherClientException.sequenceGap(tracker.expected(), frame.seq()));
                case NEXT -> {
                    Sinks.EmitResult result = messages.tryEmitNext(frame);
                    if (result == Sinks.EmitResult.FAIL_OVERFLOW) {
                        // Not delivered, so not counted: the resume replays it from the session log.
                        sink.error(TetherClientException.slowConsumer(MESSAGE_BUFFER));
                        return;
                    }
                    if (result.isFailure()) {
                        // The client is closed and nobody can receive it any more.
                        return;
                    }
                    tracker.delivered(frame.seq());
                    scheduleAck(current);
                }
            }
        }
    }

    private void onServerAck(Link current, ServerAck ack) {
        List<Outbox.Entry> done;
        synchronized (lock) {
            if (link != current) {
                return;
            }
            done = outbox.ack(ack.cseq());
        }
        done.forEach(Outbox.Entry::complete);
    }

    private void onErrorFrame(Link current, ErrorFrame error) {
        synchronized (lock) {
            if (link != current) {
                return;
            }
            log.debug("gateway reported {}: {}", error.code().wireName(), error.message());
            emit(new ConnectionEvent.ServerError(error.code(), error.message()));
            if (error.code() == ErrorCode.OUT_OF_ORDER && current.welcomed) {
                // The gateway missed a message before the one it rejected: send everything it has not stored.
                outbox.unacked().forEach(current::write);
            } else if (error.code() == ErrorCode.STORE_UNAVAILABLE && current.welcomed) {
                scheduleResend(current);
            }
        }
    }

    /**
     * Resends what the gateway has not stored after the reconnect base delay: its store failed, so the messages
     * were neither stored nor acknowledged, and the connection may stay open. The gateway drops duplicates, so
     * resending a message it did store after all is safe. Holds the lock.
     */
    private void scheduleResend(Link current) {
        if (current.resendTimer != null) {
            return;
        }
        current.resendTimer = scheduler.schedule(() -> {
            synchronized (lock) {
                current.resendTimer = null;
                if (link == current) {
                    outbox.unacked().forEach(current::write);
                }
            }
        }, options.reconnectBaseDelay().toMillis(), TimeUnit.MILLISECONDS);
    }

    private void ping(Link current) {
        synchronized (lock) {
            if (link == current) {
                current.write(new Ping(scheduler.now(TimeUnit.MILLISECONDS)));
            }
        }
    }

    /** Acknowledges now if a batch is full, else within the ack delay. Holds the lock. */
    private void scheduleAck(Link current) {
        if (!tracker.ackDue()) {
            return;
        }
        if (tracker.unacknowledged() >= options.ackBatchSize() || options.ackDelay().isZero()) {
            sendAck(current);
            return;
        }
        if (current.ackTimer == null) {
            current.ackTimer = scheduler.schedule(() -> {
                synchronized (lock) {
                    current.ackTimer = null;
                    if (link == current && tracker.ackDue()) {
                        sendAck(current);
                    }
                }
            }, options.ackDelay().toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    private void sendAck(Link current) {
        current.write(new ClientAck(tracker.takeAck()));
        if (current.ackTimer != null) {
            current.ackTimer.dispose();
            current.ackTimer = null;
        }
    }

    // ------------------------------------------------------------------------------------------------ helpers

    /** Holds the lock. */
    private void transition(ConnectionState next) {
        if (state == next) {
            return;
        }
        StateChange change = new StateChange(state, next);
        state = next;
        log.debug("state {}", change);
        states.tryEmitNext(change);
    }

    /** Holds the lock. */
    private void emit(ConnectionEvent event) {
        Sinks.EmitResult result = events.tryEmitNext(event);
        if (result == Sinks.EmitResult.FAIL_OVERFLOW) {
            log.debug("events() subscriber too slow, dropped {}", event);
        }
    }

    private static void failAll(List<Outbox.Entry> entries, Throwable error) {
        entries.forEach(entry -> entry.fail(error));
    }

    /** One lifecycle started by connect(). */
    private static final class Run {
        volatile Disposable subscription;
        volatile boolean stopped;
    }

    /** One connection and what belongs to it alone. */
    private final class Link {
        final Sinks.Many<String> out = Sinks.many().unicast().onBackpressureBuffer();
        volatile boolean welcomed;
        volatile Duration heartbeat = Duration.ZERO;
        volatile Throwable failure;
        boolean resumeRequested;
        boolean stopping;
        boolean ended;
        Transport.CloseStatus closeStatus;
        Disposable pings;
        Disposable ackTimer;
        Disposable byeTimer;
        Disposable resendTimer;

        /** Queues a frame for this connection. Holds the lock, which serializes the sink's producers. */
        void write(ClientFrame frame) {
            out.tryEmitNext(CODEC.encode(frame));
        }

        Duration idleTimeout() {
            return welcomed ? heartbeat.plus(options.heartbeatMargin()) : options.handshakeTimeout();
        }

        void disposeTimers() {
            for (Disposable timer : new Disposable[] {pings, ackTimer, byeTimer, resendTimer}) {
                if (timer != null) {
                    timer.dispose();
                }
            }
            pings = null;
            ackTimer = null;
            byeTimer = null;
            resendTimer = null;
        }
    }
}
