package dev.tether.gateway.internal;

import dev.tether.protocol.session.ForwardingSessionStore;
import dev.tether.protocol.session.SessionStore;
import dev.tether.protocol.session.SessionStoreException;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;

/**
 * This node's store, watched for outages: an outage is logged once when it starts (the first call that fails because
 * the store is unavailable) and once when it ends (the first call started since that the store answers), with the
 * number of calls that failed meanwhile, instead of one line per failed call. Every call goes through it, so the
 * count is complete; callers log the failures they handle with {@link #log}, which keeps stack traces for what is
 * unexpected only.
 */
final class StoreHealth extends ForwardingSessionStore {

    private static final Logger LOG = LoggerFactory.getLogger(StoreHealth.class);

    private final SessionStore delegate;
    private final Scheduler scheduler;
    private final GatewayMetrics metrics;

    // Guarded by this; read without the lock on the path of every answer, which is all it costs while no outage is on.
    private volatile boolean out;
    private long outSince;
    private long failed;
    private long notSent;
    /** The last ticket given out when the outage began: calls with a later one were started during it. */
    private long outTicket;
    /** A number per call, in the order they start. */
    private final AtomicLong tickets = new AtomicLong();

    StoreHealth(SessionStore delegate, Scheduler scheduler, GatewayMetrics metrics) {
        this.delegate = delegate;
        this.scheduler = scheduler;
        this.metrics = metrics;
    }

    @Override
    protected SessionStore delegate() {
        return delegate;
    }

    @Override
    protected <T> Mono<T> forwardMono(String operation, Function<SessionStore, Mono<T>> call) {
        return Mono.defer(() -> {
            long started = tickets.incrementAndGet();
            long startedAt = scheduler.now(TimeUnit.NANOSECONDS);
            // A Mono's signals are serial: no lock needed for this one subscription's flag.
            boolean[] timed = new boolean[1];
            return call.apply(delegate)
                    .doOnEach(signal -> {
                        if (!timed[0] && (signal.isOnNext() || signal.isOnComplete() || signal.isOnError())) {
                            timed[0] = true;
                            metrics.storeCall(operation, scheduler.now(TimeUnit.NANOSECONDS) - startedAt);
                        }
                        if (signal.isOnError()) {
                            failed(operation, signal.getThrowable(), started);
                        } else if (signal.isOnNext() || signal.isOnComplete()) {
                            answered(started);
                        }
                    });
        });
    }

    @Override
    protected <T> Flux<T> forwardFlux(String operation, Function<SessionStore, Flux<T>> call) {
        return Flux.defer(() -> {
            long started = tickets.incrementAndGet();
            return call.apply(delegate)
                    .doOnNext(item -> answered(started))
                    .doOnError(error -> failed(operation, error, started))
                    .doOnComplete(() -> answered(started));
        });
    }

    private void failed(String operation, Throwable error, long started) {
        if (!(error instanceof SessionStoreException failure) || !failure.isRetryable()) {
            // The store answered (not found, ended, ...), or something unexpected that its caller logs in full.
            answered(started);
            return;
        }
        metrics.storeCallFailed();
        synchronized (this) {
            failed++;
            if (failure.isNotApplied()) {
                notSent++;
            }
            if (out) {
                return;
            }
            out = true;
            outSince = now();
            outTicket = tickets.get();
        }
        LOG.warn("session store unavailable: {} failed ({}); failed calls are counted until it answers again",
                operation, error.getMessage());
    }

    private void answered(long started) {
        if (!out) {
            return;
        }
        long calls;
        long unsent;
        long since;
        synchronized (this) {
            // A call that was in flight when the outage began proves nothing about the store now.
            if (!out || started <= outTicket) {
                return;
            }
            out = false;
            calls = failed;
            unsent = notSent;
            since = outSince;
            failed = 0;
            notSent = 0;
        }
        LOG.warn("session store available again after {} s: {} calls failed meanwhile ({} not sent, {} timed out or"
                + " cut)", String.format(Locale.ROOT, "%.1f", (now() - since) / 1e9), calls, unsent, calls - unsent);
    }

    /**
     * Logs a store failure its caller handled: a store that is unavailable at debug level (the outage is logged once,
     * above), anything else, unexpected, as a warning with its stack trace.
     *
     * @param format an SLF4J message format for {@code args}
     */
    static void log(Logger log, Throwable error, String format, Object... args) {
        if (error instanceof SessionStoreException failure && failure.isRetryable()) {
            if (log.isDebugEnabled()) {
                log.debug(format + ": {}", append(args, error.toString()));
            }
        } else {
            log.warn(format, append(args, error));
        }
    }

    private static Object[] append(Object[] args, Object last) {
        Object[] all = java.util.Arrays.copyOf(args, args.length + 1);
        all[args.length] = last;
        return all;
    }

    private long now() {
        return scheduler.now(TimeUnit.NANOSECONDS);
    }
}
