package dev.tether.session.redis.internal;

import io.lettuce.core.event.connection.ConnectionActivatedEvent;
import io.lettuce.core.event.connection.DisconnectedEvent;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;
import reactor.core.Disposables;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Sinks;
import reactor.core.scheduler.Schedulers;

/**
 * Whether Redis can serve requests, from a periodic PING and Lettuce's connection events: a dropped connection
 * makes it not ready at once, but a connected Redis only after {@link #FAILED_PINGS_BEFORE_NOT_READY} PINGs in a
 * row fail. One slow answer under load is not an outage, and a node that declared itself not ready on it would
 * refuse every client and make the load worse.
 */
public final class Readiness implements Disposable {

    /** PINGs that must fail in a row before a Redis that is still connected counts as not ready: 3. */
    public static final int FAILED_PINGS_BEFORE_NOT_READY = 3;

    private static final Logger log = LoggerFactory.getLogger(Readiness.class);

    private final RedisBackend redis;
    private final Runnable onRecovered;
    private final Sinks.Many<Boolean> checkNow = Sinks.many().multicast().directBestEffort();
    private final Disposable.Composite checks = Disposables.composite();
    private volatile boolean ready;
    private int failedPings; // only touched by the one serialized chain of checks

    /**
     * Starts checking every {@code interval}, from {@code ready}; {@code onRecovered} runs each time Redis becomes
     * reachable again.
     */
    public Readiness(RedisBackend redis, boolean ready, Duration interval, Runnable onRecovered) {
        this.redis = redis;
        this.ready = ready;
        this.onRecovered = onRecovered;
        checks.add(redis.events().subscribe(event -> {
            if (event instanceof DisconnectedEvent || event instanceof ConnectionActivatedEvent) {
                checkNow();
            }
        }));
        checks.add(Flux.merge(Flux.interval(interval, Schedulers.parallel()).map(t -> true), checkNow.asFlux())
                .onBackpressureDrop()
                .concatMap(t -> redis.ping(), 1)
                .subscribe(this::onPing, e -> log.error("readiness checks stopped", e)));
    }

    public boolean isReady() {
        return ready;
    }

    /** Checks at once rather than at the next interval: a command just failed to connect. */
    public void checkNow() {
        checkNow.tryEmitNext(Boolean.TRUE);
    }

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
        if (now && !was && !checks.isDisposed()) {
            onRecovered.run();
        } else if (!now && was) {
            log.warn("Redis unreachable; the session store is not ready");
        }
    }

    @Override
    public void dispose() {
        checks.dispose();
    }

    @Override
    public boolean isDisposed() {
        return checks.isDisposed();
    }
}
