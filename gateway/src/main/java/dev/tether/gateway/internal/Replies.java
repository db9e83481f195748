package dev.tether.gateway.internal;

import dev.tether.gateway.ConversationContext;
import dev.tether.gateway.ConversationHandler;
import dev.tether.gateway.ReplyFailure;
import dev.tether.gateway.ReplyInterrupted;
import dev.tether.gateway.ReplyOptions;
import dev.tether.gateway.ReplyPart;
import dev.tether.protocol.AssistantDelta;
import dev.tether.protocol.AssistantDone;
import dev.tether.protocol.ClientEvent;
import dev.tether.protocol.DoneReason;
import dev.tether.protocol.FrameCodec;
import dev.tether.protocol.ReplyError;
import dev.tether.protocol.Sequenced;
import dev.tether.protocol.ServerEvent;
import dev.tether.protocol.TokenUsage;
import dev.tether.protocol.UserMessage;
import dev.tether.protocol.session.ReplyLease;
import dev.tether.protocol.session.SessionStore;
import dev.tether.protocol.session.SessionStoreException;
import dev.tether.protocol.session.TakenReply;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;
import reactor.core.Disposables;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.core.scheduler.Scheduler;
import reactor.util.retry.Retry;

/**
 * The replies being produced on this node. A reply belongs to its session, not to the connection that asked: it runs
 * to the end and writes every part to the session's log, whether or not a client is connected to read it.
 *
 * <p>Store outages: parts reach the log one at a time through {@code concatMap(append)} with a prefetch of one, so
 * a handler's Flux is backpressured and a reply waiting for the store is paused, not buffered. Each part is stored
 * under its number in the reply, which makes {@link SessionStore#appendReply} idempotent: a part whose store call
 * failed, even ambiguously (a timeout, or a connection lost with the command in flight, which may have stored it),
 * is simply sent again with backoff until the store answers, for at most {@link ReplyOptions#maxPause()}.
 * Only then does the reply end: with {@code failed} if that can still be stored, otherwise its lease lapses and the
 * node serving the session ends it {@code interrupted}.
 *
 * <p>Client events go to the handler through {@link ClientEvents}, whose lapsed leases are looked after with the
 * lapsed replies ({@link #recoverLapsed}).
 */
final class Replies {

    private static final Logger LOG = LoggerFactory.getLogger(Replies.class);

    private final SessionStore store;
    private final ConversationHandler handler;
    private final FrameCodec codec;
    private final String nodeId;
    private final Duration lease;
    private final Duration maxPause;
    private final int maxContinuations;
    private final Scheduler scheduler;
    private final GatewayMetrics metrics;
    private final StoreRetries retries;
    private final StoredEnds ends;
    private final ClientEvents events;
    private final ConcurrentHashMap<Key, Running> running = new ConcurrentHashMap<>();
    private volatile Disposable cancelListening = Disposables.disposed();

    /**
     * Lease periods an unfinished reply's entry is kept: its lease lapses within one, and the node serving the
     * session ends it at the latest one period later; a third for good measure.
     */
    static final int UNFINISHED_KEPT = 3;
    /** Starts between two prunings of the unfinished entries. */
    static final int PRUNE_EVERY = 256;
    private final AtomicInteger starts = new AtomicInteger();

    /** Longest wait before listening for cancel requests again after the store failed. */
    static final Duration CANCEL_LISTEN_BACKOFF_MAX = Duration.ofSeconds(5);

    Replies(SessionStore store, ConversationHandler handler, FrameCodec codec, String nodeId, Duration lease,
            Duration maxPause, Scheduler scheduler, GatewayMetrics metrics) {
        this(store, handler, codec, nodeId, ReplyOptions.builder().lease(lease).maxPause(maxPause).build(), scheduler,
                metrics);
    }

