package dev.tether.gateway.internal;

import dev.tether.gateway.ConnectionOptions;
import dev.tether.gateway.GatewayConfig;
import dev.tether.gateway.GatewayException;
import dev.tether.gateway.Principal;
import dev.tether.protocol.AuthOk;
import dev.tether.protocol.ClientAuth;
import dev.tether.protocol.Bye;
import dev.tether.protocol.Cancel;
import dev.tether.protocol.ClientAck;
import dev.tether.protocol.ClientEvent;
import dev.tether.protocol.ClientMessage;
import dev.tether.protocol.ErrorCode;
import dev.tether.protocol.ErrorFrame;
import dev.tether.protocol.FrameCodec;
import dev.tether.protocol.Hello;
import dev.tether.protocol.Ping;
import dev.tether.protocol.Pong;
import dev.tether.protocol.Protocol;
import dev.tether.protocol.Sequenced;
import dev.tether.protocol.ServerAck;
import dev.tether.protocol.ServerFrame;
import dev.tether.protocol.UserMessage;
import dev.tether.protocol.Welcome;
import dev.tether.protocol.session.Attachment;
import dev.tether.protocol.session.SessionStore;
import dev.tether.protocol.session.SessionStoreException;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;
import reactor.core.Disposables;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.core.scheduler.Scheduler;
import reactor.netty.http.websocket.WebsocketInbound;
import reactor.netty.http.websocket.WebsocketOutbound;

/**
 * One WebSocket connection: a flux of decoded, validated client frames in, one ordered stream of server frames out.
 *
 * <p>Everything the client receives goes through one serialized outbox: {@code welcome} first, then the session's
 * sequenced frames, which reach the socket only from {@link SessionStore#follow} (write-ahead), interleaved with
 * control frames (acks, errors, pings, pongs). The connection ends by completing the outbox and, when the gateway
 * decided to close, sending one close frame with a code from {@link Closes}. The session outlives it: ending detaches
 * from the store, which starts the grace period.
 */
final class Connection {

    private static final Logger LOG = LoggerFactory.getLogger(Connection.class);

    /** How long a connection being closed has to get its close frame out before it is cut. */
    static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(5);

    /** First wait before a detach that failed on an unreachable store is tried again. */
    static final Duration DETACH_BACKOFF_MIN = Duration.ofMillis(200);
    /** Longest wait between tries of a detach. */
    static final Duration DETACH_BACKOFF_MAX = Duration.ofSeconds(5);

    /** RFC 6455's code for a connection that ended without a close frame; never sent, only counted. */
    private static final int ABNORMAL_CLOSURE = 1006;

    private final ServerHandle server;
    private final GatewayConfig config;
    private final SessionStore store;
    private final Replies replies;
    private final FrameCodec codec;
    private final Clock clock;
    private final Scheduler scheduler;
    private final GatewayMetrics metrics;

    private final Outbox outbox;
    private final Sinks.Empty<Void> closeSent = Sinks.empty();
    private final Sinks.Empty<Void> finished = Sinks.empty();
    private final Disposable.Composite resources = Disposables.composite();
    private final Handshake handshake;
    private final KeepAlive keepAlive;
    private final BadFrames badFrames;
    /** Checks tokens; null when the node authenticates nobody. */
    private final TokenVerifier tokens;
    private final TokenExpiry tokenExpiry;
    private final String clientAddress;
    private final MessageRate messageRate;

    // Guarded by this.
    private boolean over;
    private Closes.Close close;
    private String sessionId;
    private long generation;
    private boolean sessionRemoved;
    /** The highest seq the client can have received: the log's end at welcome, or a frame sent since. */
    private long highestSeqSent;

    private volatile boolean byeReceived;
    private volatile long clientAckedSeq;
    private volatile reactor.netty.Connection channel;
    /** The token of the upgrade request's {@code Authorization: Bearer} header, if any: a credential, never logged. */
    private volatile String bearerToken;
    /** Whom the connection authenticated as; null before welcome or when the node authenticates nobody. */
    private volatile Principal principal;

