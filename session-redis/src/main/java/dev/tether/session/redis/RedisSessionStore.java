package dev.tether.session.redis;

import dev.tether.protocol.AssistantDone;
import dev.tether.protocol.ClientMessage;
import dev.tether.protocol.DoneReason;
import dev.tether.protocol.FrameCodec;
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
import dev.tether.session.redis.internal.Keys;
import dev.tether.session.redis.internal.LuaScript;
import dev.tether.session.redis.internal.RedisBackend;
import dev.tether.session.redis.internal.Scripts;
import io.lettuce.core.RedisConnectionException;
import io.lettuce.core.RedisException;
import io.lettuce.core.event.connection.ConnectionActivatedEvent;
import io.lettuce.core.event.connection.DisconnectedEvent;
import io.lettuce.core.pubsub.RedisPubSubAdapter;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;
import reactor.core.Disposables;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.core.scheduler.Schedulers;

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

    /** PINGs that must fail in a row before a Redis that is still connected counts as not ready: 3. */
    static final int FAILED_PINGS_BEFORE_NOT_READY = 3;

    // Lettuce's message for a command rejected while disconnected (DisconnectedBehavior.REJECT_COMMANDS).
    private static final String LETTUCE_REJECTED = "Currently not connected";

    private static final Logger log = LoggerFactory.getLogger(RedisSessionStore.class);

    /** Frames or messages fetched per read round trip. */
    static final int PAGE = 256;

    private static final int REGISTRY_BATCH = 500;
    private static final String SEQ_MARKER = "\"seq\":0,";
    private static final String REPLY_TO_MARKER = "\"replyTo\":0,";

    private static final Object END = new Object();
    private static final Object REMOVED = new Object();
    private static final Object POKE = new Object();

    private final RedisSessionStoreOptions options;
    private final SessionLimits limits;
    private final Keys keys;
    private final RedisBackend redis;
    private final FrameCodec codec = new FrameCodec();
    /**
     * An {@code assistant_done{interrupted}} in three parts, for the script that ends lapsed replies to fill in the
     * seq and the replyTo.
     */
    private final List<String> interruptedDone = interruptedDoneTemplate(codec);
    private final ConcurrentHashMap<String, SessionChannel> channels = new ConcurrentHashMap<>();
    private final Sinks.Many<Boolean> checkNow = Sinks.many().multicast().directBestEffort();
    private final Disposable.Composite timers = Disposables.composite();
    private final String graceMs;
    private final String maxAgeMs;
    private final String maxFrames;
    private volatile boolean ready;
    private int failedPings;
    private volatile boolean closed;

    private RedisSessionStore(RedisSessionStoreOptions options, RedisBackend redis) {
        this.options = options;
        this.limits = options.limits();
        this.keys = new Keys(options.keyPrefix());
        this.redis = redis;
        this.graceMs = Long.toString(limits.grace().toMillis());
        this.maxAgeMs = Long.toString(limits.historyMaxAge().toMillis());
        this.maxFrames = Integer.toString(limits.historyFrames());
        redis.pubsub().addListener(new RedisPubSubAdapter<>() {
            @Override
            public void message(String channel, String message) {
                dispatch(channel, message);
            }

            @Override
            public void smessage(String shardChannel, String message) {
                // The adapter's own smessage drops sharded messages.
                dispatch(shardChannel, message);
            }
        });
        redis.loadScripts(Scripts.all()).block(options.commandTimeout().multipliedBy(4));
        this.ready = redis.ping().blockOptional(options.commandTimeout().multipliedBy(2)).orElse(false);
        timers.add(redis.events().subscribe(event -> {
            if (event instanceof DisconnectedEvent || event instanceof ConnectionActivatedEvent) {
                checkNow.tryEmitNext(Boolean.TRUE);
            }
        }));
        timers.add(Flux.merge(Flux.interval(options.healthCheckInterval(), Schedulers.parallel()).map(t -> true),
                        checkNow.asFlux())
                .onBackpressureDrop()
                .concatMap(t -> redis.ping(), 1)
                .subscribe(this::onPing, e -> log.error("readiness checks stopped", e)));
        timers.add(Flux.interval(options.ttlRefreshInterval(), Schedulers.parallel())
                .onBackpressureDrop()
                .concatMap(t -> tick().onErrorResume(e -> {
                    log.debug("refresh tick failed: {}", e.toString());
                    return Mono.empty();
                }), 1)
                .subscribe());
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
    public Mono<Attachment> create(String sessionId, byte[] tokenDigest, String nodeId) {
        String digest = Base64.getEncoder().encodeToString(tokenDigest);
        return SessionIds.requireNew(sessionId).then(attachVia(sessionId, "create", () -> run(Scripts.CREATE,
                "create", keys.all(sessionId), digest, Long.toString(SessionRecord.newEpoch()), nodeId, graceMs),
                reply -> {
                    if (status(reply) == 0) {
                        throw SessionStoreException.alreadyExists(sessionId);
                    }
                    return record(sessionId, reply.get(1));
                }));
    }

    @Override
    public Mono<Attachment> attach(String sessionId, String nodeId) {
        return SessionIds.require(sessionId).then(attachVia(sessionId, "attach", () -> run(Scripts.ATTACH, "attach",
                keys.allAndChannel(sessionId), nodeId, graceMs, maxAgeMs, redis.publishCommand()), reply -> {
                    if (status(reply) == 0) {
                        throw SessionStoreException.notFound(sessionId);
                    }
                    return record(sessionId, reply.get(1));
                }));
    }

    /**
     * Subscribes to the session's channel first (so that a later takeover notice is heard), runs the script, and
     * registers the connection locally for TTL refreshes and takeover notices.
     */
    private Mono<Attachment> attachVia(String sessionId, String operation, Supplier<Mono<List<Object>>> script,
                                       java.util.function.Function<List<Object>, SessionRecord> parse) {
        return Mono.defer(() -> {
            requireOpen(operation);
            SessionChannel channel = acquire(sessionId);
            AtomicBoolean holding = new AtomicBoolean(true);
            return awaitSubscribed(channel, operation)
                    .then(Mono.defer(script))
                    .map(reply -> {
                        SessionRecord record = parse.apply(reply);
                        LocalAttachment local = channel.register(record.generation());
                        holding.set(false);
                        return new Attachment(record, record.generation(), local.superseded());
                    })
                    .doFinally(signal -> {
                        if (holding.compareAndSet(true, false)) {
                            release(channel);
                        }
                    })
                    .flatMap(attachment -> registry("c", List.of(sessionId)).thenReturn(attachment));
        });
    }

    @Override
    public Mono<SessionRecord> find(String sessionId) {
        return SessionIds.require(sessionId)
                .then(run(Scripts.FIND, "find", new String[] {keys.meta(sessionId), keys.log(sessionId)}, maxAgeMs))
                .flatMap(reply -> status(reply) == 0 ? Mono.empty() : Mono.just(record(sessionId, reply.get(1))))
                .onErrorResume(SessionStoreException::isNotFound, e -> Mono.empty());
    }

    @Override
    public Mono<Void> detach(String sessionId, long generation) {
        return SessionIds.require(sessionId)
                .then(run(Scripts.DETACH, "detach", keys.all(sessionId), Long.toString(generation), graceMs))
                .flatMap(reply -> {
                    endLocal(sessionId, generation);
                    return status(reply) == 1 ? registry("d", List.of(sessionId)) : Mono.<Void>empty();
                })
                .onErrorResume(SessionStoreException::isNotFound, e -> Mono.empty());
    }

    @Override
    public Mono<Void> remove(String sessionId) {
        return SessionIds.require(sessionId)
                .then(run(Scripts.REMOVE, "remove", keys.allAndChannel(sessionId), redis.publishCommand()))
                .then(registry("r", List.of(sessionId)))
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
            String[] json = split(codec.encode(frame.withSeq(Sequenced.UNASSIGNED)), SEQ_MARKER);
            return run(Scripts.APPEND_ONCE, "appendOnce",
                    new String[] {keys.meta(sessionId), keys.log(sessionId), keys.channel(sessionId),
                            keys.once(sessionId)},
                    json[0], json[1], maxFrames, maxAgeMs, redis.publishCommand(), key)
                    .map(reply -> switch ((int) status(reply)) {
                        case 0 -> throw SessionStoreException.notFound(sessionId);
                        case 2 -> new OnceAppend((Long) reply.get(1), true);
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
            String[] json = split(codec.encode(frame.withSeq(Sequenced.UNASSIGNED)), SEQ_MARKER);
            boolean endsReply = frame instanceof AssistantDone done && done.replyTo() == replyTo;
            return run(Scripts.APPEND, operation,
                    new String[] {keys.meta(sessionId), keys.log(sessionId), keys.channel(sessionId),
                            keys.leases(sessionId)},
                    json[0], json[1], maxFrames, maxAgeMs, redis.publishCommand(), Long.toString(replyTo),
                    endsReply ? "0" : Long.toString(Math.max(1, ttl.toMillis())), nodeId, Long.toString(part))
                    .map(reply -> switch ((int) status(reply)) {
                        case 0 -> throw SessionStoreException.notFound(sessionId);
                        case 2 -> throw SessionStoreException.replyEnded(sessionId, replyTo);
                        case 4 -> throw SessionStoreException.partNotNext(sessionId, replyTo, part,
                                (Long) reply.get(1));
                        default -> frame.withSeq((Long) reply.get(1));
                    });
        });
    }

    private static List<String> interruptedDoneTemplate(FrameCodec codec) {
        String[] seq = split(codec.encode(new AssistantDone(0, 0, DoneReason.INTERRUPTED)), SEQ_MARKER);
        String[] replyTo = split(seq[1], REPLY_TO_MARKER);
        return List.of(seq[0], replyTo[0], replyTo[1]);
    }

    /**
     * Splits encoded JSON around the value of the field {@code marker} names ({@code "name":0,}), keeping the
     * quotes, colon and comma on their sides: the script puts the real value between the two parts.
     */
    private static String[] split(String json, String marker) {
        int at = json.indexOf(marker);
        if (at < 0) {
            throw new IllegalStateException("no " + marker + " in " + json);
        }
        return new String[] {json.substring(0, at + marker.length() - 2), json.substring(at + marker.length() - 1)};
    }

    @Override
    public Flux<Sequenced> read(String sessionId, long afterSeq) {
        return SessionIds.require(sessionId).thenMany(readAll(sessionId, afterSeq, "read"));
    }

    /** Pages through the log from {@code afterSeq + 1} to the last seq, checking every page for gaps. */
    private Flux<Sequenced> readAll(String sessionId, long afterSeq, String operation) {
        return readPage(sessionId, afterSeq, operation)
                .expandDeep(page -> page.done() ? Mono.empty() : readPage(sessionId, page.end(), operation))
                .concatMapIterable(Page::frames);
    }

    private record Page(List<Sequenced> frames, long end, boolean done) {
    }

    private Mono<Page> readPage(String sessionId, long afterSeq, String operation) {
        return run(Scripts.READ, operation, new String[] {keys.meta(sessionId), keys.log(sessionId)},
                Long.toString(afterSeq), Integer.toString(PAGE), maxAgeMs)
                .map(reply -> {
                    if (status(reply) == 0) {
                        throw SessionStoreException.notFound(sessionId);
                    }
                    long first = (Long) reply.get(1);
                    long last = (Long) reply.get(2);
                    if (afterSeq >= last) {
                        return new Page(List.of(), afterSeq, true);
                    }
                    if (afterSeq + 1 < first) {
                        throw SessionStoreException.historyTruncated(sessionId, afterSeq, first);
                    }
                    List<?> entries = (List<?>) reply.get(3);
                    if (entries.isEmpty()) {
                        // The metadata says these frames exist but the log lost them: never replay partially.
                        throw SessionStoreException.historyTruncated(sessionId, afterSeq, last + 1);
                    }
                    List<Sequenced> frames = new ArrayList<>(entries.size());
                    long expected = afterSeq + 1;
                    for (Object entry : entries) {
                        Sequenced frame = codec.decodeSequenced((String) entry);
                        if (frame.seq() != expected) {
                            throw SessionStoreException.historyTruncated(sessionId, expected - 1, frame.seq());
                        }
                        frames.add(frame);
                        expected++;
                    }
                    long end = expected - 1;
                    return new Page(frames, end, end >= last);
                });
    }

    /**
     * Subscribes to the session's channel first, then replays the log, then delivers live frames. Live
     * notifications that arrive during the replay wait in the follower's buffer; afterwards each is delivered only
     * if it is the next seq, dropped if already delivered, and a gap (a lost or reordered notification) is filled
     * from the log. The refresh timer and a reconnect to Redis poke every follower to catch up the same way.
     * Notifications wait in an unbounded buffer while the subscriber is slower than the appends; each holds one
     * frame that was appended (so bounded by the producers of that session).
     */
    @Override
    public Flux<Sequenced> follow(String sessionId, long afterSeq) {
        return SessionIds.require(sessionId).thenMany(Flux.defer(() -> {
            requireOpen("follow");
            SessionChannel channel = acquire(sessionId);
            Follower follower = new Follower();
            channel.followers.add(follower);
            long[] next = {afterSeq + 1};
            Flux<Object> history = readAll(sessionId, afterSeq, "follow").map(frame -> {
                next[0] = frame.seq() + 1;
                return frame;
            });
            Flux<Object> live = follower.sink.asFlux().concatMap(note -> {
                if (note == REMOVED) {
                    return Flux.just(END);
                }
                if (note instanceof Sequenced frame && frame.seq() < next[0]) {
                    return Flux.empty();
                }
                if (note instanceof Sequenced frame && frame.seq() == next[0]) {
                    next[0]++;
                    return Flux.just(frame);
                }
                return Flux.defer(() -> readAll(sessionId, next[0] - 1, "follow"))
                        .map(frame -> {
                            next[0] = frame.seq() + 1;
                            return (Object) frame;
                        })
                        .onErrorResume(SessionStoreException::isNotFound, e -> Flux.just(END));
            }, 1);
            return awaitSubscribed(channel, "follow")
                    .thenMany(history.concatWith(live))
                    .takeWhile(item -> item != END)
                    .cast(Sequenced.class)
                    .doFinally(signal -> {
                        channel.followers.remove(follower);
                        release(channel);
                    });
        }));
    }

    // ---------------------------------------------------------------- client messages

    @Override
    public Mono<ClientAppend> appendClient(String sessionId, ClientMessage message, String nodeId,
                                           Duration replyLease) {
        // A user message's reply lease is written by the same script, so that no crash can leave it owed unleased.
        String leaseMillis = message instanceof UserMessage ? Long.toString(Math.max(1, replyLease.toMillis())) : "0";
        return SessionIds.require(sessionId).then(Mono.defer(() -> run(Scripts.APPEND_CLIENT, "appendClient",
                new String[] {keys.meta(sessionId), keys.in(sessionId), keys.leases(sessionId)},
                Long.toString(message.cseq()), codec.encode(message), maxFrames, leaseMillis, nodeId, maxAgeMs))
                .map(reply -> {
                    long acked = reply.size() > 1 ? (Long) reply.get(1) : 0;
                    return switch ((int) status(reply)) {
                        case 1 -> new ClientAppend(ClientAppend.Outcome.STORED, acked);
                        case 2 -> new ClientAppend(ClientAppend.Outcome.DUPLICATE, acked);
                        case 3 -> new ClientAppend(ClientAppend.Outcome.OUT_OF_ORDER, acked);
                        default -> throw SessionStoreException.notFound(sessionId);
                    };
                }));
    }

    @Override
    public Flux<ClientMessage> readClient(String sessionId, long afterCseq) {
        return SessionIds.require(sessionId).thenMany(readClientPage(sessionId, afterCseq)
                .expandDeep(page -> page.size() < PAGE ? Mono.empty()
                        : readClientPage(sessionId, page.get(page.size() - 1).cseq()))
                .concatMapIterable(page -> page));
    }

    private Mono<List<ClientMessage>> readClientPage(String sessionId, long afterCseq) {
        return run(Scripts.READ_CLIENT, "readClient", new String[] {keys.meta(sessionId), keys.in(sessionId)},
                Long.toString(afterCseq), Integer.toString(PAGE), maxAgeMs)
                .map(reply -> {
                    if (status(reply) == 0) {
                        throw SessionStoreException.notFound(sessionId);
                    }
                    List<ClientMessage> messages = new ArrayList<>();
                    for (Object entry : (List<?>) reply.get(1)) {
                        messages.add(codec.decodeClientMessage((String) entry));
                    }
                    return messages;
                });
    }

    // ---------------------------------------------------------------- reply leases

    @Override
    public Mono<Void> renewReply(String sessionId, long replyTo, String nodeId, Duration ttl) {
        return SessionIds.require(sessionId)
                .then(run(Scripts.RENEW_REPLY, "renewReply",
                        new String[] {keys.meta(sessionId), keys.leases(sessionId)}, Long.toString(replyTo), Long.toString(Math.max(1, ttl.toMillis())), nodeId))
                .flatMap(reply -> switch ((int) status(reply)) {
                    case 0 -> Mono.error(SessionStoreException.notFound(sessionId));
                    case 2 -> Mono.error(SessionStoreException.replyEnded(sessionId, replyTo));
                    default -> Mono.empty();
                });
    }

    @Override
    public Mono<ReplyLease> findReplyLease(String sessionId, long replyTo) {
        return SessionIds.require(sessionId)
                .then(run(Scripts.FIND_LEASE, "findReplyLease",
                        new String[] {keys.meta(sessionId), keys.leases(sessionId)}, Long.toString(replyTo)))
                .flatMap(reply -> {
                    if (status(reply) == 0) {
                        return Mono.error(SessionStoreException.notFound(sessionId));
                    }
                    if (reply.size() < 2) {
                        return Mono.empty();
                    }
                    // "<expiryMs>:<parts>:<lastSeq>:<node>"; a node id may itself contain ':'.
                    String[] lease = ((String) reply.get(1)).split(":", 4);
                    return Mono.just(new ReplyLease(replyTo, lease[3], Instant.ofEpochMilli(Long.parseLong(lease[0]))));
                });
    }

    @Override
    public Flux<Sequenced> endLapsedReplies(String sessionId, Set<Long> producing, String nodeId, Duration ttl) {
        List<String> args = new ArrayList<>(interruptedDone);
        args.addAll(List.of(maxFrames, maxAgeMs, redis.publishCommand(), Long.toString(Math.max(1, ttl.toMillis())),
                nodeId));
        producing.forEach(replyTo -> args.add(Long.toString(replyTo)));
        return SessionIds.require(sessionId).thenMany(run(Scripts.END_LAPSED, "endLapsedReplies",
                new String[] {keys.meta(sessionId), keys.log(sessionId), keys.channel(sessionId),
                        keys.leases(sessionId)}, args.toArray(String[]::new))
                .flatMapMany(reply -> {
                    if (status(reply) == 0) {
                        return Flux.error(SessionStoreException.notFound(sessionId));
                    }
                    List<?> ended = (List<?>) reply.get(1);
                    List<Sequenced> frames = new ArrayList<>(ended.size() / 2);
                    for (int i = 0; i < ended.size(); i += 2) {
                        frames.add(new AssistantDone((Long) ended.get(i), (Long) ended.get(i + 1),
                                DoneReason.INTERRUPTED));
                    }
                    return Flux.fromIterable(frames);
                }));
    }

    // ---------------------------------------------------------------- health

    @Override
    public boolean isReady() {
        return ready && !closed;
    }

    @Override
    public Mono<SessionStats> stats() {
        return run(Scripts.STATS, "stats", new String[] {keys.registrySessions(), keys.registryConnected()})
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
        timers.dispose();
        SessionStoreException gone = SessionStoreException.unavailable("follow",
                new IllegalStateException("the store was closed"));
        channels.values().forEach(channel -> channel.followers.forEach(f -> f.fail(gone)));
        redis.close();
    }

    @Override
    public String toString() {
        return "RedisSessionStore[" + options + ", ready=" + ready + "]";
    }

    // ---------------------------------------------------------------- internals

    private Mono<List<Object>> run(LuaScript script, String operation, String[] keys, String... args) {
        return Mono.defer(() -> {
            requireOpen(operation);
            return redis.run(script, keys, args);
        }).onErrorMap(e -> !(e instanceof SessionStoreException), e -> {
            if (e instanceof RedisConnectionException) {
                checkNow.tryEmitNext(Boolean.TRUE);
            }
            return failure(operation, e);
        });
    }

    /**
     * A Redis failure as a store failure: {@code rejected} when the command never left this process (Lettuce was
     * disconnected and rejects commands at once, or could not connect at all), else {@code unavailable}, because a
     * command that timed out or was in flight when the connection dropped may have run.
     */
    static SessionStoreException failure(String operation, Throwable e) {
        boolean notSent = e instanceof RedisConnectionException
                || e instanceof RedisException && e.getMessage() != null
                        && e.getMessage().startsWith(LETTUCE_REJECTED);
        return notSent ? SessionStoreException.rejected(operation, e) : SessionStoreException.unavailable(operation, e);
    }

    private void requireOpen(String operation) {
        if (closed) {
            throw SessionStoreException.rejected(operation, new IllegalStateException("the store is closed"));
        }
    }

    private static long status(List<Object> reply) {
        return (Long) reply.get(0);
    }

    private static SessionRecord record(String sessionId, Object hgetall) {
        List<?> flat = (List<?>) hgetall;
        Map<String, String> fields = new HashMap<>();
        for (int i = 0; i + 1 < flat.size(); i += 2) {
            fields.put((String) flat.get(i), (String) flat.get(i + 1));
        }
        return new SessionRecord(sessionId,
                Base64.getDecoder().decode(fields.getOrDefault("tok", "")),
                number(fields, "ep"), number(fields, "first"), number(fields, "last"), number(fields, "ack"),
                number(fields, "gen"), "1".equals(fields.get("con")), fields.get("own"),
                Instant.ofEpochMilli(number(fields, "cat")), Instant.ofEpochMilli(number(fields, "seen")));
    }

    private static long number(Map<String, String> fields, String name) {
        String value = fields.get(name);
        return value == null ? 0 : Long.parseLong(value);
    }

    /** Updates the statistics registry; a failure only delays the counts until the next refresh tick. */
    private Mono<Void> registry(String op, List<String> sessionIds) {
        if (sessionIds.isEmpty()) {
            return Mono.empty();
        }
        List<String> args = new ArrayList<>(sessionIds.size() + 2);
        args.add(op);
        args.add(graceMs);
        args.addAll(sessionIds);
        return redis.run(Scripts.REGISTRY, new String[] {keys.registrySessions(), keys.registryConnected()},
                        args.toArray(String[]::new))
                .onErrorResume(e -> {
                    log.debug("statistics registry update failed: {}", e.toString());
                    return Mono.empty();
                })
                .then();
    }

    /**
     * Readiness from one PING: a dropped connection makes the store not ready at once, but a connected Redis only
     * after {@link #FAILED_PINGS_BEFORE_NOT_READY} PINGs in a row fail. One slow answer under load is not an outage,
     * and a node that declared itself not ready on it would refuse every client and make the load worse.
     * Called from one serialized chain.
     */
    private void onPing(boolean answered) {
        if (answered) {
            failedPings = 0;
            setReady(true);
        } else if (++failedPings >= FAILED_PINGS_BEFORE_NOT_READY || !redis.isConnected()) {
            setReady(false);
        }
    }

    private void setReady(boolean now) {
        boolean was = ready;
        ready = now;
        if (now && !was && !closed) {
            log.info("Redis reachable again; resubscribing {} session channels", channels.size());
            recover();
        } else if (!now && was) {
            log.warn("Redis unreachable; the session store is not ready");
        }
    }

    /** After an outage: subscribe again where needed, then refresh attachments and let followers catch up. */
    private void recover() {
        List<CompletableFuture<Void>> subscriptions = new ArrayList<>();
        for (String sessionId : List.copyOf(channels.keySet())) {
            channels.computeIfPresent(sessionId, (id, channel) -> {
                channel.subscribed = redis.subscribe(channel.name);
                subscriptions.add(channel.subscribed);
                return channel;
            });
        }
        Mono.fromFuture(CompletableFuture.allOf(subscriptions.toArray(CompletableFuture[]::new)), true)
                .timeout(options.commandTimeout())
                .onErrorResume(e -> Mono.empty())
                .then(redis.loadScripts(Scripts.all()))
                .then(tick())
                .onErrorResume(e -> Mono.empty())
                .subscribe();
    }

    /**
     * The refresh timer: refreshes the TTLs of this node's connected sessions (and learns of takeovers it missed),
     * updates the registry, and pokes every follower to catch up from the log in case a notification was lost.
     */
    private Mono<Void> tick() {
        if (!ready || closed) {
            return Mono.empty();
        }
        List<LocalAttachment> attachments = new ArrayList<>();
        channels.values().forEach(channel -> attachments.addAll(channel.attachments));
        return Flux.fromIterable(attachments)
                .flatMap(local -> redis.run(Scripts.REFRESH, keys.all(local.channel.sessionId),
                                Long.toString(local.generation), graceMs)
                        .flatMap(reply -> {
                            switch ((int) status(reply)) {
                                case 1 -> {
                                    return Mono.just(local.channel.sessionId);
                                }
                                case 2 -> local.supersede();
                                default -> local.end();
                            }
                            return Mono.<String>empty();
                        })
                        .onErrorResume(e -> Mono.empty()), 64)
                .buffer(REGISTRY_BATCH)
                .concatMap(ids -> registry("t", ids))
                .then(Mono.fromRunnable(() -> channels.values()
                        .forEach(channel -> channel.followers.forEach(f -> f.push(POKE)))));
    }

    private void dispatch(String channelName, String message) {
        String sessionId = keys.sessionOfChannel(channelName);
        SessionChannel channel = sessionId == null ? null : channels.get(sessionId);
        if (channel != null) {
            channel.onMessage(message);
        }
    }

    private SessionChannel acquire(String sessionId) {
        return channels.compute(sessionId, (id, channel) -> {
            if (channel == null) {
                channel = new SessionChannel(id, keys.channel(id));
                channel.subscribed = redis.subscribe(channel.name);
            } else if (channel.subscribed.isCompletedExceptionally()) {
                channel.subscribed = redis.subscribe(channel.name);
            }
            channel.refs++;
            return channel;
        });
    }

    private void release(SessionChannel channel) {
        channels.computeIfPresent(channel.sessionId, (id, current) -> {
            if (current != channel || --current.refs > 0) {
                return current;
            }
            if (!closed) {
                redis.unsubscribe(current.name);
            }
            return null;
        });
    }

    private Mono<Void> awaitSubscribed(SessionChannel channel, String operation) {
        return Mono.fromFuture(channel.subscribed, true)
                .timeout(options.commandTimeout())
                .onErrorMap(e -> SessionStoreException.unavailable(operation + " (subscribe)", e));
    }

    private void endLocal(String sessionId, long generation) {
        SessionChannel channel = channels.get(sessionId);
        if (channel != null) {
            for (LocalAttachment local : channel.attachments) {
                if (local.generation == generation) {
                    local.end();
                }
            }
        }
    }

    /** This node's interest in one session's channel: its followers and its attached connections. */
    private final class SessionChannel {
        final String sessionId;
        final String name;
        final Set<Follower> followers = ConcurrentHashMap.newKeySet();
        final List<LocalAttachment> attachments = new CopyOnWriteArrayList<>();
        final AtomicLong highestGeneration = new AtomicLong();
        volatile CompletableFuture<Void> subscribed;
        int refs; // guarded by the channels map's lock for this session

        SessionChannel(String sessionId, String name) {
            this.sessionId = sessionId;
            this.name = name;
        }

        LocalAttachment register(long generation) {
            LocalAttachment local = new LocalAttachment(this, generation);
            attachments.add(local);
            highestGeneration.accumulateAndGet(generation, Math::max);
            supersedeBelow(highestGeneration.get());
            return local;
        }

        void supersedeBelow(long generation) {
            for (LocalAttachment local : attachments) {
                if (local.generation < generation) {
                    local.supersede();
                }
            }
        }

        void onMessage(String message) {
            if (message.startsWith("g:")) {
                long generation = Long.parseLong(message.substring(2));
                highestGeneration.accumulateAndGet(generation, Math::max);
                supersedeBelow(generation);
            } else if (message.equals("x")) {
                followers.forEach(f -> f.push(REMOVED));
            } else if (!followers.isEmpty()) {
                Object note;
                try {
                    note = codec.decodeSequenced(message);
                } catch (RuntimeException e) {
                    log.warn("undecodable notification on {}: {}", name, e.toString());
                    note = POKE;
                }
                for (Follower follower : followers) {
                    follower.push(note);
                }
            }
        }
    }

    /** One connection attached through this node. */
    private final class LocalAttachment {
        final SessionChannel channel;
        final long generation;
        final Sinks.Empty<Void> superseded = Sinks.empty();
        final AtomicBoolean ended = new AtomicBoolean();

        LocalAttachment(SessionChannel channel, long generation) {
            this.channel = channel;
            this.generation = generation;
        }

        Mono<Void> superseded() {
            return superseded.asMono();
        }

        void supersede() {
            if (ended.compareAndSet(false, true)) {
                superseded.tryEmitEmpty();
                forget();
            }
        }

        void end() {
            if (ended.compareAndSet(false, true)) {
                forget();
            }
        }

        private void forget() {
            channel.attachments.remove(this);
            release(channel);
        }
    }

    /** One {@link #follow} subscription's inbox of notifications, buffered until the replay is done. */
    private static final class Follower {
        final Sinks.Many<Object> sink = Sinks.many().unicast().onBackpressureBuffer();

        synchronized void push(Object note) {
            sink.tryEmitNext(note);
        }

        synchronized void fail(Throwable error) {
            sink.tryEmitError(error);
        }
    }
}