    Replies(SessionStore store, ConversationHandler handler, FrameCodec codec, String nodeId, ReplyOptions options,
            Scheduler scheduler, GatewayMetrics metrics) {
        Duration lease = options.lease();
        this.maxContinuations = options.maxContinuations();
        this.codec = codec;
        this.metrics = metrics;
        this.store = store;
        this.handler = handler;
        this.nodeId = nodeId;
        this.lease = lease;
        this.maxPause = options.maxPause();
        this.scheduler = scheduler;
        this.retries = new StoreRetries(scheduler);
        this.ends = new StoredEnds(store, retries, lease, metrics);
        this.events = new ClientEvents(store, handler, nodeId, lease, scheduler, metrics);
    }

    private record Key(String sessionId, long replyTo) {
    }

    /** {@link Running#unfinishedSince} of a reply still being produced. */
    private static final long LIVE = Long.MIN_VALUE;

    private static final class Running {
        final Sinks.One<Boolean> cancel = Sinks.one();
        final AtomicBoolean cancelled = new AtomicBoolean();
        volatile Disposable subscription;
        volatile Disposable renewal;
        /** Nothing more can be written for the reply: its end is stored, it was ended elsewhere, or it is gone. */
        volatile boolean settled;
        /** When production stopped without the end stored (scheduler nanos), or {@link #LIVE} while it runs. */
        volatile long unfinishedSince = LIVE;
        /** Parts stored so far, which is the number of the next one. */
        final AtomicLong parts = new AtomicLong();
        /** The last usage the handler reported, for the done frame; null until then. */
        volatile TokenUsage usage;
        /** The seq of the part stored last, 0 before the first: the reply's end, when stored, comes after it. */
        volatile long lastSeq;
        /** How many times the reply was taken over from a dead node, this node's takeover included. */
        volatile int continued;
        /** The handler declined to continue the reply: it ends {@code interrupted}. */
        volatile boolean interrupted;

        boolean live() {
            return unfinishedSince == LIVE;
        }
    }

    /**
     * Starts the reply to a user message that was just stored. A node produces a reply at most once: a reply that
     * stopped here without its end stored (its store calls failed) keeps its entry for {@link #UNFINISHED_KEPT}
     * leases, so that {@link #startIfStoredHere} cannot produce it a second time after some of it was stored.
     */
    void start(String sessionId, UserMessage message) {
        Key key = new Key(sessionId, message.cseq());
        Running reply = new Running();
        if (running.putIfAbsent(key, reply) != null) {
            return;
        }
        if (starts.incrementAndGet() % PRUNE_EVERY == 0) {
            pruneUnfinished();
        }
        ConversationContext context = context(sessionId);
        produce(sessionId, key, reply, Flux.defer(() -> handler.reply(context, message)));
    }