    /** A connection from {@code clientAddress} ({@link ClientAddress}). */
    Connection(ServerHandle server, Replies replies, Scheduler scheduler, String clientAddress) {
        this.server = server;
        this.clientAddress = clientAddress;
        this.messageRate = new MessageRate(server.userLimits(), scheduler);
        this.config = server.config();
        this.store = server.store();
        this.replies = replies;
        this.codec = server.codec();
        this.clock = server.clock();
        this.scheduler = scheduler;
        this.metrics = server.metrics();
        this.handshake = new Handshake(config, store, server.admission(), server.awaitingHello(),
                server.failedResumes(), server.addressLimits(), server.userLimits(), metrics,
                server::isShuttingDown, scheduler, this::close);
        ConnectionOptions options = config.connections();
        this.keepAlive = new KeepAlive(options.heartbeat(), options.idleTimeout(), scheduler, clock, this::send,
                () -> close(GatewayException.idle(options.idleTimeout())));
        this.badFrames = new BadFrames(options.badFrameWindow(), scheduler);
        this.outbox = new Outbox(options.maxPendingFrames(), options.maxPendingBytes());
        this.tokens = server.tokens();
        this.tokenExpiry = new TokenExpiry(scheduler, clock, () -> {
            metrics.refused(GatewayMetrics.Refusal.UNAUTHORIZED);
            close(GatewayException.unauthorized("token expired"));
        });
        resources.add(keepAlive);
        resources.add(tokenExpiry);
    }

    /** Whom the connection authenticated as; empty before welcome or when the node authenticates nobody. */
    Optional<Principal> principal() {
        return Optional.ofNullable(principal);
    }

    /** Reactor Netty's WebSocket handler shape: completes when the connection is over. */
    Mono<Void> handle(WebsocketInbound in, WebsocketOutbound out) {
        in.withConnection(connection -> {
            channel = connection;
            WebSocketLayer.install(connection.channel().pipeline(), config.connections().maxFrameBytes());
            // A peer gone in the middle of the handshake ends it now, not at its timeout: its place is given back.
            connection.onDispose(() -> end(null));
        });
        bearerToken = Bearer.token(in.headers());
        resources.add(handshake.open(clientAddress));

        in.aggregateFrames(config.connections().maxFrameBytes());
        in.withConnection(connection -> connection.addHandlerLast(UnfinishedMessages.NAME,
                UnfinishedMessages.INSTANCE));
        Mono<Void> inbound = in.receiveFrames()
                .doOnNext(frame -> keepAlive.heard())
                // WebSocket control frames belong to the WebSocket layer, before and after hello alike (§1).
                .filter(frame -> WebSocketLayer.isData(frame, channel.channel()))
                // Decoded at once: Reactor Netty releases the frame's buffer after this returns.
                .map(frame -> Received.decode(codec, frame))
                // Reading stops only once our close frame is out: cancelling the inbound earlier makes Reactor
                // Netty send a close frame of its own, without our code.
                .takeUntilOther(closeSent.asMono())
                .filter(received -> !isOver())
                .concatMap(this::onFrame)
                .onErrorResume(error -> {
                    end(Closes.forError(error));
                    return Mono.empty();
                })
                .doOnComplete(() -> end(null))
                .then();

        Mono<Void> outbound = out.sendString(outbox.frames())
                .then()
                .onErrorResume(error -> Mono.empty())
                .then(Mono.defer(() -> {
                    Closes.Close reason = closeReason();
                    return reason == null ? Mono.<Void>empty()
                            : out.sendClose(reason.code().code(), reason.reason()).onErrorResume(e -> Mono.empty());
                }))
                .doFinally(signal -> closeSent.tryEmitEmpty());

        return Mono.when(inbound, outbound)
                .doFinally(signal -> cleanup());
    }

    /** Completes when the connection is over and cleaned up. */
    Mono<Void> finished() {
        return finished.asMono();
    }

    /** Closes the connection with this error's code. */
    void close(GatewayException reason) {
        end(Closes.of(reason));
    }

    // ---------------------------------------------------------------- inbound

    private Mono<Void> onFrame(Received received) {
        String session = sessionId();
        if (session == null) {
            if (received.frame() instanceof Hello hello) {
                return handshake(hello);
            }
            // Before welcome there is nothing to keep open: the first frame must be a valid hello.
            ErrorFrame error = received.error() != null ? received.error()
                    : new ErrorFrame(ErrorCode.HANDSHAKE_REQUIRED,
                            "the first frame must be hello, got " + received.frame().type());
            send(error);
            close(GatewayException.handshakeRequired(received.frame() != null
                    ? received.frame().type() : "a bad frame (" + error.code().wireName() + ")"));
            return Mono.empty();
        }
        if (received.error() != null) {
            badFrame(received.error());
            return Mono.empty();
        }
        return switch (received.frame()) {
            case Hello hello -> {
                badFrame(new ErrorFrame(ErrorCode.HANDSHAKE_REQUIRED, "hello was already received"));
                yield Mono.empty();
            }
            case ClientMessage message -> onClientMessage(session, message);
            case ClientAck ack -> {
                onAck(ack);
                yield Mono.empty();
            }
            case Ping ping -> {
                send(new Pong(ping.t()));
                yield Mono.empty();
            }
            case Pong pong -> Mono.empty();
            case ClientAuth auth -> refresh(auth);
            case Bye bye -> bye(session);
        };
    }

