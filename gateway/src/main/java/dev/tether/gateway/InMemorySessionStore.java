package dev.tether.gateway;

import dev.tether.protocol.AssistantDone;
import dev.tether.protocol.ClientMessage;
import dev.tether.protocol.DoneReason;
import dev.tether.protocol.Sequenced;
import dev.tether.protocol.UserMessage;
import dev.tether.protocol.session.Attachment;
import dev.tether.protocol.session.ClientAppend;
import dev.tether.protocol.session.OnceAppend;
import dev.tether.protocol.session.ReplyLease;
import dev.tether.protocol.session.SessionIds;
import dev.tether.protocol.session.SessionLimits;
import dev.tether.protocol.session.SessionRecord;
import dev.tether.protocol.session.SessionStats;
import dev.tether.protocol.session.SessionStore;
import dev.tether.protocol.session.SessionStoreException;
import dev.tether.protocol.session.StoreArguments;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
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
 * <p>Each session is guarded by its own lock, held only for in-memory work, so every operation completes at once and
 * never blocks an event loop. Disconnected sessions are removed after the grace period by one periodic sweep on a
 * {@link Scheduler}; between sweeps an expired session is already treated as gone. Time is read from an injected
 * {@link Clock}, so tests can move it.
 */
public final class InMemorySessionStore implements SessionStore {

    /** Default interval of the expiry sweep: 1 second. */
    public static final Duration DEFAULT_SWEEP_INTERVAL = Duration.ofSeconds(1);

    private static final Logger LOG = LoggerFactory.getLogger(InMemorySessionStore.class);

    private final SessionLimits limits;
    private final Clock clock;
    private final Disposable sweeper;
    private final ConcurrentHashMap<String, Session> sessions = new ConcurrentHashMap<>();
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
    public Mono<Attachment> create(String sessionId, byte[] tokenDigest, String nodeId) {
        return SessionIds.requireNew(sessionId).then(Mono.fromCallable(() -> {
            Objects.requireNonNull(tokenDigest, "tokenDigest");
            Objects.requireNonNull(nodeId, "nodeId");
            Instant now = clock.instant();
            Session session = new Session(sessionId, tokenDigest.clone(), SessionRecord.newEpoch(), nodeId, now);
            Session previous = sessions.putIfAbsent(sessionId, session);
            if (previous != null) {
                synchronized (previous) {
                    if (!previous.removed && !previous.expired(now, limits.grace())) {
                        throw SessionStoreException.alreadyExists(sessionId);
                    }
                    removeLocked(previous);
                }
                if (sessions.putIfAbsent(sessionId, session) != null) {
                    throw SessionStoreException.alreadyExists(sessionId);
                }
            }
            synchronized (session) {
                return session.attachment();
            }
        }));
    }

    @Override
    public Mono<SessionRecord> find(String sessionId) {
        return locked(sessionId, (session, now) -> session.record())
                .onErrorResume(SessionStoreException::isNotFound, e -> Mono.empty());
    }

    @Override
    public Mono<Attachment> attach(String sessionId, String nodeId) {
        Objects.requireNonNull(nodeId, "nodeId");
        return locked(sessionId, (session, now) -> {
            session.superseded.tryEmitEmpty();
            session.superseded = Sinks.empty();
            session.generation++;
            session.connected = true;
            session.ownerNode = nodeId;
            session.lastSeenAt = now;
            return session.attachment();
        });
    }

    @Override
    public Mono<Void> detach(String sessionId, long generation) {
        return ifPresent(sessionId, session -> {
            if (!session.removed && session.generation == generation && session.connected) {
                session.connected = false;
                session.lastSeenAt = clock.instant();
            }
        });
    }

    @Override
    public Mono<Void> remove(String sessionId) {
        return ifPresent(sessionId, this::removeLocked);
    }

    // ---------------------------------------------------------------- server frames