    /**
     * Produces a reply from {@code source}, from its part {@link Running#parts} on: its parts, then its end, each
     * appended to the log under the reply's lease, which this node holds.
     */
    private void produce(String sessionId, Key key, Running reply, Flux<ReplyPart> source) {
        long replyTo = key.replyTo();
        // The store leased this reply when it stored the message; the producer only renews the lease. A renewal
        // that finds the lease gone means another node ended the reply (`interrupted`): stop producing it.
        Mono<Void> work = Mono.fromRunnable(() -> reply.renewal = Flux.interval(lease.dividedBy(3), scheduler)
                        .concatMap(tick -> store.renewReply(sessionId, replyTo, nodeId, lease)
                                .onErrorResume(e -> {
                                    if (SessionStoreException.isReplyEnded(e)) {
                                        stop(key, reply);
                                    }
                                    return Mono.empty();
                                }))
                        .subscribe())
                .thenMany(source)
                // One handler part at a time, so that the handler stays backpressured by the store.
                .concatMapIterable(part -> frames(replyTo, reply, part), 1)
                // Stops the parts; concatMap still finishes the append in flight, so `cancelled` comes last.
                .takeUntilOther(reply.cancel.asMono())
                // A handler that fails waits for the append in flight too, so the parts stored are counted right
                // before `failed` is stored after them.
                .concatMapDelayError(frame -> append(sessionId, replyTo, reply, frame), false, 1)
                // A handler that does not continue a reply taken over ends it as a dead node's reply ended before.
                .onErrorResume(ReplyInterrupted.class::isInstance, e -> {
                    reply.interrupted = true;
                    return Mono.empty();
                })
                .then(Mono.defer(() -> {
                    DoneReason reason = reply.cancelled.get() ? DoneReason.CANCELLED
                            : reply.interrupted ? DoneReason.INTERRUPTED : DoneReason.COMPLETE;
                    return append(sessionId, replyTo, reply, AssistantDone.of(replyTo, reason, null, reply.usage)
                            .withContinued(reply.continued))
                            .doOnNext(done -> {
                                reply.settled = true;
                                metrics.replyEnded(reason);
                            })
                            .then();
                }))
                .onErrorResume(e -> {
                    if (SessionStoreException.isNotFound(e) || SessionStoreException.isReplyEnded(e)) {
                        reply.settled = true;
                        if (SessionStoreException.isReplyEnded(e)) {
                            // Ended elsewhere, or by a call of ours whose answer was lost: see which, to count it.
                            ends.learn(sessionId, replyTo, reply.lastSeq, false, reply.continued);
                        }
                        return Mono.empty();
                    }
                    StoreHealth.log(LOG, e, "reply to cseq {} in session {} failed", replyTo,
                            LogFields.session(sessionId));
                    // A store call that kept failing may have stored its part after all: then `failed` is the part
                    // after it, else the store refuses it as not the next one and the lease lapses instead. Fenced
                    // like every part: if the done itself was stored, the lease is gone and this appends nothing.
                    long part = reply.parts.get() + (e instanceof SessionStoreException
                            && !SessionStoreException.isNotApplied(e) ? 1 : 0);
                    return done(sessionId, replyTo, part, AssistantDone.of(replyTo, DoneReason.FAILED, told(e),
                            reply.usage).withContinued(reply.continued))
                            .doOnSuccess(ignored -> reply.settled = true);
                })
                // No release: the store ends the lease with the append of the done frame, in the same step.
                .onErrorResume(e -> {
                    if (SessionStoreException.isNotFound(e) || SessionStoreException.isReplyEnded(e)) {
                        reply.settled = true;
                    } else {
                        // The lease stays; whoever serves the session next marks the reply interrupted.
                        StoreHealth.log(LOG, e, "reply to cseq {} in session {} could not be finished", replyTo,
                                LogFields.session(sessionId));
                    }
                    if (!SessionStoreException.isNotFound(e)) {
                        // The `failed` may have been stored after all, or an earlier end of ours: count what was.
                        ends.learn(sessionId, replyTo, reply.lastSeq, !SessionStoreException.isReplyEnded(e),
                                reply.continued);
                    }
                    return Mono.empty();
                })
                .doFinally(signal -> {
                    Disposable renewal = reply.renewal;
                    if (renewal != null) {
                        renewal.dispose();
                    }
                    if (reply.settled) {
                        running.remove(key, reply);
                    } else {
                        // Its lease stays until it lapses and is ended `interrupted`; until then, keep the entry.
                        reply.unfinishedSince = now();
                    }
                });
        reply.subscription = work.subscribe();
    }

    /**
     * Starts the reply to a user message whose store call failed ambiguously (it timed out, or the connection dropped
     * with it in flight), if that call stored it after all. Storing a message leases its reply to the storing node in
     * the same step, and a node starts only the replies of messages it stored, so once the store answers again: a
     * lease held by this node for a reply not running here means this node's call landed and nobody else will
     * produce the reply. Without this, the reply would end {@code interrupted} when the lease lapsed, and the
     * client's resend would only be acknowledged as a duplicate. Tries for at most one lease period.
     */
    void startIfStoredHere(String sessionId, UserMessage message) {
        retries.retried(Mono.defer(() -> store.findReplyLease(sessionId, message.cseq())), lease)
                .filter(found -> found.nodeId().equals(nodeId))
                .subscribe(found -> {
                    LOG.info("cseq {} of session {} was stored after all; starting its reply", message.cseq(),
                            LogFields.session(sessionId));
                    // Does nothing if this node has produced the reply already, finished or not: running after the
                    // client's resend was stored here, or stopped after some of it was stored.
                    start(sessionId, message);
                }, error -> {
                    if (!SessionStoreException.isNotFound(error)) {
                        StoreHealth.log(LOG, error, "could not learn whether cseq {} of session {} was stored",
                                message.cseq(), LogFields.session(sessionId));
                    }
                });
    }