    private void badFrame(ErrorFrame error) {
        send(error);
        int count = badFrames.add();
        if (count >= config.connections().badFrameLimit()) {
            close(GatewayException.tooManyBadFrames(count, config.connections().badFrameWindow()));
        }
    }

    /** Records a client's ack; one above every seq the client can have received breaks the protocol (§4.1). */
    private void onAck(ClientAck ack) {
        long sent;
        synchronized (this) {
            sent = highestSeqSent;
        }
        if (ack.seq() > sent) {
            badFrame(new ErrorFrame(ErrorCode.VALIDATION_ERROR, "ack.seq must be at most " + sent
                    + ", the highest seq sent, got " + ack.seq()));
        } else {
            clientAckedSeq = Math.max(clientAckedSeq, ack.seq());
        }
    }

    private Mono<Void> handshake(Hello hello) {
        if (hello.v() != Protocol.VERSION) {
            send(new ErrorFrame(ErrorCode.UNSUPPORTED_VERSION, "protocol version " + hello.v()
                    + " is not supported; this gateway speaks " + Protocol.VERSION));
            close(GatewayException.unsupportedVersion(hello.v()));
            return Mono.empty();
        }
        Mono<Optional<Principal>> identity = tokens == null ? Mono.just(Optional.empty())
                // The token in hello wins: a browser cannot set the header, and a proxy may have set one of its own.
                : tokens.verify(hello.token().orElse(bearerToken)).map(Optional::of);
        return handshake.hello(hello, identity).flatMap(this::begin);
    }

    /**
     * A fresh token for the connection: accepted when it is valid and names the same user, which moves the
     * connection's deadline; else the connection is closed with 4001. A node that authenticates nobody accepts it
     * unread, and nothing expires.
     */
    private Mono<Void> refresh(ClientAuth auth) {
        Principal current = principal;
        if (tokens == null || current == null) {
            send(new AuthOk(0));
            return Mono.empty();
        }
        return tokens.verify(auth.token())
                .doOnNext(fresh -> {
                    if (!fresh.sub().equals(current.sub())) {
                        metrics.refused(GatewayMetrics.Refusal.UNAUTHORIZED);
                        close(GatewayException.unauthorized("token for another user"));
                        return;
                    }
                    principal = fresh;
                    tokenExpiry.until(tokens.deadline(fresh.expiresAt()));
                    send(new AuthOk(fresh.expiresAt().toEpochMilli()));
                })
                .onErrorResume(GatewayException.class, refused -> {
                    metrics.refused(GatewayMetrics.Refusal.UNAUTHORIZED);
                    close(refused);
                    return Mono.empty();
                })
                .then();
    }