    @Override
    public Mono<Sequenced> append(String sessionId, Sequenced frame) {
        Objects.requireNonNull(frame, "frame");
        return locked(sessionId, (session, now) -> appendLocked(session, frame, now));
    }

    @Override
    public Mono<OnceAppend> appendOnce(String sessionId, String key, Sequenced frame) {
        Objects.requireNonNull(frame, "frame");
        return StoreArguments.idempotencyKey(key).then(locked(sessionId, (session, now) -> {
            Long seen = session.onceKeys.get(key);
            if (seen != null && seen >= session.firstSeq()) {
                return new OnceAppend(seen, true);
            }
            long seq = appendLocked(session, frame, now).seq();
            // In insertion order, which is seq order: forget the keys of frames no longer retained.
            long first = session.firstSeq();
            Iterator<Long> seqs = session.onceKeys.values().iterator();
            while (seqs.hasNext() && seqs.next() < first) {
                seqs.remove();
            }
            session.onceKeys.put(key, seq);
            return new OnceAppend(seq, false);
        }));
    }

    @Override
    public Mono<Sequenced> appendReply(String sessionId, long replyTo, long part, Sequenced frame, String nodeId,
                                       Duration ttl) {
        Objects.requireNonNull(frame, "frame");
        Objects.requireNonNull(ttl, "ttl");
        return StoreArguments.replyPart(replyTo, part).then(locked(sessionId, (session, now) -> {
            Lease lease = session.leases.get(replyTo);
            if (lease == null) {
                throw SessionStoreException.replyEnded(sessionId, replyTo);
            }
            if (part == lease.parts() - 1) {
                return frame.withSeq(lease.lastSeq());
            }
            if (part != lease.parts()) {
                throw SessionStoreException.partNotNext(sessionId, replyTo, part, lease.parts());
            }
            Sequenced stored = appendLocked(session, frame, now);
            if (frame instanceof AssistantDone done && done.replyTo() == replyTo) {
                session.leases.remove(replyTo);
            } else {
                session.leases.put(replyTo, new Lease(nodeId, now.plus(ttl), part + 1, stored.seq()));
            }
            return stored;
        }));
    }

    private Sequenced appendLocked(Session session, Sequenced frame, Instant now) {
        Sequenced stored = frame.withSeq(++session.lastSeq);
        session.frames.addLast(new Entry<>(stored.seq(), stored, now));
        session.trim(now, limits);
        if (!session.followers.isEmpty()) {
            // Emitting under the lock is what keeps every follower in seq order across concurrent appenders.
            for (FluxSink<Sequenced> follower : List.copyOf(session.followers)) {
                follower.next(stored);
            }
        }
        return stored;
    }

    @Override
    public Flux<Sequenced> read(String sessionId, long afterSeq) {
        return locked(sessionId, (session, now) -> session.retained(afterSeq))
                .flatMapIterable(frames -> frames);
    }

