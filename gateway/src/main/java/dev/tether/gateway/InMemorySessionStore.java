package dev.tether.gateway;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tether.gateway.internal.MemorySession;
import dev.tether.protocol.ClientEvent;
import dev.tether.protocol.ClientMessage;
import dev.tether.protocol.FrameCodec;
import dev.tether.protocol.Sequenced;
import dev.tether.protocol.session.Attachment;
import dev.tether.protocol.session.CancelRequest;
import dev.tether.protocol.session.ClientAppend;
import dev.tether.protocol.session.OnceAppend;
import dev.tether.protocol.session.ReplyLease;
import dev.tether.protocol.session.TakenReply;
import dev.tether.protocol.session.SessionIds;
import dev.tether.protocol.session.SessionLimits;
import dev.tether.protocol.session.SessionRecord;
import dev.tether.protocol.session.SessionState;
import dev.tether.protocol.session.SessionStats;
import dev.tether.protocol.session.SessionStore;
import dev.tether.protocol.session.SessionStoreException;
import dev.tether.protocol.session.StoreArguments;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.BiFunction;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.FluxSink;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * The embedded session store: every session in this JVM's memory, so sessions survive reconnects to this node but
 * not a restart of it.
 *
 * <p>Each session ({@link MemorySession}) is guarded by its own lock, held only for in-memory work, so every
 * operation completes at once and never blocks an event loop. Disconnected sessions are removed after the grace
 * period by one periodic sweep on a {@link Scheduler}; between sweeps an expired session is already treated as gone.
 * Time is read from an injected {@link Clock}, so tests can move it.
 */
public final class InMemorySessionStore implements SessionStore {

    /** Default interval of the expiry sweep: 1 second. */
    public static final Duration DEFAULT_SWEEP_INTERVAL = Duration.ofSeconds(1);

    private static final Logger LOG = LoggerFactory.getLogger(InMemorySessionStore.class);

    private final SessionLimits limits;
    private final Clock clock;
    /** Measures frames and client messages for the byte bound, the way the Redis store does: encoded. */
    private final FrameCodec codec = new FrameCodec();
    private final Disposable sweeper;
    private final ConcurrentHashMap<String, MemorySession> sessions = new ConcurrentHashMap<>();
    /** The ids of each user's sessions, for {@link #sessionsOf}; kept with {@link #sessions}. */
    private final ConcurrentHashMap<String, Set<String>> byUser = new ConcurrentHashMap<>();
    /** Per node, the cancel requests for the replies it produces; one sink per node id, kept while the store is. */
    private final ConcurrentHashMap<String, Sinks.Many<CancelRequest>> cancels = new ConcurrentHashMap<>();
    /** Per node, until when it is alive ({@link #heartbeatNode}); a dead node stays until forgotten. */
    private final ConcurrentHashMap<String, Instant> nodes = new ConcurrentHashMap<>();
    private volatile boolean closed;

    private InMemorySessionStore(Builder builder) {
        this.limits = builder.limits;
        this.clock = builder.clock;
        long interval = builder.sweepInterval.toMillis();
        this.sweeper = builder.scheduler.schedulePeriodically(this::sweep, interval, interval, TimeUnit.MILLISECONDS);
    }

