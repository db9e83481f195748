package dev.tether.gateway.internal;

import dev.tether.protocol.ClientMessage;
import dev.tether.protocol.Sequenced;
import dev.tether.protocol.session.Attachment;
import dev.tether.protocol.session.ClientAppend;
import dev.tether.protocol.session.OnceAppend;
import dev.tether.protocol.session.ReplyLease;
import dev.tether.protocol.session.SessionRecord;
import dev.tether.protocol.session.SessionStats;
import dev.tether.protocol.session.SessionStore;
import dev.tether.protocol.session.SessionStoreException;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import reactor.util.retry.Retry;

/**
 * A store that connects in the background: a node whose Redis is down at startup starts anyway, reports not ready
 * and refuses handshakes, and becomes ready once the store has connected. Until then every operation fails as
 * unavailable with nothing sent (so callers may retry it, see {@link StoreFailures}).
 */
final class LazyStore implements SessionStore {

    private static final Logger LOG = LoggerFactory.getLogger(LazyStore.class);

    /** Shortest wait between connection attempts. */
    static final Duration RETRY_MIN = Duration.ofMillis(250);
    /** Longest wait between connection attempts. */
    static final Duration RETRY_MAX = Duration.ofSeconds(5);

    private final String description;
    private final Disposable connecting;
    private volatile SessionStore delegate;
    private volatile boolean closed;

    LazyStore(String description, Callable<SessionStore> connect) {
        this.description = description;
        AtomicLong attempts = new AtomicLong();
        // connect() blocks (Lettuce's connect and the first PING), so it runs off the event loops.
        this.connecting = Mono.fromCallable(connect)
                .subscribeOn(Schedulers.boundedElastic())
                .doOnError(e -> {
                    long attempt = attempts.incrementAndGet();
                    if (attempt == 1 || attempt % 20 == 0) {
                        LOG.warn("session store {} not reachable (attempt {}): {}; retrying", description, attempt,
                                e.getMessage());
                    }
                })
                .retryWhen(Retry.backoff(Long.MAX_VALUE, RETRY_MIN).maxBackoff(RETRY_MAX)
                        .filter(e -> !closed))
                .subscribe(this::connected, e -> LOG.error("session store {} gave up connecting", description, e));
    }

    private void connected(SessionStore store) {
        synchronized (this) {
            if (!closed) {
                delegate = store;
                LOG.info("session store {} connected", description);
                return;
            }
        }
        store.close();
    }

    private <T> Mono<T> mono(String operation, Function<SessionStore, Mono<T>> call) {
        SessionStore store = delegate;
        return store != null ? call.apply(store) : Mono.error(notConnected(operation));
    }

    private <T> Flux<T> flux(String operation, Function<SessionStore, Flux<T>> call) {
        SessionStore store = delegate;
        return store != null ? call.apply(store) : Flux.error(notConnected(operation));
    }

    private SessionStoreException notConnected(String operation) {
        return SessionStoreException.rejected(operation, new IllegalStateException(
                closed ? "the store is closed" : "not connected to " + description + " yet"));
    }

    @Override
    public Mono<Attachment> create(String sessionId, byte[] tokenDigest, String nodeId) {
        return mono("create", s -> s.create(sessionId, tokenDigest, nodeId));
    }

    @Override
    public Mono<SessionRecord> find(String sessionId) {
        return mono("find", s -> s.find(sessionId));
    }

    @Override
    public Mono<Attachment> attach(String sessionId, String nodeId) {
        return mono("attach", s -> s.attach(sessionId, nodeId));
    }

    @Override
    public Mono<Void> detach(String sessionId, long generation) {
        return mono("detach", s -> s.detach(sessionId, generation));
    }

    @Override
    public Mono<Sequenced> append(String sessionId, Sequenced frame) {
        return mono("append", s -> s.append(sessionId, frame));
    }

    @Override
    public Mono<OnceAppend> appendOnce(String sessionId, String key, Sequenced frame) {
        return mono("appendOnce", s -> s.appendOnce(sessionId, key, frame));
    }

    @Override
    public Mono<Sequenced> appendReply(String sessionId, long replyTo, long part, Sequenced frame, String nodeId,
                                       Duration ttl) {
        return mono("appendReply", s -> s.appendReply(sessionId, replyTo, part, frame, nodeId, ttl));
    }

    @Override
    public Flux<Sequenced> read(String sessionId, long afterSeq) {
        return flux("read", s -> s.read(sessionId, afterSeq));
    }

    @Override
    public Flux<Sequenced> follow(String sessionId, long afterSeq) {
        return flux("follow", s -> s.follow(sessionId, afterSeq));
    }

    @Override
    public Mono<ClientAppend> appendClient(String sessionId, ClientMessage message, String nodeId,
                                           Duration replyLease) {
        return mono("appendClient", s -> s.appendClient(sessionId, message, nodeId, replyLease));
    }

    @Override
    public Flux<ClientMessage> readClient(String sessionId, long afterCseq) {
        return flux("readClient", s -> s.readClient(sessionId, afterCseq));
    }

    @Override
    public Mono<Void> renewReply(String sessionId, long replyTo, String nodeId, Duration ttl) {
        return mono("renewReply", s -> s.renewReply(sessionId, replyTo, nodeId, ttl));
    }

    @Override
    public Mono<ReplyLease> findReplyLease(String sessionId, long replyTo) {
        return mono("findReplyLease", s -> s.findReplyLease(sessionId, replyTo));
    }

    @Override
    public Flux<Sequenced> endLapsedReplies(String sessionId, Set<Long> producing, String nodeId, Duration ttl) {
        return flux("endLapsedReplies", s -> s.endLapsedReplies(sessionId, producing, nodeId, ttl));
    }

    @Override
    public Mono<Void> remove(String sessionId) {
        return mono("remove", s -> s.remove(sessionId));
    }

    @Override
    public boolean isReady() {
        SessionStore store = delegate;
        return !closed && store != null && store.isReady();
    }

    @Override
    public Mono<SessionStats> stats() {
        return mono("stats", SessionStore::stats);
    }

    @Override
    public void close() {
        SessionStore store;
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            store = delegate;
        }
        connecting.dispose();
        if (store != null) {
            store.close();
        }
    }

    @Override
    public String toString() {
        SessionStore store = delegate;
        return store != null ? store.toString() : "LazyStore[" + description + ", not connected]";
    }
}
