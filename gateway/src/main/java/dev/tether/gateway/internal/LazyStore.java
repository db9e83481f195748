package dev.tether.gateway.internal;

import dev.tether.protocol.session.ForwardingSessionStore;
import dev.tether.protocol.session.SessionStore;
import dev.tether.protocol.session.SessionStoreException;
import java.time.Duration;
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
 * unavailable with nothing sent (so callers may retry it: {@link SessionStoreException#isNotApplied()}).
 */
final class LazyStore extends ForwardingSessionStore {

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

    /** The connected store; only the forwarding hooks below call it, once they know there is one. */
    @Override
    protected SessionStore delegate() {
        SessionStore store = delegate;
        if (store == null) {
            throw new IllegalStateException("not connected to " + description);
        }
        return store;
    }

    @Override
    protected <T> Mono<T> forwardMono(String operation, Function<SessionStore, Mono<T>> call) {
        SessionStore store = delegate;
        return store != null ? call.apply(store) : Mono.error(notConnected(operation));
    }

    @Override
    protected <T> Flux<T> forwardFlux(String operation, Function<SessionStore, Flux<T>> call) {
        SessionStore store = delegate;
        return store != null ? call.apply(store) : Flux.error(notConnected(operation));
    }

    private SessionStoreException notConnected(String operation) {
        return SessionStoreException.rejected(operation, new IllegalStateException(
                closed ? "the store is closed" : "not connected to " + description + " yet"));
    }

    @Override
    public boolean isReady() {
        SessionStore store = delegate;
        return !closed && store != null && store.isReady();
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
