package dev.tether.client.internal;

import dev.tether.client.ConnectionEvent;
import dev.tether.client.TetherClientException;
import dev.tether.client.TetherClientOptions;
import dev.tether.protocol.Bye;
import dev.tether.protocol.ClientAck;
import dev.tether.protocol.ClientAuth;
import dev.tether.protocol.ClientFrame;
import dev.tether.protocol.ClientMessage;
import dev.tether.protocol.CloseCode;
import dev.tether.protocol.ErrorCode;
import dev.tether.protocol.AuthOk;
import dev.tether.protocol.ErrorFrame;
import dev.tether.protocol.FrameCodec;
import dev.tether.protocol.FrameException;
import dev.tether.protocol.Hello;
import dev.tether.protocol.Ping;
import dev.tether.protocol.Pong;
import dev.tether.protocol.Sequenced;
import dev.tether.protocol.ServerAck;
import dev.tether.protocol.ServerFrame;
import dev.tether.protocol.Welcome;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;
import reactor.core.Disposables;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.core.publisher.SynchronousSink;
import reactor.core.scheduler.Scheduler;

/**
 * One connection of a client, from its {@code hello} to its close: the frames it reads and writes, and the timers
 * that live as long as it does (ack batching, pings, the resend after a store failure, the wait for the gateway to
 * close after {@code bye}).
 *
 * <p>Threading: a link shares its client's lock, because what it reads and acknowledges ({@link InboundTracker}) and
 * what it resends ({@link Outbox}) outlive it. Methods that say "holds the lock" are called with it held; the
 * others take it where they touch those. {@link #write} takes it itself. Once ended, a link's outbound is
 * complete and its timers are disposed, and each handler checks {@code ended} (and {@code retired}) under the lock,
 * so a frame or a timer of a connection that is gone, or left to a new session, never touches the session.
 */
final class Link {

    private static final Logger log = LoggerFactory.getLogger(Link.class);

    private static final FrameCodec CODEC = new FrameCodec();

    /** Wait before a token provider that failed a refresh is asked again. */
    static final Duration TOKEN_RETRY = Duration.ofSeconds(5);

    /** What a link needs from the client that outlives it; called with the lock held unless said otherwise. */
    interface Owner {

        /**
         * Takes the handshake's outcome into the session and emits {@code welcome} to {@code sink}; called without
         * the lock, so that sends it settles complete outside it.
         */
        void welcomed(Link link, Welcome welcome, SynchronousSink<Welcome> sink);

        /** Passes a frame, in order, to {@code messages()}. */
        Sinks.EmitResult deliver(Sequenced frame);

        /** Publishes an event on {@code events()}. */
        void emit(ConnectionEvent event);

        /** The link has ended; it must no longer be written to. */
        void ended(Link link);
    }

    private final TetherClientOptions options;
    private final Scheduler scheduler;
    private final Object lock;
    private final Outbox outbox;
    private final InboundTracker tracker;
    private final Owner owner;

    private final Sinks.Many<String> out = Sinks.many().unicast().onBackpressureBuffer();
    // Disposed when the link ends; a timer added after that is disposed at once.
    private final Disposable.Composite timers = Disposables.composite();

    // Read outside the lock: by the timeout operator, and when the connection closes.
    private volatile boolean welcomed;
    private volatile Duration heartbeat = Duration.ZERO;
    private volatile Throwable failure;
    private volatile boolean stopping;
    private volatile Transport.CloseStatus closeStatus;

    // Guarded by lock.
    private boolean resumeRequested;
    private String token;
    private boolean ended;
    // Left to a new session by restart(): nothing it receives counts any more, though it stays open until bye is done.
    private boolean retired;
    private Disposable ackTimer;
    private Disposable resendTimer;
    // Told to wait by rate_limited: new messages stay in the outbox until the resend after the hint.
    private boolean paused;

    Link(TetherClientOptions options, Object lock, Outbox outbox, InboundTracker tracker, Owner owner) {
        this.options = options;
        this.scheduler = options.scheduler();
        this.lock = lock;
        this.outbox = outbox;
        this.tracker = tracker;
        this.owner = owner;
    }