    /**
     * Takes over the session's replies leased to nodes that are no longer alive, and goes on with them here
     * ({@link #takeOver}): a node serving a session looks at once, rather than waiting for the leases to lapse. A
     * liveness read may be stale by the time the takeover runs; that is safe, since the takeover is atomic on each
     * lease: a node that was only slow loses the reply and is fenced out.
     */
    Mono<Void> takeOverFromDead(String sessionId) {
        return Flux.defer(() -> store.findReplyLeases(sessionId))
                .map(ReplyLease::nodeId)
                .filter(node -> !node.equals(nodeId))
                .distinct()
                .concatMap(node -> store.isNodeAlive(node).filter(alive -> !alive).map(alive -> node))
                .collect(Collectors.toSet())
                .flatMap(dead -> dead.isEmpty() ? Mono.empty() : takeOver(sessionId, dead));
    }

    /**
     * Takes over the session's replies leased to {@code deadNodes} and goes on with each here, from where it stopped:
     * the handler continues it ({@link ConversationHandler#continueReply}) unless it was continued
     * {@link #maxContinuations} times already, or a cancel was requested for it, which end it {@code interrupted} or
     * {@code cancelled} at once. The store moves each lease atomically, so exactly one node takes each reply.
     */
    Mono<Void> takeOver(String sessionId, Set<String> deadNodes) {
        return Flux.defer(() -> store.takeOverReplies(sessionId, deadNodes, nodeId, lease))
                .doOnNext(taken -> {
                    metrics.replyTakenOver();
                    LOG.info("took over the reply to cseq {} in session {} (continuation {}) from a dead node",
                            taken.replyTo(), sessionId, taken.continued());
                    goOn(sessionId, taken);
                })
                .then();
    }

    /** Produces the rest of a reply taken over, under its lease, now this node's. */
    private void goOn(String sessionId, TakenReply taken) {
        Key key = new Key(sessionId, taken.replyTo());
        Running reply = new Running();
        reply.parts.set(taken.parts());
        reply.lastSeq = taken.lastSeq();
        reply.continued = taken.continued();
        Running previous = running.put(key, reply);
        if (previous != null) {
            // Produced here before and stopped without its end (a restart under the same id, say): the lease moved.
            halt(previous);
        }
        Flux<ReplyPart> source;
        if (taken.cancelRequested()) {
            reply.cancelled.set(true);
            source = Flux.empty();
        } else if (taken.continued() > maxContinuations) {
            source = Flux.error(ReplyInterrupted.notContinued());
        } else {
            source = continuation(sessionId, taken);
        }
        produce(sessionId, key, reply, source);
    }

    /**
     * The handler's continuation of a reply taken over, from its user message and its text so far as the log holds
     * them; a reply whose message or beginning is no longer retained cannot be continued and ends
     * {@code interrupted}.
     */
    private Flux<ReplyPart> continuation(String sessionId, TakenReply taken) {
        long replyTo = taken.replyTo();
        ConversationContext context = context(sessionId);
        Mono<UserMessage> message = context.clientMessages()
                .filter(m -> m.cseq() == replyTo && m instanceof UserMessage)
                .cast(UserMessage.class)
                .next();
        Mono<String> partial = context.frames()
                .takeWhile(frame -> frame.seq() <= taken.lastSeq())
                .collectList()
                .flatMap(frames -> {
                    // A trimmed log whose first frame is this reply's may have lost the reply's beginning.
                    if (!frames.isEmpty() && frames.get(0).seq() != 1
                            && frames.get(0) instanceof AssistantDelta first && first.replyTo() == replyTo) {
                        return Mono.empty();
                    }
                    StringBuilder text = new StringBuilder();
                    for (Sequenced frame : frames) {
                        if (frame instanceof AssistantDelta delta && delta.replyTo() == replyTo) {
                            text.append(delta.text());
                        }
                    }
                    return Mono.just(text.toString());
                });
        return Mono.zip(message.map(Optional::of).defaultIfEmpty(Optional.empty()),
                        partial.map(Optional::of).defaultIfEmpty(Optional.empty()))
                .flatMapMany(both -> both.getT1().isPresent() && both.getT2().isPresent()
                        ? handler.continueReply(context, both.getT1().get(), both.getT2().get())
                        : Flux.error(ReplyInterrupted.notContinued()));
    }

