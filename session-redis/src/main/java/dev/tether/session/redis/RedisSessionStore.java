package dev.tether.session.redis;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tether.protocol.AssistantDone;
import dev.tether.protocol.ClientEvent;
import dev.tether.protocol.ClientMessage;
import dev.tether.protocol.FrameCodec;
import dev.tether.protocol.Sequenced;
import dev.tether.protocol.session.Attachment;
import dev.tether.protocol.session.CancelRequest;
import dev.tether.protocol.session.ClientAppend;
import dev.tether.protocol.session.OnceAppend;
import dev.tether.protocol.session.ReplyLease;
import dev.tether.protocol.session.SessionIds;
import dev.tether.protocol.session.SessionLimits;
import dev.tether.protocol.session.SessionRecord;
import dev.tether.protocol.session.SessionState;
import dev.tether.protocol.session.SessionStats;
import dev.tether.protocol.session.SessionStore;
import dev.tether.protocol.session.SessionStoreException;
import dev.tether.protocol.session.StoreArguments;
import dev.tether.protocol.session.TakenReply;
import dev.tether.session.redis.internal.CancelChannels;
import dev.tether.session.redis.internal.ClientCalls;
import dev.tether.session.redis.internal.Follower;
import dev.tether.session.redis.internal.FrameTemplates;
import dev.tether.session.redis.internal.Keys;
import dev.tether.session.redis.internal.LogReader;
import dev.tether.session.redis.internal.LuaScript;
import dev.tether.session.redis.internal.NodeCalls;
import dev.tether.session.redis.internal.Readiness;
import dev.tether.session.redis.internal.RedisBackend;
import dev.tether.session.redis.internal.ScriptCalls;
import dev.tether.session.redis.internal.ReplyCalls;
import dev.tether.session.redis.internal.Scripts;
import dev.tether.session.redis.internal.SessionScripts;
import dev.tether.session.redis.internal.SessionChannels;
import dev.tether.session.redis.internal.SessionMeta;
import dev.tether.session.redis.internal.SessionRefresher;
import dev.tether.session.redis.internal.StateCalls;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * A {@link SessionStore} on Redis, shared by every gateway node, so that a session can be resumed on any node.
 *
 * <p>Each operation is one Lua script (one round trip) on the slot of the session's hash tag; see
 * {@link dev.tether.session.redis.internal.Keys} for the key layout. Appends assign the seq, store the frame in a
 * stream with entry id {@code <seq>-0}, trim it by count and age, and publish it on the session's (sharded)
 * channel. TTLs are not touched per write: while a session is connected, the node holding the connection refreshes
 * the TTL of its keys (one grace period) every {@link RedisSessionStoreOptions#ttlRefreshInterval()}; on detach the
 * keys get one grace period. A node that dies simply stops refreshing, and its sessions expire a grace period later.
 *
 * <p>Failures to reach Redis surface as {@link SessionStoreException#unavailable} (retryable); Lettuce reconnects by
 * itself and the store works again without a restart. {@link #isReady()} follows a periodic PING and Lettuce's
 * connection events.
 *
 * <p>{@link #stats()} reads two sorted sets maintained on create, attach, detach, remove and the refresh timer
 * (one extra command per such event, and one per refresh tick per 500 connected sessions; never per message).
 * The counts are eventually consistent: a registry update that fails is corrected by the next refresh tick.
 *
 * <p>An append that fails with a timeout may still have been stored (the script ran, its reply was lost); the
 * frame is then in the log and delivered by {@link #follow}, and appending it again stores it twice.
 */
public final class RedisSessionStore implements SessionStore {

    private static final Logger log = LoggerFactory.getLogger(RedisSessionStore.class);

    private final RedisSessionStoreOptions options;
    private final SessionLimits limits;
    private final Keys keys;
    private final RedisBackend redis;
    private final FrameCodec codec = new FrameCodec();
    private final FrameTemplates templates = new FrameTemplates(codec);
    private final ScriptCalls calls;
    private final LogReader reader;
    private final StateCalls state;
    private final ReplyCalls replies;
    private final NodeCalls nodes;
    private final ClientCalls clients;
    private final SessionChannels channels;
    private final CancelChannels cancels;
    private final SessionRefresher refresher;
    private final Readiness readiness;
    private final Disposable refreshTimer;
    private final String graceMs;
    private final String unusedGraceMs;
    private final String maxAgeMs;
    private final String maxFrames;
    private final String maxBytes;
    private volatile boolean closed;

    private RedisSessionStore(RedisSessionStoreOptions options, RedisBackend redis) {
        this.options = options;
        this.limits = options.limits();
        this.keys = new Keys(options.keyPrefix());
        this.redis = redis;
        this.graceMs = Long.toString(limits.grace().toMillis());
        this.unusedGraceMs = Long.toString(limits.graceFor(false).toMillis());
        this.maxAgeMs = Long.toString(limits.historyMaxAge().toMillis());
        this.maxFrames = Integer.toString(limits.historyFrames());
        this.maxBytes = Long.toString(limits.historyBytes());
        this.calls = new ScriptCalls(redis, this::checkReadinessNow);
        this.reader = new LogReader(calls, keys, codec, maxAgeMs);
        this.state = new StateCalls(calls, keys, limits.maxStateBytes(), limits.grace(), this::firstUse);
        this.nodes = new NodeCalls(calls, keys);
        this.replies = new ReplyCalls(calls, nodes, keys, templates, redis.publishCommand(), limits);
        this.clients = new ClientCalls(calls, replies, keys, codec, limits, this::firstUse);
        this.channels = new SessionChannels(redis, keys, codec, options.commandTimeout());
        this.cancels = new CancelChannels(redis, keys, options.commandTimeout());
        this.refresher = new SessionRefresher(redis, keys, channels, limits.grace(), this::isReady);
        redis.loadScripts(Scripts.all()).block(options.commandTimeout().multipliedBy(4));
        boolean ready = redis.ping().blockOptional(options.commandTimeout().multipliedBy(2)).orElse(false);
        this.readiness = new Readiness(redis, ready, options.healthCheckInterval(), this::recover);
        this.refreshTimer = refresher.start(options.ttlRefreshInterval());
    }

    /**
     * Connects to Redis (blocking, at most about two command timeouts) and returns a ready store.
     *
     * @throws SessionStoreException unavailable, when Redis cannot be reached
     */
    public static RedisSessionStore connect(RedisSessionStoreOptions options) {
        return new RedisSessionStore(options, RedisBackend.connect(options));
    }

    /** The options this store was built with. */
    public RedisSessionStoreOptions options() {
        return options;
    }

    // ---------------------------------------------------------------- sessions

    @Override
    public Mono<Attachment> create(String sessionId, byte[] tokenDigest, String nodeId, String user) {
        String digest = Base64.getEncoder().encodeToString(tokenDigest);
        return SessionIds.requireNew(sessionId).then(attachVia(sessionId, "create", () -> run(SessionScripts.CREATE,
                "create", keys.all(sessionId), digest, Long.toString(SessionRecord.newEpoch()), nodeId, graceMs,
                user == null ? "" : user),
                reply -> {
                    if (status(reply) == 0) {
                        throw SessionStoreException.alreadyExists(sessionId);
                    }
                    return SessionMeta.record(sessionId, reply.get(1));
                }));
    }

    @Override
    public Flux<String> sessionsOf(String user) {
        Objects.requireNonNull(user, "user");
        String set = keys.userSessions(user);
        return run(SessionScripts.USER_MEMBERS, "sessionsOf", new String[] {set})
                .map(reply -> ((List<?>) reply.get(1)).stream().map(String.class::cast).toList())
                .flatMapMany(ids -> Flux.fromIterable(ids)
                        .flatMapSequential(id -> run(SessionScripts.USER_OF, "sessionsOf", new String[] {keys.meta(id)})
                                .map(reply -> status(reply) == 1 && reply.size() > 1 && user.equals(reply.get(1))), 16)
                        .collectList()
                        .flatMapMany(live -> {
                            List<String> kept = new java.util.ArrayList<>();
                            List<String> gone = new java.util.ArrayList<>();
                            for (int i = 0; i < ids.size(); i++) {
                                (live.get(i) ? kept : gone).add(ids.get(i));
                            }
                            Mono<Void> prune = gone.isEmpty() ? Mono.empty()
                                    : run(SessionScripts.USER_PRUNE, "sessionsOf", new String[] {set},
                                            gone.toArray(String[]::new)).then();
                            return prune.thenMany(Flux.fromIterable(kept));
                        }));
    }

    /** Lists the session in its user's set and keeps the set alive for {@code ttlMs}; a failure is only logged. */
    private Mono<Void> listUnderUser(String user, String sessionId, String ttlMs) {
        if (user == null) {
            return Mono.empty();
        }
        String[] args = sessionId == null ? new String[] {ttlMs} : new String[] {ttlMs, sessionId};
        return redis.run(SessionScripts.USER_ADD, new String[] {keys.userSessions(user)}, args)
                .onErrorResume(e -> {
                    log.debug("could not list session {} under its user: {}", sessionId, e.toString());
                    return Mono.empty();
                })
                .then();
    }

    @Override
    public Mono<Attachment> attach(String sessionId, String nodeId) {
        return SessionIds.require(sessionId).then(attachVia(sessionId, "attach", () -> run(SessionScripts.ATTACH,
                "attach", keys.allAndChannel(sessionId), nodeId, graceMs, maxAgeMs, redis.publishCommand()), reply -> {
                    if (status(reply) == 0) {
                        throw SessionStoreException.notFound(sessionId);
                    }
                    return SessionMeta.record(sessionId, reply.get(1));
                }));
    }

    /**
     * Subscribes to the session's channel first (so that a later takeover notice is heard), runs the script, and
     * registers the connection locally for TTL refreshes and takeover notices.
     */
    private Mono<Attachment> attachVia(String sessionId, String operation, Supplier<Mono<List<Object>>> script,
                                       Function<List<Object>, SessionRecord> parse) {
        return Mono.defer(() -> {
            calls.requireOpen(operation);
            SessionChannels.Channel channel = channels.acquire(sessionId);
            AtomicBoolean holding = new AtomicBoolean(true);
            return channel.awaitSubscribed(operation)
                    .then(Mono.defer(script))
                    .map(reply -> {
                        SessionRecord record = parse.apply(reply);
                        SessionChannels.LocalAttachment local = channel.register(record.generation());
                        holding.set(false);
                        return new Attachment(record, record.generation(), local.superseded());
                    })
                    .doFinally(signal -> {
                        if (holding.compareAndSet(true, false)) {
                            channel.release();
                        }
                    })
                    .flatMap(attachment -> refresher.connected(sessionId)
                            .then(listUnderUser(attachment.session().user(), sessionId, graceMs))
                            .thenReturn(attachment));
        });
    }

    @Override
    public Mono<SessionRecord> find(String sessionId) {
        return SessionIds.require(sessionId)
                .then(run(SessionScripts.FIND, "find", new String[] {keys.meta(sessionId), keys.log(sessionId)},
                        maxAgeMs))
                .flatMap(reply -> status(reply) == 0 ? Mono.empty()
                        : Mono.just(SessionMeta.record(sessionId, reply.get(1))))
                .onErrorResume(SessionStoreException::isNotFound, e -> Mono.empty());
    }

    @Override
    public Mono<Void> detach(String sessionId, long generation) {
        return SessionIds.require(sessionId)
                .then(run(SessionScripts.DETACH, "detach", keys.all(sessionId), Long.toString(generation), graceMs,
                        unusedGraceMs))
                .flatMap(reply -> {
                    channels.endLocal(sessionId, generation);
                    return status(reply) == 1 ? refresher.disconnected(sessionId, (Long) reply.get(1))
                            .then(listUnderUser(reply.size() > 2 ? (String) reply.get(2) : null, null,
                                    Long.toString((Long) reply.get(1))))
                            : Mono.<Void>empty();
                })
                .onErrorResume(SessionStoreException::isNotFound, e -> Mono.empty());
    }

    @Override
    public Mono<Void> remove(String sessionId) {
        return SessionIds.require(sessionId)
                .then(run(SessionScripts.REMOVE, "remove", keys.allAndChannel(sessionId), redis.publishCommand()))
                .then(refresher.removed(sessionId))
                .onErrorResume(SessionStoreException::isNotFound, e -> Mono.empty());
    }

    // ---------------------------------------------------------------- server frames

    @Override
    public Mono<Sequenced> append(String sessionId, Sequenced frame) {
        return SessionIds.require(sessionId)
                .then(appendFenced(sessionId, frame, 0, 0, "", Duration.ZERO, "append"));
    }

    @Override
    public Mono<OnceAppend> appendOnce(String sessionId, String key, Sequenced frame) {
        return SessionIds.require(sessionId).then(StoreArguments.idempotencyKey(key)).then(Mono.defer(() -> {
            String[] json = templates.aroundSeq(frame);
            return run(Scripts.APPEND_ONCE, "appendOnce",
                    new String[] {keys.meta(sessionId), keys.log(sessionId), keys.channel(sessionId),
                            keys.once(sessionId)},
                    json[0], json[1], maxFrames, maxAgeMs, redis.publishCommand(), key, graceMs, maxBytes)
                    .flatMap(reply -> firstUse(sessionId, reply, 2))
                    .map(reply -> switch ((int) status(reply)) {
                        case 0 -> throw SessionStoreException.notFound(sessionId);
                        case 2 -> new OnceAppend((Long) reply.get(1), true);
                        case 3 -> throw SessionStoreException.keyReused(sessionId);
                        default -> new OnceAppend((Long) reply.get(1), false);
                    });
        }));
    }

    @Override
    public Mono<Sequenced> appendReply(String sessionId, long replyTo, long part, Sequenced frame, String nodeId,
                                       Duration ttl) {
        return SessionIds.require(sessionId)
                .then(StoreArguments.replyPart(replyTo, part))
                .then(appendFenced(sessionId, frame, replyTo, part, nodeId, ttl, "appendReply"));
    }

    /**
     * Appends {@code frame}, fenced by the lease of the reply to {@code replyTo} unless it is 0, and renewing that
     * lease for {@code ttl} unless the frame ends the reply.
     */
    private Mono<Sequenced> appendFenced(String sessionId, Sequenced frame, long replyTo, long part, String nodeId,
                                         Duration ttl, String operation) {
        return Mono.defer(() -> {
            String[] json = templates.aroundSeq(frame);
            boolean endsReply = frame instanceof AssistantDone done && done.replyTo() == replyTo;
            return run(Scripts.APPEND, operation,
                    new String[] {keys.meta(sessionId), keys.log(sessionId), keys.channel(sessionId),
                            keys.leases(sessionId)},
                    json[0], json[1], maxFrames, maxAgeMs, redis.publishCommand(), Long.toString(replyTo),
                    endsReply ? "0" : Long.toString(Math.max(1, ttl.toMillis())), nodeId, Long.toString(part),
                    graceMs, maxBytes)
                    .flatMap(reply -> firstUse(sessionId, reply, 2))
                    .map(reply -> switch ((int) status(reply)) {
                        case 0 -> throw SessionStoreException.notFound(sessionId);
                        case 2 -> throw SessionStoreException.replyEnded(sessionId, replyTo);
                        case 4 -> throw SessionStoreException.partNotNext(sessionId, replyTo, part,
                                (Long) reply.get(1));
                        default -> frame.withSeq((Long) reply.get(1));
                    });
        });
    }

    /**
     * Passes {@code reply} on, after counting its session as disconnected for the TTL at {@code index} when there is
     * one: the script just gave a disconnected session, used for the first time, the rest of its full grace.
     */
    private Mono<List<Object>> firstUse(String sessionId, List<Object> reply, int index) {
        return reply.size() > index && reply.get(index) instanceof Long ttl
                ? refresher.disconnected(sessionId, ttl).thenReturn(reply) : Mono.just(reply);
    }

    @Override
    public Flux<Sequenced> read(String sessionId, long afterSeq) {
        return SessionIds.require(sessionId).thenMany(reader.frames(sessionId, afterSeq, "read"));
    }

    /**
     * Subscribes to the session's channel first, then replays the log, then delivers live frames as
     * {@link Follower} merges them. The refresh timer and a reconnect to Redis poke every follower to catch up from
     * the log, in case a notice was lost.
     */
    @Override
    public Flux<Sequenced> follow(String sessionId, long afterSeq) {
        return SessionIds.require(sessionId).thenMany(Flux.defer(() -> {
            calls.requireOpen("follow");
            SessionChannels.Channel channel = channels.acquire(sessionId);
            Follower follower = channel.follow();
            return follower.frames(afterSeq, channel.awaitSubscribed("follow"),
                            after -> reader.frames(sessionId, after, "follow"))
                    .doFinally(signal -> channel.unfollow(follower));
        }));
    }

    // ---------------------------------------------------------------- client messages

    @Override
    public Mono<ClientAppend> appendClient(String sessionId, ClientMessage message, String nodeId, Duration lease) {
        return clients.append(sessionId, message, nodeId, lease);
    }

    @Override
    public Flux<ClientMessage> readClient(String sessionId, long afterCseq) {
        return SessionIds.require(sessionId).thenMany(reader.clientMessages(sessionId, afterCseq));
    }

    // ---------------------------------------------------------------- reply leases

    @Override
    public Mono<Void> renewReply(String sessionId, long replyTo, String nodeId, Duration ttl) {
        return replies.renew(sessionId, replyTo, nodeId, ttl);
    }

    @Override
    public Mono<ReplyLease> findReplyLease(String sessionId, long replyTo) {
        return replies.find(sessionId, replyTo);
    }

    @Override
    public Flux<Sequenced> endLapsedReplies(String sessionId, Set<Long> producing, String nodeId, Duration ttl) {
        return replies.endLapsed(sessionId, producing, nodeId, ttl);
    }

    // ---------------------------------------------------------------- event leases

    @Override
    public Mono<Void> renewEvent(String sessionId, long cseq, String nodeId, Duration ttl) {
        return clients.renewEvent(sessionId, cseq, nodeId, ttl);
    }

    @Override
    public Mono<Void> eventHandled(String sessionId, long cseq) {
        return clients.eventHandled(sessionId, cseq);
    }

    @Override
    public Flux<ClientEvent> claimLapsedEvents(String sessionId, Set<Long> handling, String nodeId, Duration ttl) {
        return clients.claimLapsed(sessionId, handling, nodeId, ttl);
    }

    // ---------------------------------------------------------------- cancels

    @Override
    public Flux<ReplyLease> findReplyLeases(String sessionId) {
        return replies.findAll(sessionId);
    }

    @Override
    public Flux<TakenReply> takeOverReplies(String sessionId, Set<String> fromNodes, String nodeId, Duration ttl) {
        Objects.requireNonNull(fromNodes, "fromNodes");
        Objects.requireNonNull(nodeId, "nodeId");
        Objects.requireNonNull(ttl, "ttl");
        return replies.takeOver(sessionId, fromNodes, nodeId, ttl);
    }

    // ---------------------------------------------------------------- node liveness

    @Override
    public Mono<Void> heartbeatNode(String nodeId, Duration ttl) {
        Objects.requireNonNull(nodeId, "nodeId");
        Objects.requireNonNull(ttl, "ttl");
        return nodes.heartbeat(nodeId, ttl);
    }

    @Override
    public Mono<Boolean> isNodeAlive(String nodeId) {
        Objects.requireNonNull(nodeId, "nodeId");
        return nodes.alive(nodeId);
    }

    @Override
    public Flux<String> deadNodes() {
        return nodes.dead();
    }

    @Override
    public Flux<String> sessionsOfNode(String nodeId) {
        Objects.requireNonNull(nodeId, "nodeId");
        return nodes.sessions(nodeId);
    }

    @Override
    public Mono<Void> forgetNode(String nodeId) {
        Objects.requireNonNull(nodeId, "nodeId");
        return nodes.forget(nodeId);
    }

    @Override
    public Mono<Void> requestCancel(String sessionId, long replyTo) {
        // Marked on the lease, in the session's slot, so that a node taking the reply over learns of it too.
        return replies.markCancel(sessionId, replyTo)
                .flatMap(lease -> cancels.send(lease.nodeId(), new CancelRequest(sessionId, replyTo)));
    }

    @Override
    public Flux<CancelRequest> cancelRequests(String nodeId) {
        Objects.requireNonNull(nodeId, "nodeId");
        return cancels.listen(nodeId);
    }

    // ---------------------------------------------------------------- state

    @Override
    public Mono<SessionState> readState(String sessionId) {
        return state.read(sessionId);
    }

    @Override
    public Mono<SessionState> writeState(String sessionId, long ifVersion, ObjectNode value) {
        return state.write(sessionId, ifVersion, value);
    }

    // ---------------------------------------------------------------- health

    @Override
    public boolean isReady() {
        return readiness.isReady() && !closed;
    }

    @Override
    public Mono<SessionStats> stats() {
        return run(SessionScripts.STATS, "stats", new String[] {keys.registrySessions(), keys.registryConnected()})
                .map(reply -> {
                    long total = (Long) reply.get(0);
                    long connected = (Long) reply.get(1);
                    return new SessionStats(total, connected, Math.max(0, total - connected));
                });
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        calls.close();
        readiness.dispose();
        refreshTimer.dispose();
        cancels.close();
        channels.close(SessionStoreException.unavailable("follow", new IllegalStateException("the store was closed")));
        redis.close();
    }

    @Override
    public String toString() {
        return "RedisSessionStore[" + options + ", ready=" + readiness.isReady() + "]";
    }

    // ---------------------------------------------------------------- internals

    private Mono<List<Object>> run(LuaScript script, String operation, String[] keys, String... args) {
        return calls.run(script, operation, keys, args);
    }

    private static long status(List<Object> reply) {
        return ScriptCalls.status(reply);
    }

    private void checkReadinessNow() {
        readiness.checkNow();
    }

    /** After an outage: subscribe again where needed, then refresh attachments and let followers catch up. */
    private void recover() {
        if (closed) {
            return;
        }
        log.info("Redis reachable again; resubscribing {} session channels", channels.size());
        channels.resubscribeAll()
                .then(cancels.resubscribeAll())
                .then(redis.loadScripts(Scripts.all()))
                .then(refresher.tick())
                .onErrorResume(e -> Mono.empty())
                .subscribe();
    }
}