    /** Sends the {@code hello} that opens the link. Holds the lock. */
    void hello(Hello hello) {
        resumeRequested = hello.resume() != null;
        token = hello.token().orElse(null);
        write(hello);
    }

    /** The token presented in {@code hello}, or {@code null} for none. Holds the lock. */
    String token() {
        return token;
    }

    /**
     * Runs the link over {@code connection}: emits each {@code welcome} and ends when the connection does, with an
     * error unless the client stopped it.
     */
    Flux<Welcome> run(Transport.Connection connection) {
        Flux<Welcome> inbound = connection.receive()
                // The first timeout is the handshake's; every frame heard restarts the heartbeat's.
                .timeout(Mono.delay(options.handshakeTimeout(), scheduler),
                        frame -> Mono.delay(idleTimeout(), scheduler))
                .onErrorMap(TimeoutException.class, timeout -> welcomed
                        ? TetherClientException.heartbeatTimeout(idleTimeout())
                        : TetherClientException.handshakeTimeout(options.handshakeTimeout()))
                .<Welcome>handle(this::onText)
                .concatWith(Mono.defer(() -> closeOutcome(connection)))
                // Completing the outbound lets the frames already queued be flushed before the connection closes.
                .doFinally(signal -> completeOut());
        Mono<Welcome> outbound = connection.send(out.asFlux()).then(Mono.empty());
        return Flux.merge(inbound, outbound)
                .doOnError(error -> failure = error)
                // Before the end is passed on, so that Closed precedes the state change it causes.
                .doOnTerminate(this::end)
                .doOnCancel(this::end);
    }

    /**
     * Replaces {@code token}, the one this link presented last, with a fresh one from {@code provider} before it
     * expires, and so on for as long as the link lives. A failed provider is asked again after a short wait. Holds
     * the lock.
     */
    void refreshTokens(String token, Supplier<Mono<String>> provider) {
        TokenRefresh.delay(token, scheduler.now(TimeUnit.MILLISECONDS)).ifPresent(delay ->
                timers.add(scheduler.schedule(() -> refresh(provider), delay.toMillis(), TimeUnit.MILLISECONDS)));
    }

    private void refresh(Supplier<Mono<String>> provider) {
        timers.add(Mono.defer(provider).subscribe(token -> {
            synchronized (lock) {
                if (!ended) {
                    write(new ClientAuth(token));
                    refreshTokens(token, provider);
                }
            }
        }, error -> {
            log.debug("the token provider failed; asking again in {}: {}", TOKEN_RETRY, error.toString());
            synchronized (lock) {
                if (!ended) {
                    timers.add(scheduler.schedule(() -> refresh(provider), TOKEN_RETRY.toMillis(),
                            TimeUnit.MILLISECONDS));
                }
            }
        }));
    }

    /** Whether the handshake is done, so that messages may be written. */
    boolean isWelcomed() {
        return welcomed;
    }

    /**
     * Whether a new message goes out now: the link is welcomed and the gateway has not asked it to wait
     * ({@code rate_limited}); otherwise it waits in the outbox for the next resend. Holds the lock.
     */
    boolean sendsNow() {
        return welcomed && !paused;
    }

    /** Whether the link has ended: its frames and timers no longer count. Holds the lock. */
    boolean hasEnded() {
        return ended;
    }

    /** Whether the {@code hello} asked to resume a session. Holds the lock. */
    boolean resumeRequested() {
        return resumeRequested;
    }

    /**
     * Queues a frame for this connection, from any thread; a no-op once the link has ended. It takes the lock, which
     * serializes the sink's producers; callers that must order a frame after a change of the session (a message
     * after the outbox took it, an ack after the tracker) hold it already, and it is reentrant.
     */
    void write(ClientFrame frame) {
        String text = CODEC.encode(frame);
        synchronized (lock) {
            out.tryEmitNext(text);
        }
    }

    private void completeOut() {
        synchronized (lock) {
            out.tryEmitComplete();
        }
    }