    /** Stops the reply to {@code replyTo} for a client's {@code cancel}, wherever it is produced: here at once, else
     * through the store, which tells the node the reply's lease names ({@link #listenForCancels} there). The reply
     * ends with {@code cancelled}; nothing happens if it has ended.
     */
    void cancel(String sessionId, long replyTo) {
        if (!cancelHere(sessionId, replyTo)) {
            store.requestCancel(sessionId, replyTo)
                    .subscribe(null, e -> LOG.warn("could not pass on the cancel of the reply to cseq {} in session "
                            + "{}: {}", replyTo, LogFields.session(sessionId), e.toString()));
        }
    }

    /** Stops the reply to {@code replyTo} if this node produces it; whether it does. */
    private boolean cancelHere(String sessionId, long replyTo) {
        Running reply = running.get(new Key(sessionId, replyTo));
        if (reply == null || !reply.live()) {
            return false;
        }
        if (reply.cancelled.compareAndSet(false, true)) {
            reply.cancel.tryEmitValue(Boolean.TRUE);
        }
        return true;
    }

    /**
     * Hears the cancels that clients connected to other nodes send for the replies produced here, until disposed;
     * listens again with backoff after the store failed.
     */
    void listenForCancels() {
        cancelListening = Flux.defer(() -> store.cancelRequests(nodeId))
                .retryWhen(Retry.backoff(Long.MAX_VALUE, StoreRetries.BACKOFF_MIN).maxBackoff(CANCEL_LISTEN_BACKOFF_MAX)
                        .scheduler(scheduler))
                .subscribe(request -> cancelHere(request.sessionId(), request.replyTo()),
                        e -> LOG.error("stopped listening for cancel requests", e));
    }

    /** Drops every reply of a session that is being removed, writing nothing more. */
    void abandon(String sessionId) {
        running.forEach((key, reply) -> {
            if (key.sessionId().equals(sessionId)) {
                stop(key, reply);
            }
        });
    }

    /** Passes a stored client event, whose handling the store leased to this node, to the handler. */
    void event(String sessionId, ClientEvent event) {
        events.handle(sessionId, event);
    }

    /**
     * Ends the replies of a session whose producer is gone (its lease lapsed) with {@code interrupted}, so that the
     * client is not left waiting for a reply that will never finish, then hands the events whose handler's node is
     * gone to this node's handler ({@link ClientEvents#claimLapsed}). The store ends each lapsed reply once, in the
     * same step as it takes the lease away, so two nodes looking at once do not both end it, and a producer that was
     * only slow is fenced out. A lapsed reply that is still running here (its renewals failed during a store outage)
     * is alive after all: the store renews its lease instead.
     */
    Mono<Void> recoverLapsed(String sessionId) {
        return Flux.defer(() -> store.endLapsedReplies(sessionId, producing(sessionId), nodeId, lease))
                .doOnNext(done -> metrics.replyEnded(DoneReason.INTERRUPTED))
                .then(events.claimLapsed(sessionId));
    }

    /** Runs {@link #recoverLapsed} for a session every lease period, until disposed. */
    Disposable recoverLapsedPeriodically(String sessionId) {
        return Flux.interval(lease, lease, scheduler)
                .onBackpressureDrop()
                .concatMap(tick -> recoverLapsed(sessionId).onErrorResume(e -> Mono.empty()), 1)
                .subscribe();
    }