    @Override
    public Flux<Sequenced> follow(String sessionId, long afterSeq) {
        return SessionIds.require(sessionId).thenMany(Flux.create(sink -> {
            Session session = sessions.get(sessionId);
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
                session.trim(now, limits);
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
                        session.followers.remove(sink);
                    }
                });
                for (Sequenced frame : history) {
                    sink.next(frame);
                }
                if (!sink.isCancelled()) {
                    session.followers.add(sink);
                }
            }
        }, FluxSink.OverflowStrategy.BUFFER));
    }

    // ---------------------------------------------------------------- client messages

    @Override
    public Mono<ClientAppend> appendClient(String sessionId, ClientMessage message, String nodeId,
                                           Duration replyLease) {
        Objects.requireNonNull(message, "message");
        return locked(sessionId, (session, now) -> {
            long cseq = message.cseq();
            if (cseq <= session.ackedCseq) {
                return new ClientAppend(ClientAppend.Outcome.DUPLICATE, session.ackedCseq);
            }
            if (cseq != session.ackedCseq + 1) {
                return new ClientAppend(ClientAppend.Outcome.OUT_OF_ORDER, session.ackedCseq);
            }
            session.ackedCseq = cseq;
            session.clientMessages.addLast(new Entry<>(cseq, message, now));
            if (message instanceof UserMessage) {
                session.leases.put(cseq, new Lease(nodeId, now.plus(replyLease), 0, 0));
            }
            session.trim(now, limits);
            return new ClientAppend(ClientAppend.Outcome.STORED, cseq);
        });
    }

    @Override
    public Flux<ClientMessage> readClient(String sessionId, long afterCseq) {
        return locked(sessionId, (session, now) -> {
            List<ClientMessage> messages = new ArrayList<>();
            for (Entry<ClientMessage> entry : session.clientMessages) {
                if (entry.seq > afterCseq) {
                    messages.add(entry.value);
                }
            }
            return messages;
        }).flatMapIterable(messages -> messages);
    }

    // ---------------------------------------------------------------- reply leases

    @Override
    public Mono<Void> renewReply(String sessionId, long replyTo, String nodeId, Duration ttl) {
        Objects.requireNonNull(ttl, "ttl");
        return locked(sessionId, (session, now) -> {
            Lease lease = session.leases.get(replyTo);
            if (lease == null) {
                throw SessionStoreException.replyEnded(sessionId, replyTo);
            }
            session.leases.put(replyTo, lease.renewed(nodeId, now.plus(ttl)));
            return null;
        }).then();
    }

    @Override
    public Mono<ReplyLease> findReplyLease(String sessionId, long replyTo) {
        return locked(sessionId, (session, now) -> {
            Lease lease = session.leases.get(replyTo);
            return lease == null ? null : new ReplyLease(replyTo, lease.nodeId(), lease.expiresAt());
        });
    }

    @Override
    public Flux<Sequenced> endLapsedReplies(String sessionId, Set<Long> producing, String nodeId, Duration ttl) {
        Objects.requireNonNull(producing, "producing");
        Objects.requireNonNull(ttl, "ttl");
        return locked(sessionId, (session, now) -> {
            List<Long> lapsed = new ArrayList<>();
            session.leases.forEach((replyTo, lease) -> {
                if (!lease.expiresAt().isAfter(now)) {
                    lapsed.add(replyTo);
                }
            });
            lapsed.sort(null);
            List<Sequenced> ended = new ArrayList<>(lapsed.size());
            for (long replyTo : lapsed) {
                if (producing.contains(replyTo)) {
                    session.leases.put(replyTo, session.leases.get(replyTo).renewed(nodeId, now.plus(ttl)));
                } else {
                    session.leases.remove(replyTo);
                    ended.add(appendLocked(session, AssistantDone.of(replyTo, DoneReason.INTERRUPTED), now));
                }
            }
            return ended;
        }).flatMapIterable(ended -> ended);
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
            for (Session session : sessions.values()) {
                synchronized (session) {
                    if (usable(session, now)) {
                        if (session.connected) {
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
        for (Session session : sessions.values()) {
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
            for (Session session : sessions.values()) {
                synchronized (session) {
                    if (usable(session, now)) {
                        session.trim(now, limits);
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
    private Mono<Void> ifPresent(String sessionId, Consumer<Session> work) {
        return SessionIds.require(sessionId).then(Mono.<Void>fromRunnable(() -> {
            Session session = sessions.get(sessionId);
            if (session != null) {
                synchronized (session) {
                    work.accept(session);
                }
            }
        })).onErrorResume(SessionStoreException::isNotFound, e -> Mono.empty());
    }

    /** Runs {@code work} under the session's lock, or fails with not-found. */
    private <T> Mono<T> locked(String sessionId, BiFunction<Session, Instant, T> work) {
        return SessionIds.require(sessionId).then(Mono.fromCallable(() -> {
            Session session = sessions.get(sessionId);
            if (session == null) {
                throw SessionStoreException.notFound(sessionId);
            }
            synchronized (session) {
                Instant now = clock.instant();
                if (!usable(session, now)) {
                    throw SessionStoreException.notFound(sessionId);
                }
                session.trim(now, limits);
                return work.apply(session, now);
            }
        }));
    }

    /** Whether the session is alive; an expired one is removed on the spot. Call under its lock. */
    private boolean usable(Session session, Instant now) {
        if (session.removed) {
            return false;
        }
        if (session.expired(now, limits.grace())) {
            removeLocked(session);
            return false;
        }
        return true;
    }

    private void removeLocked(Session session) {
        if (session.removed) {
            return;
        }
        session.removed = true;
        sessions.remove(session.id, session);
        for (FluxSink<Sequenced> follower : List.copyOf(session.followers)) {
            follower.complete();
        }
        session.followers.clear();
    }

    record Entry<T>(long seq, T value, Instant at) {
    }

    /** One session's state; every field is guarded by the instance's monitor. */
    /** A reply's lease, and how far the reply got: parts stored, and the seq of the last one. */
    private record Lease(String nodeId, Instant expiresAt, long parts, long lastSeq) {

        Lease renewed(String node, Instant until) {
            return new Lease(node, until, parts, lastSeq);
        }
    }

    private static final class Session {
        final String id;
        final byte[] tokenDigest;
        final long epoch;
        final Instant createdAt;
        final ArrayDeque<Entry<Sequenced>> frames = new ArrayDeque<>();
        final ArrayDeque<Entry<ClientMessage>> clientMessages = new ArrayDeque<>();
        final Map<Long, Lease> leases = new HashMap<>();
        // Idempotency key -> seq of the frame appended under it, oldest first.
        final LinkedHashMap<String, Long> onceKeys = new LinkedHashMap<>();
        final List<FluxSink<Sequenced>> followers = new ArrayList<>();
        Instant lastSeenAt;
        long lastSeq;
        long ackedCseq;
        long generation = 1;
        boolean connected = true;
        String ownerNode;
        Sinks.Empty<Void> superseded = Sinks.empty();
        boolean removed;

        Session(String id, byte[] tokenDigest, long epoch, String ownerNode, Instant now) {
            this.id = id;
            this.tokenDigest = tokenDigest;
            this.epoch = epoch;
            this.ownerNode = ownerNode;
            this.createdAt = now;
            this.lastSeenAt = now;
        }

        boolean expired(Instant now, Duration grace) {
            return !connected && !lastSeenAt.plus(grace).isAfter(now);
        }

        long firstSeq() {
            return frames.isEmpty() ? lastSeq + 1 : frames.peekFirst().seq;
        }

        void trim(Instant now, SessionLimits limits) {
            Instant oldest = now.minus(limits.historyMaxAge());
            trim(frames, limits.historyFrames(), oldest);
            trim(clientMessages, limits.historyFrames(), oldest);
        }

        private static void trim(ArrayDeque<? extends Entry<?>> log, int max, Instant oldest) {
            while (log.size() > max) {
                log.pollFirst();
            }
            while (!log.isEmpty() && log.peekFirst().at().isBefore(oldest)) {
                log.pollFirst();
            }
        }

        List<Sequenced> retained(long afterSeq) {
            long firstSeq = firstSeq();
            if (afterSeq < lastSeq && afterSeq + 1 < firstSeq) {
                throw SessionStoreException.historyTruncated(id, afterSeq, firstSeq);
            }
            List<Sequenced> result = new ArrayList<>();
            for (Entry<Sequenced> entry : frames) {
                if (entry.seq > afterSeq) {
                    result.add(entry.value);
                }
            }
            return result;
        }

        SessionRecord record() {
            return new SessionRecord(id, tokenDigest.clone(), epoch, firstSeq(), lastSeq, ackedCseq, generation,
                    connected, ownerNode, createdAt, lastSeenAt);
        }

        Attachment attachment() {
            return new Attachment(record(), generation, superseded.asMono());
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