    /** The client is stopping this link: its close is no failure. Holds the lock. */
    void stop() {
        stopping = true;
    }

    /**
     * Says {@code bye}, and runs {@code onTimeout} if the gateway has not closed within the handshake timeout. Holds
     * the lock.
     */
    void bye(Runnable onTimeout) {
        stopping = true;
        write(new Bye());
        timers.add(scheduler.schedule(onTimeout, options.handshakeTimeout().toMillis(), TimeUnit.MILLISECONDS));
    }

    /**
     * Leaves the session to the client's next connection: says {@code bye}, so that the gateway ends the session and
     * closes, ignores whatever else arrives meanwhile, and runs {@code onTimeout} if the gateway has not closed within
     * the handshake timeout. Its close is not reported on {@code events()}. Holds the lock.
     */
    void retire(Runnable onTimeout) {
        retired = true;
        bye(onTimeout);
    }

    /**
     * Marks the handshake done with the gateway's heartbeat and starts pinging at it. Holds the lock.
     */
    void welcomed(Duration heartbeat) {
        this.heartbeat = heartbeat;
        this.welcomed = true;
        long every = heartbeat.toMillis();
        timers.add(Flux.interval(Duration.ofMillis(every), Duration.ofMillis(every), scheduler)
                .subscribe(tick -> write(new Ping(scheduler.now(TimeUnit.MILLISECONDS)))));
    }

    /** Writes every message the gateway has not acknowledged storing; returns how many. Holds the lock. */
    int resendUnacked() {
        List<ClientMessage> unacked = outbox.unacked();
        unacked.forEach(this::write);
        return unacked.size();
    }

    private Duration idleTimeout() {
        return welcomed ? heartbeat.plus(options.heartbeatMargin()) : options.handshakeTimeout();
    }

    private Mono<Welcome> closeOutcome(Transport.Connection connection) {
        return connection.closeStatus()
                .defaultIfEmpty(new Transport.CloseStatus(CloseCode.ABNORMAL.code(), "connection lost"))
                .flatMap(status -> {
                    closeStatus = status;
                    return stopping
                            ? Mono.<Welcome>empty()
                            : Mono.error(TetherClientException.closedByPeer(status.code(), status.reason()));
                });
    }

    private void end() {
        synchronized (lock) {
            if (ended) {
                return;
            }
            ended = true;
            timers.dispose();
            completeOut();
            owner.ended(this);
            if (retired) {
                return;
            }
            if (closeStatus != null) {
                owner.emit(new ConnectionEvent.Closed(closeStatus.code(), closeStatus.reason()));
            } else {
                owner.emit(new ConnectionEvent.Closed(CloseCode.ABNORMAL.code(),
                        failure == null ? "closed by the client" : String.valueOf(failure.getMessage())));
            }
        }
    }