    /** Serves the session the handshake started: welcome, then its frames, heartbeats, lapsed replies and events. */
    private Mono<Void> begin(Handshake.Start start) {
        Attachment attachment = start.attachment();
        String id = attachment.session().sessionId();
        boolean gone;
        synchronized (this) {
            gone = over;
            if (!gone) {
                sessionId = id;
                generation = attachment.generation();
                highestSeqSent = attachment.session().lastSeq();
            }
        }
        messageRate.stored(attachment.session().ackedCseq());
        if (gone) {
            // The client went away during the handshake: give the session its grace period.
            return store.detach(id, attachment.generation());
        }
        if (start.principal() != null) {
            principal = start.principal();
            tokenExpiry.until(tokens.deadline(start.principal().expiresAt()));
        }
        send(new Welcome(Protocol.VERSION, id, start.token(), attachment.session().epoch(), start.resumed(),
                start.reason(), attachment.session().lastSeq(), attachment.session().ackedCseq(),
                config.connections().heartbeat().toMillis()));
        handshake.finish(start);
        resources.add(store.follow(id, start.afterSeq()).subscribe(
                this::send,
                error -> end(Closes.forError(error)),
                // Completes when the session is gone from the store. `bye` elsewhere would have superseded this
                // connection first (4009), so here the session was lost: let the client resume and learn why.
                () -> close(byeReceived ? GatewayException.bye() : GatewayException.sessionLost())));
        resources.add(attachment.superseded().subscribe(null, null, () -> close(GatewayException.takenOver())));
        // Idle detection starts with the session; before it the handshake timeout alone decides, so that a silent
        // client is always told 1013 (handshake timeout) rather than whichever of two timers fired first.
        keepAlive.start();
        // A reply whose producer died (on any node) is ended `interrupted`, and an event whose handler's node died is
        // handled, by the node serving the session: on attach below, and every lease period while the connection
        // stays, for a client that does not reconnect.
        resources.add(replies.recoverLapsedPeriodically(id));
        if (start.resumed()) {
            LOG.debug("session {} resumed after seq {} (generation {}) on connection {}", LogFields.session(id),
                    start.afterSeq(), attachment.generation(), LogFields.connection(connectionId()));
        } else {
            LOG.debug("session {} created on connection {}{}", LogFields.session(id),
                    LogFields.connection(connectionId()), start.reason() == null ? ""
                            : " (resume failed: " + start.reason().wireName() + ")");
        }
        // A reply whose node is dead is taken over and continued at once, without waiting for its lease.
        return replies.takeOverFromDead(id)
                .then(replies.recoverLapsed(id))
                .onErrorResume(e -> {
                    StoreHealth.log(LOG, e, "could not look after the lapsed replies and events of session {}",
                            LogFields.session(id));
                    if (e instanceof SessionStoreException failure && failure.isRetryable()) {
                        // The store is unavailable: the client comes back after the hint, and is looked after then.
                        close(GatewayException.storeNotReady(Closes.STORE_RETRY_AFTER));
                    }
                    return Mono.empty();
                });
    }

    // ---------------------------------------------------------------- session traffic

    private Mono<Void> onClientMessage(String session, ClientMessage message) {
        Principal owner = principal;
        MessageRate.Refusal refusal = messageRate.check(message, owner != null ? "user " + owner.sub()
                : "session " + session);
        if (refusal != null) {
            // Not stored, not acknowledged: the client keeps it and sends it again after the hint.
            metrics.clientMessageRateLimited();
            send(new ErrorFrame(ErrorCode.RATE_LIMITED, "cseq " + message.cseq() + " was not stored: more than "
                    + config.limits().userMessagesPerMinute() + " user messages per minute; send it and what "
                    + "follows again after retryAfterMs", Math.max(1, refusal.retryAfter().toMillis())));
            if (refusal.ignored() >= config.limits().maxIgnoredRateLimits()) {
                close(GatewayException.ignoredRateLimits(refusal.ignored()));
            }
            return Mono.empty();
        }
        // A user message's reply is leased as it is stored: if this node dies before the reply starts, the
        // lease lapses and the node serving the session next ends the reply `interrupted`.
        return store.appendClient(session, message, config.server().nodeId(), config.replies().lease())
                .doOnNext(result -> {
                    metrics.clientMessage(result.outcome());
                    messageRate.stored(result.ackedCseq());
                    switch (result.outcome()) {
                        case STORED -> {
                            send(new ServerAck(result.ackedCseq()));
                            act(session, message);
                        }
                        case DUPLICATE -> send(new ServerAck(result.ackedCseq()));
                        case OUT_OF_ORDER -> send(new ErrorFrame(ErrorCode.OUT_OF_ORDER, "cseq " + message.cseq()
                                + " skips ahead; the next expected cseq is " + (result.ackedCseq() + 1)));
                    }
                })
                .then()
                .onErrorResume(error -> {
                    if (SessionStoreException.isNotFound(error)) {
                        close(GatewayException.sessionLost());
                    } else {
                        // Nothing is acknowledged that was not stored; the client sends it again.
                        metrics.clientMessageNotStored();
                        StoreHealth.log(LOG, error, "could not store cseq {} of session {}", message.cseq(),
                                LogFields.session(session));
                        boolean ambiguous = !SessionStoreException.isNotApplied(error);
                        send(new ErrorFrame(ErrorCode.STORE_UNAVAILABLE, "cseq " + message.cseq()
                                + (ambiguous ? " may not have been stored" : " was not stored") + "; send it again"));
                        if (ambiguous && message instanceof UserMessage user) {
                            // The resend is only acknowledged if this call did store it: see that it gets a reply.
                            replies.startIfStoredHere(session, user);
                        }
                        if (error instanceof SessionStoreException failure && failure.isRetryable()) {
                            // The store is unavailable now (protocol.md §10), even while its connection still looks
                            // up (a frozen Redis): resending on this connection only feeds a dead store. The client
                            // resends unacknowledged messages after the next welcome, after the hint.
                            close(GatewayException.storeNotReady(Closes.STORE_RETRY_AFTER));
                        }
                    }
                    return Mono.empty();
                });
    }