    private Set<Long> producing(String sessionId) {
        Set<Long> producing = new HashSet<>();
        running.forEach((key, reply) -> {
            if (reply.live() && key.sessionId().equals(sessionId)) {
                producing.add(key.replyTo());
            }
        });
        return producing;
    }

    /** Whether a reply of the session is being produced on this node. */
    boolean isProducing(String sessionId) {
        for (var entry : running.entrySet()) {
            if (entry.getValue().live() && entry.getKey().sessionId().equals(sessionId)) {
                return true;
            }
        }
        return false;
    }

    /** The number of replies being produced. */
    int size() {
        int live = 0;
        for (Running reply : running.values()) {
            if (reply.live()) {
                live++;
            }
        }
        return live;
    }

    /** Forgets unfinished replies whose lease has long lapsed and been ended by whoever serves the session. */
    private void pruneUnfinished() {
        long now = now();
        long kept = lease.multipliedBy(UNFINISHED_KEPT).toNanos();
        running.entrySet().removeIf(entry -> !entry.getValue().live()
                && now - entry.getValue().unfinishedSince > kept);
    }

    /** Stops every reply and event handling, for shutdown. Their leases stay and lapse. */
    void dispose() {
        cancelListening.dispose();
        events.dispose();
        running.forEach(this::stop);
    }

    private void stop(Key key, Running reply) {
        running.remove(key, reply);
        halt(reply);
    }

    private static void halt(Running reply) {
        Disposable subscription = reply.subscription;
        if (subscription != null) {
            subscription.dispose();
        }
        Disposable renewal = reply.renewal;
        if (renewal != null) {
            renewal.dispose();
        }
    }

    /** Appends the next part of a reply, tried again while the store fails (see the class comment). */
    private Mono<Sequenced> append(String sessionId, long replyTo, Running reply, Sequenced frame) {
        return Mono.defer(() -> {
            long part = reply.parts.get();
            return retries.retried(
                    Mono.defer(() -> store.appendReply(sessionId, replyTo, part, frame, nodeId, lease)), maxPause);
        }).doOnNext(stored -> {
            reply.lastSeq = stored.seq();
            reply.parts.incrementAndGet();
        });
    }

    private long now() {
        return scheduler.now(TimeUnit.NANOSECONDS);
    }

    private Mono<Void> done(String sessionId, long replyTo, long part, AssistantDone done) {
        return store.appendReply(sessionId, replyTo, part, done, nodeId, lease)
                .doOnNext(stored -> {
                    metrics.replyEnded(done.reason());
                    LOG.info("reply to cseq {} in session {} ended {}", replyTo, LogFields.session(sessionId),
                            done.reason().wireName());
                })
                .then();
    }

    /** The error a failed reply tells its client: a handler's {@link ReplyFailure}, else none. */
    private static ReplyError told(Throwable failure) {
        for (Throwable e = failure; e != null; e = e.getCause()) {
            if (e instanceof ReplyFailure told) {
                return told.error();
            }
        }
        return null;
    }

    /**
     * The frames of one reply part, each within the frame limit: a text too large for one frame is cut into several
     * deltas, since a reply is never refused halfway for its text; an event cannot be cut, so one too large (or not
     * well-formed) fails the reply, with the reason logged. Usage is no frame: it is kept for the reply's done.
     */
    private List<? extends Sequenced> frames(long replyTo, Running reply, ReplyPart part) {
        return switch (part) {
            case ReplyPart.Text text -> codec.deltas(replyTo, text.text());
            case ReplyPart.Event event -> {
                ServerEvent frame = ServerEvent.of(event.name(), event.data());
                codec.check(frame);
                yield List.of(frame);
            }
            case ReplyPart.Usage usage -> {
                reply.usage = usage.tokens();
                yield List.of();
            }
        };
    }

    private ConversationContext context(String sessionId) {
        return new SessionContext(store, sessionId);
    }
}