    private void onText(String text, SynchronousSink<Welcome> sink) {
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
            case Welcome welcome -> onWelcome(welcome, sink);
            case Sequenced sequenced -> onSequenced(sequenced, sink);
            case ServerAck ack -> onServerAck(ack);
            case ErrorFrame error -> onErrorFrame(error);
            case Ping ping -> write(new Pong(ping.t()));
            case Pong pong -> {
                // Hearing it is the point: the timeout in run() restarted.
            }
            case AuthOk ok -> {
                // The refreshed token was accepted; nothing to do until the next refresh.
            }
        }
    }

    private void onWelcome(Welcome welcome, SynchronousSink<Welcome> sink) {
        if (welcomed) {
            sink.error(TetherClientException.unexpectedFrame("a second welcome"));
            return;
        }
        owner.welcomed(this, welcome, sink);
    }

    private void onSequenced(Sequenced frame, SynchronousSink<Welcome> sink) {
        synchronized (lock) {
            if (ended || retired) {
                return;
            }
            if (!welcomed) {
                sink.error(TetherClientException.unexpectedFrame(frame.type() + " before welcome"));
                return;
            }
            switch (tracker.classify(frame.seq())) {
                case DUPLICATE -> scheduleAck();
                case GAP -> sink.error(TetherClientException.sequenceGap(tracker.expected(), frame.seq()));
                case NEXT -> {
                    Sinks.EmitResult result = owner.deliver(frame);
                    if (result == Sinks.EmitResult.FAIL_OVERFLOW) {
                        // Not delivered, so not counted: the resume replays it from the session log.
                        sink.error(TetherClientException.slowConsumer(ClientStreams.MESSAGE_BUFFER));
                        return;
                    }
                    if (result.isFailure()) {
                        // The client is closed and nobody can receive it any more.
                        return;
                    }
                    tracker.delivered(frame.seq());
                    scheduleAck();
                }
            }
        }
    }

    private void onServerAck(ServerAck ack) {
        List<Outbox.Entry> done;
        synchronized (lock) {
            if (ended || retired) {
                return;
            }
            done = outbox.ack(ack.cseq());
        }
        done.forEach(Outbox.Entry::complete);
    }

    private void onErrorFrame(ErrorFrame error) {
        synchronized (lock) {
            if (ended || retired) {
                return;
            }
            log.debug("gateway reported {}: {}", error.code().wireName(), error.message());
            owner.emit(new ConnectionEvent.ServerError(error.code(), error.message()));
            if (error.code() == ErrorCode.OUT_OF_ORDER && welcomed) {
                // The gateway missed a message before the one it rejected: send everything it has not stored.
                resendUnacked();
            } else if (error.code() == ErrorCode.STORE_UNAVAILABLE && welcomed) {
                scheduleResend();
            } else if (error.code() == ErrorCode.RATE_LIMITED && welcomed) {
                pauseForHint(error.retryAfterMs());
            }
        }
    }

    /**
     * Resends what the gateway has not stored after the reconnect base delay: its store failed, so the messages
     * were neither stored nor acknowledged, and the connection may stay open. The gateway drops duplicates, so
     * resending a message it did store after all is safe. Holds the lock.
     */
    private void scheduleResend() {
        if (resendTimer != null) {
            return;
        }
        resendTimer = schedule(() -> {
            resendTimer = null;
            resendUnacked();
        }, options.reconnectBaseDelay());
    }

    /**
     * Stops sending for the gateway's hint, then resends everything it has not stored: the refused message and all
     * after it, which it refused too. Messages sent meanwhile wait in the outbox. A later hint in the same pause
     * (answers to messages already on their way) does not push the resend back. Holds the lock.
     */
    private void pauseForHint(long retryAfterMs) {
        if (paused) {
            return;
        }
        paused = true;
        if (resendTimer != null) {
            timers.remove(resendTimer);
            resendTimer.dispose();
        }
        Duration hint = retryAfterMs > 0 ? Duration.ofMillis(retryAfterMs) : options.reconnectBaseDelay();
        resendTimer = schedule(() -> {
            resendTimer = null;
            paused = false;
            resendUnacked();
        }, hint);
    }

    /** Acknowledges now if a batch is full, else within the ack delay. Holds the lock. */
    private void scheduleAck() {
        if (!tracker.ackDue()) {
            return;
        }
        if (tracker.unacknowledged() >= options.ackBatchSize() || options.ackDelay().isZero()) {
            sendAck();
            return;
        }
        if (ackTimer == null) {
            ackTimer = schedule(() -> {
                ackTimer = null;
                if (tracker.ackDue()) {
                    sendAck();
                }
            }, options.ackDelay());
        }
    }

    private void sendAck() {
        write(new ClientAck(tracker.takeAck()));
        if (ackTimer != null) {
            timers.remove(ackTimer);
            ackTimer.dispose();
            ackTimer = null;
        }
    }

    /** Runs {@code action} under the lock after {@code delay}, unless the link has ended or retired by then. */
    private Disposable schedule(Runnable action, Duration delay) {
        Disposable.Swap timer = Disposables.swap();
        timers.add(timer);
        timer.update(scheduler.schedule(() -> {
            synchronized (lock) {
                timers.remove(timer);
                if (!ended && !retired) {
                    action.run();
                }
            }
        }, delay.toMillis(), TimeUnit.MILLISECONDS));
        return timer;
    }
}