    private void act(String session, ClientMessage message) {
        switch (message) {
            case UserMessage user -> replies.start(session, user);
            case Cancel cancel -> replies.cancel(session, cancel.replyTo());
            case ClientEvent event -> replies.event(session, event);
        }
    }

    private Mono<Void> bye(String session) {
        byeReceived = true;
        replies.abandon(session);
        return store.remove(session)
                .doOnSuccess(ignored -> {
                    synchronized (this) {
                        sessionRemoved = true;
                    }
                    LOG.debug("session {} ended by the client", LogFields.session(session));
                    close(GatewayException.bye());
                });
    }

    // ---------------------------------------------------------------- outbound and ending

    private void send(ServerFrame frame) {
        String text;
        try {
            text = codec.encode(frame);
        } catch (RuntimeException e) {
            // No producer makes a frame the codec refuses; should one, the connection ends rather than the caller.
            close(GatewayException.internal("cannot send " + frame.type() + ": " + e.getMessage()));
            return;
        }
        boolean tooSlow;
        synchronized (this) {
            if (over) {
                return;
            }
            tooSlow = outbox.offer(text);
            if (frame instanceof Sequenced sequenced) {
                highestSeqSent = Math.max(highestSeqSent, sequenced.seq());
            }
        }
        if (frame instanceof Sequenced) {
            metrics.frameSent();
        }
        if (tooSlow) {
            // Every sequenced frame is in the session log: rather than buffer without bound for a client that does
            // not read, drop it; it resumes from its lastSeq and gets the frames from the log.
            close(GatewayException.slowConsumer(outbox.pendingFrames(), outbox.pendingBytes()));
        }
    }

    /** Ends the connection: with a close frame when {@code reason} is given, without when the peer is gone. */
    private void end(Closes.Close reason) {
        synchronized (this) {
            if (over) {
                return;
            }
            over = true;
            close = reason;
        }
        // Outside the lock: completing the outbox can run the whole cleanup, store calls included, on this thread.
        // No frame can be emitted after it, since send() emits only under the lock and while not over.
        outbox.complete();
        // Its handshake place, if any, goes back now: a store call still running for it must not hold it.
        handshake.end();
        metrics.closed(reason == null ? ABNORMAL_CLOSURE : reason.code().code());
        // A peer that stopped reading could hold the close frame up forever: cut the connection after a while.
        resources.add(Mono.delay(CLOSE_TIMEOUT, scheduler).subscribe(tick -> {
            reactor.netty.Connection connection = channel;
            if (connection != null) {
                connection.dispose();
            }
        }));
        if (reason != null && reason.code().code() != 1000) {
            LOG.debug("closing connection {} of session {} with {}: {}", LogFields.connection(connectionId()),
                    LogFields.session(sessionId()), reason.code().code(), reason.reason());
        }
    }

    private synchronized boolean isOver() {
        return over;
    }

    private synchronized Closes.Close closeReason() {
        return close;
    }

    /** This connection's id in the logs: its channel's short id. */
    String connectionId() {
        reactor.netty.Connection connection = channel;
        return connection == null ? "-" : connection.channel().id().asShortText();
    }

    /** The session this connection serves, or null before welcome. */
    synchronized String sessionId() {
        return sessionId;
    }

    private void cleanup() {
        handshake.end();
        end(null);
        resources.dispose();
        String id;
        long gen;
        synchronized (this) {
            id = sessionRemoved ? null : sessionId;
            gen = generation;
        }
        if (id != null) {
            // Idempotent for a generation, so retried through an outage: a detach that never lands would leave the
            // session marked connected and its keys refreshed by this node instead of expiring after the grace.
            store.detach(id, gen)
                    .retryWhen(reactor.util.retry.Retry.backoff(Long.MAX_VALUE, DETACH_BACKOFF_MIN)
                            .maxBackoff(DETACH_BACKOFF_MAX)
                            .scheduler(scheduler)
                            .filter(e -> e instanceof SessionStoreException s && s.isRetryable()
                                    && !server.isShuttingDown()))
                    .timeout(config.sessionLimits().grace(), scheduler)
                    .subscribe(null, e -> LOG.warn("could not detach session {}: {}", LogFields.session(id),
                            e.toString()));
        }
        server.connectionEnded(this);
        finished.tryEmitEmpty();
    }
}