    /** A store with these limits, the system clock and the default sweep. */
    public static InMemorySessionStore create(SessionLimits limits) {
        return builder().limits(limits).build();
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The limits this store applies. */
    public SessionLimits limits() {
        return limits;
    }

    // ---------------------------------------------------------------- lifecycle

    @Override
    public Mono<Attachment> create(String sessionId, byte[] tokenDigest, String nodeId, String user) {
        return SessionIds.requireNew(sessionId).then(Mono.fromCallable(() -> {
            Objects.requireNonNull(tokenDigest, "tokenDigest");
            Objects.requireNonNull(nodeId, "nodeId");
            Instant now = clock.instant();
            MemorySession session = new MemorySession(sessionId, tokenDigest.clone(), SessionRecord.newEpoch(), nodeId,
                    user, now, limits, codec::encodedSize);
            MemorySession previous = sessions.putIfAbsent(sessionId, session);
            if (previous != null) {
                synchronized (previous) {
                    if (!previous.isRemoved() && !previous.expired(now)) {
                        throw SessionStoreException.alreadyExists(sessionId);
                    }
                    removeLocked(previous);
                }
                if (sessions.putIfAbsent(sessionId, session) != null) {
                    throw SessionStoreException.alreadyExists(sessionId);
                }
            }
            if (user != null) {
                // Atomic per user with the removal below, which drops an emptied set.
                byUser.compute(user, (u, ids) -> {
                    Set<String> kept = ids == null ? ConcurrentHashMap.newKeySet() : ids;
                    kept.add(sessionId);
                    return kept;
                });
            }
            synchronized (session) {
                return session.attachment();
            }
        }));
    }

    @Override
    public Flux<String> sessionsOf(String user) {
        Objects.requireNonNull(user, "user");
        return Flux.defer(() -> {
            Set<String> ids = byUser.get(user);
            if (ids == null) {
                return Flux.empty();
            }
            Instant now = clock.instant();
            List<String> live = new ArrayList<>();
            for (String id : ids) {
                MemorySession session = sessions.get(id);
                if (session != null) {
                    synchronized (session) {
                        if (usable(session, now) && user.equals(session.user())) {
                            live.add(id);
                        }
                    }
                }
            }
            return Flux.fromIterable(live);
        });
    }

    @Override
    public Mono<SessionRecord> find(String sessionId) {
        return locked(sessionId, (session, now) -> session.record())
                .onErrorResume(SessionStoreException::isNotFound, e -> Mono.empty());
    }

    @Override
    public Mono<Attachment> attach(String sessionId, String nodeId) {
        Objects.requireNonNull(nodeId, "nodeId");
        return locked(sessionId, (session, now) -> session.attach(nodeId, now));
    }

    @Override
    public Mono<Void> detach(String sessionId, long generation) {
        return ifPresent(sessionId, session -> session.detach(generation, clock.instant()));
    }

    @Override
    public Mono<Void> remove(String sessionId) {
        return ifPresent(sessionId, this::removeLocked);
    }

    // ---------------------------------------------------------------- server frames

    @Override
    public Mono<Sequenced> append(String sessionId, Sequenced frame) {
        Objects.requireNonNull(frame, "frame");
        return locked(sessionId, (session, now) -> session.append(frame, now));
    }

    @Override
    public Mono<OnceAppend> appendOnce(String sessionId, String key, Sequenced frame) {
        Objects.requireNonNull(frame, "frame");
        return StoreArguments.idempotencyKey(key)
                .then(locked(sessionId, (session, now) -> session.appendOnce(key, frame, now)));
    }

    @Override
    public Mono<Sequenced> appendReply(String sessionId, long replyTo, long part, Sequenced frame, String nodeId,
                                       Duration ttl) {
        Objects.requireNonNull(frame, "frame");
        Objects.requireNonNull(ttl, "ttl");
        return StoreArguments.replyPart(replyTo, part)
                .then(locked(sessionId, (session, now) -> session.appendReply(replyTo, part, frame, nodeId, ttl, now)));
    }

    @Override
    public Flux<Sequenced> read(String sessionId, long afterSeq) {
        return locked(sessionId, (session, now) -> session.retained(afterSeq))
                .flatMapIterable(frames -> frames);
    }

    @Override
    public Flux<Sequenced> follow(String sessionId, long afterSeq) {
        return SessionIds.require(sessionId).thenMany(Flux.create(sink -> {
            MemorySession session = sessions.get(sessionId);
            if (session == null) {
                sink.error(SessionStoreException.notFound(sessionId));
                return;
            }
            synchronized (session) {
                Instant now = clock.instant();
                if (!usable(session, now)) {
                    sink.error(SessionStoreException.notFound(sessionId));
                    return;
                }
                session.trim(now);
                List<Sequenced> history;
                try {
                    history = session.retained(afterSeq);
                } catch (SessionStoreException truncated) {
                    sink.error(truncated);
                    return;
                }
                // History and registration happen under one lock: no append can fall between them.
                sink.onDispose(() -> {
                    synchronized (session) {
                        session.unfollow(sink);
                    }
                });
                for (Sequenced frame : history) {
                    sink.next(frame);
                }
                if (!sink.isCancelled()) {
                    session.follow(sink);
                }
            }
        }, FluxSink.OverflowStrategy.BUFFER));
    }

    // ---------------------------------------------------------------- client messages

    @Override
    public Mono<ClientAppend> appendClient(String sessionId, ClientMessage message, String nodeId, Duration lease) {
        Objects.requireNonNull(message, "message");
        return locked(sessionId, (session, now) -> session.appendClient(message, nodeId, lease, now));
    }

    @Override
    public Flux<ClientMessage> readClient(String sessionId, long afterCseq) {
        return locked(sessionId, (session, now) -> session.clientMessagesAfter(afterCseq))
                .flatMapIterable(messages -> messages);
    }

    // ---------------------------------------------------------------- reply and event leases

    @Override
    public Mono<Void> renewReply(String sessionId, long replyTo, String nodeId, Duration ttl) {
        Objects.requireNonNull(ttl, "ttl");
        return locked(sessionId, (session, now) -> {
            session.renewReply(replyTo, nodeId, now.plus(ttl));
            return null;
        }).then();
    }

    @Override
    public Mono<ReplyLease> findReplyLease(String sessionId, long replyTo) {
        return locked(sessionId, (session, now) -> session.findReplyLease(replyTo));
    }

    @Override
    public Flux<Sequenced> endLapsedReplies(String sessionId, Set<Long> producing, String nodeId, Duration ttl) {
        Objects.requireNonNull(producing, "producing");
        Objects.requireNonNull(ttl, "ttl");
        return locked(sessionId, (session, now) -> session.endLapsedReplies(producing, nodeId, ttl, now))
                .flatMapIterable(ended -> ended);
    }

    @Override
    public Mono<Void> renewEvent(String sessionId, long cseq, String nodeId, Duration ttl) {
        Objects.requireNonNull(ttl, "ttl");
        return locked(sessionId, (session, now) -> session.renewEvent(cseq, nodeId, now.plus(ttl))).then();
    }

    @Override
    public Mono<Void> eventHandled(String sessionId, long cseq) {
        return locked(sessionId, (session, now) -> session.eventHandled(cseq)).then();
    }

    @Override
    public Flux<ClientEvent> claimLapsedEvents(String sessionId, Set<Long> handling, String nodeId, Duration ttl) {
        Objects.requireNonNull(handling, "handling");
        Objects.requireNonNull(ttl, "ttl");
        return locked(sessionId, (session, now) -> session.claimLapsedEvents(handling, nodeId, ttl, now))
                .flatMapIterable(claimed -> claimed);
    }

    @Override
    public Flux<ReplyLease> findReplyLeases(String sessionId) {
        return locked(sessionId, (session, now) -> session.replyLeases()).flatMapIterable(leases -> leases);
    }

    @Override
    public Flux<TakenReply> takeOverReplies(String sessionId, Set<String> fromNodes, String nodeId, Duration ttl) {
        Objects.requireNonNull(fromNodes, "fromNodes");
        Objects.requireNonNull(nodeId, "nodeId");
        Objects.requireNonNull(ttl, "ttl");
        return locked(sessionId, (session, now) -> session.takeOver(fromNodes, nodeId, ttl, now))
                .flatMapIterable(taken -> taken);
    }

    // ---------------------------------------------------------------- node liveness

    @Override
    public Mono<Void> heartbeatNode(String nodeId, Duration ttl) {
        Objects.requireNonNull(nodeId, "nodeId");
        Objects.requireNonNull(ttl, "ttl");
        return Mono.fromRunnable(() -> nodes.put(nodeId, clock.instant().plus(ttl)));
    }

    @Override
    public Mono<Boolean> isNodeAlive(String nodeId) {
        Objects.requireNonNull(nodeId, "nodeId");
        return Mono.fromCallable(() -> {
            Instant until = nodes.get(nodeId);
            return until != null && until.isAfter(clock.instant());
        });
    }

    @Override
    public Flux<String> deadNodes() {
        return Flux.defer(() -> {
            Instant now = clock.instant();
            List<String> dead = new ArrayList<>();
            nodes.forEach((node, until) -> {
                if (!until.isAfter(now)) {
                    dead.add(node);
                }
            });
            return Flux.fromIterable(dead);
        });
    }

    @Override
    public Flux<String> sessionsOfNode(String nodeId) {
        Objects.requireNonNull(nodeId, "nodeId");
        // One process, so the sessions themselves are the index: a scan under each session's lock.
        return Flux.defer(() -> {
            List<String> found = new ArrayList<>();
            for (MemorySession session : sessions.values()) {
                synchronized (session) {
                    if (!session.isRemoved() && session.leasesTo(nodeId)) {
                        found.add(session.id());
                    }
                }
            }
            return Flux.fromIterable(found);
        });
    }

    @Override
    public Mono<Void> forgetNode(String nodeId) {
        Objects.requireNonNull(nodeId, "nodeId");
        return Mono.fromRunnable(() -> nodes.computeIfPresent(nodeId,
                (node, until) -> until.isAfter(clock.instant()) ? until : null));
    }

    @Override
    public Mono<Void> requestCancel(String sessionId, long replyTo) {
        return locked(sessionId, (session, now) -> session.markCancel(replyTo))
                .doOnNext(lease -> cancelSink(lease.nodeId()).emitNext(new CancelRequest(sessionId, replyTo),
                        Sinks.EmitFailureHandler.busyLooping(Duration.ofSeconds(1))))
                .then();
    }

    @Override
    public Flux<CancelRequest> cancelRequests(String nodeId) {
        Objects.requireNonNull(nodeId, "nodeId");
        return Flux.defer(() -> cancelSink(nodeId).asFlux());
    }

    private Sinks.Many<CancelRequest> cancelSink(String nodeId) {
        // Best effort, like a pub/sub channel: a request nobody listens to is dropped, a slow listener loses none.
        return cancels.computeIfAbsent(nodeId, id -> Sinks.many().multicast().directBestEffort());
    }

    // ---------------------------------------------------------------- state

    @Override
    public Mono<SessionState> readState(String sessionId) {
        return locked(sessionId, (session, now) -> session.state());
    }

    @Override
    public Mono<SessionState> writeState(String sessionId, long ifVersion, ObjectNode state) {
        return StoreArguments.state(sessionId, ifVersion, state, limits.maxStateBytes())
                .flatMap(json -> locked(sessionId, (session, now) -> session.writeState(ifVersion, json)));
    }

    // ---------------------------------------------------------------- health

    @Override
    public boolean isReady() {
        return !closed;
    }

    @Override
    public Mono<SessionStats> stats() {
        return Mono.fromCallable(() -> {
            Instant now = clock.instant();
            long connected = 0;
            long disconnected = 0;
            for (MemorySession session : sessions.values()) {
                synchronized (session) {
                    if (usable(session, now)) {
                        if (session.isConnected()) {
                            connected++;
                        } else {
                            disconnected++;
                        }
                    }
                }
            }
            return new SessionStats(connected + disconnected, connected, disconnected);
        });
    }

    @Override
    public void close() {
        closed = true;
        sweeper.dispose();
        cancels.values().forEach(Sinks.Many::tryEmitComplete);
        for (MemorySession session : sessions.values()) {
            synchronized (session) {
                removeLocked(session);
            }
        }
    }

    /** Removes expired sessions and trims old frames; runs on the sweep scheduler. */
    void sweep() {
        try {
            Instant now = clock.instant();
            int expired = 0;
            for (MemorySession session : sessions.values()) {
                synchronized (session) {
                    if (usable(session, now)) {
                        session.trim(now);
                    } else {
                        expired++;
                    }
                }
            }
            if (expired > 0) {
                LOG.debug("sweep removed {} expired session(s)", expired);
            }
        } catch (RuntimeException e) {
            // A failed sweep must not cancel the periodic task; the next one tries again.
            LOG.warn("session sweep failed", e);
        }
    }

    // ---------------------------------------------------------------- internals

    /** Runs {@code work} under the lock of the session, if there is one; completes either way. */
    private Mono<Void> ifPresent(String sessionId, Consumer<MemorySession> work) {
        return SessionIds.require(sessionId).then(Mono.<Void>fromRunnable(() -> {
            MemorySession session = sessions.get(sessionId);
            if (session != null) {
                synchronized (session) {
                    work.accept(session);
                }
            }
        })).onErrorResume(SessionStoreException::isNotFound, e -> Mono.empty());
    }

    /** Runs {@code work} under the session's lock, or fails with not-found. */
    private <T> Mono<T> locked(String sessionId, BiFunction<MemorySession, Instant, T> work) {
        return SessionIds.require(sessionId).then(Mono.fromCallable(() -> {
            MemorySession session = sessions.get(sessionId);
            if (session == null) {
                throw SessionStoreException.notFound(sessionId);
            }
            synchronized (session) {
                Instant now = clock.instant();
                if (!usable(session, now)) {
                    throw SessionStoreException.notFound(sessionId);
                }
                session.trim(now);
                return work.apply(session, now);
            }
        }));
    }

    /** Whether the session is alive; an expired one is removed on the spot. Call under its lock. */
    private boolean usable(MemorySession session, Instant now) {
        if (session.isRemoved()) {
            return false;
        }
        if (session.expired(now)) {
            removeLocked(session);
            return false;
        }
        return true;
    }

    private void removeLocked(MemorySession session) {
        if (session.remove()) {
            sessions.remove(session.id(), session);
            if (session.user() != null) {
                byUser.computeIfPresent(session.user(), (user, ids) -> {
                    ids.remove(session.id());
                    return ids.isEmpty() ? null : ids;
                });
            }
        }
    }

    /** Builds an {@link InMemorySessionStore}; each setter validates its argument. */
    public static final class Builder {
        private SessionLimits limits = SessionLimits.defaults();
        private Clock clock = Clock.systemUTC();
        private Scheduler scheduler = Schedulers.parallel();
        private Duration sweepInterval = DEFAULT_SWEEP_INTERVAL;

        private Builder() {
        }

        /** Session lifetimes and history bounds; default {@link SessionLimits#defaults()}. */
        public Builder limits(SessionLimits limits) {
            this.limits = Objects.requireNonNull(limits, "limits");
            return this;
        }

        /** The clock for grace periods, history age and leases; default the system UTC clock. */
        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /** The scheduler that runs the expiry sweep; default {@link Schedulers#parallel()}. */
        public Builder scheduler(Scheduler scheduler) {
            this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
            return this;
        }

        /** How often expired sessions are removed, at least 1 ms; default {@link #DEFAULT_SWEEP_INTERVAL}. */
        public Builder sweepInterval(Duration sweepInterval) {
            Objects.requireNonNull(sweepInterval, "sweepInterval");
            if (sweepInterval.toMillis() < 1) {
                throw new IllegalArgumentException("sweepInterval must be >= 1ms, got " + sweepInterval);
            }
            this.sweepInterval = sweepInterval;
            return this;
        }

        public InMemorySessionStore build() {
            return new InMemorySessionStore(this);
        }
    }
}
