package dev.tether.client.internal;

import dev.tether.client.ConnectionClosedException;
import dev.tether.client.ConnectionFailedException;
import dev.tether.client.TetherClientException;
import dev.tether.client.TetherClientOptions;
import dev.tether.protocol.TetherException;
import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.Predicate;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.util.retry.Retry;

/**
 * The reconnect policy: Reactor's {@link Retry#backoff} with the client's options, a filter that stops on terminal
 * close codes, and an attempt count that restarts after each successful handshake; and, apart from it, the
 * gateway's retry-after hint.
 *
 * <p>A close with a retry-after hint (1013 from an overloaded gateway) is a refusal, not a failed attempt: the
 * gateway is scheduling the client. The client waits the hint, spread by its jitter, and then starts its backoff
 * over; a refusal neither grows the backoff nor counts toward the maximum of attempts. Were it a failure, every
 * refusal in a reconnection storm would double the client's next wait, up to the maximum backoff, long after the
 * gateway had room again, and the client would give up after a few refusals.
 */
final class Reconnect {

    /** Told about each retry, in order, on the thread that handles the failure. */
    interface Listener {

        /** A retry will happen; {@code attempt} counts from 1 since the last successful handshake. */
        void retrying(long attempt, Throwable failure);

        /** The wait before {@code attempt} starts now and lasts {@code delay}. */
        void waiting(long attempt, Duration delay);
    }

    private Reconnect() {
    }

    /**
     * A connection lifecycle that reconnects: with the backoff after a failure, after the gateway's hint after a
     * refusal. The lifecycle must emit a value after each successful handshake: that restarts the attempt count.
     *
     * @param mayRetry also asked for each failure; a {@code false} stops retrying, for example after close()
     */
    static <T> Flux<T> reconnecting(Flux<T> lifecycle, TetherClientOptions options, Predicate<Throwable> mayRetry,
                                    Listener listener) {
        // A refusal passes through the backoff (its filter declines it) to the outer retry, whose resubscription
        // also gives the backoff a fresh state: the next failure waits the base delay again.
        return lifecycle
                .retryWhen(backoff(options, mayRetry, listener))
                .retryWhen(refusals(options, mayRetry, listener));
    }

    /** The backoff for failures: everything that may reconnect except refusals. */
    static Retry backoff(TetherClientOptions options, Predicate<Throwable> mayRetry, Listener listener) {
        AtomicLong attempt = new AtomicLong();
        // Retry.backoff draws the jittered delay itself and only hands it to the scheduler: observe it there.
        Scheduler observed = new DelayObservingScheduler(options.scheduler(),
                delay -> listener.waiting(attempt.get(), delay));
        return Retry.backoff(options.maxReconnectAttempts(), options.reconnectBaseDelay())
                .maxBackoff(options.reconnectMaxDelay())
                .jitter(options.reconnectJitter())
                .transientErrors(true)
                .filter(error -> allowsReconnect(error) && !isRefusal(error) && mayRetry.test(error))
                .scheduler(observed)
                .doBeforeRetry(signal -> {
                    attempt.set(signal.totalRetriesInARow() + 1);
                    listener.retrying(attempt.get(), signal.failure());
                })
                .onRetryExhaustedThrow((spec, signal) ->
                        TetherClientException.retriesExhausted(signal.totalRetriesInARow(), signal.failure()));
    }

    /** The gateway's schedule for refusals: wait the hint, spread by the jitter; not counted as attempts. */
    static Retry refusals(TetherClientOptions options, Predicate<Throwable> mayRetry, Listener listener) {
        return Retry.from(signals -> signals.concatMap(signal -> {
            Throwable failure = signal.failure();
            if (!isRefusal(failure) || !allowsReconnect(failure) || !mayRetry.test(failure)) {
                return Mono.error(failure);
            }
            Duration wait = retryAfterWait(failure, options.reconnectJitter());
            // The next attempt is the first of a fresh backoff.
            listener.retrying(1, failure);
            listener.waiting(1, wait);
            return Mono.delay(wait, options.scheduler());
        }));
    }

    /** Whether the gateway turned the client away with a retry-after hint. */
    static boolean isRefusal(Throwable error) {
        return error instanceof ConnectionClosedException closed && closed.retryAfter().isPresent();
    }

    /** Whether a failure may be retried at all: close codes per the protocol's table, Tether errors if retryable. */
    static boolean allowsReconnect(Throwable error) {
        if (error instanceof ConnectionClosedException closed) {
            return closed.closeCode().shouldReconnect();
        }
        if (error instanceof TetherException tether) {
            return tether.isRetryable();
        }
        // I/O errors, refused connections and failed upgrades are what reconnecting is for.
        return true;
    }

    /** What the client reports when it stops reconnecting after {@code error}. */
    static ConnectionFailedException givenUp(Throwable error) {
        if (error instanceof ConnectionFailedException failed) {
            return failed;
        }
        if (error instanceof ConnectionClosedException closed) {
            return TetherClientException.terminalClose(closed);
        }
        return TetherClientException.connectionFailed(error);
    }

    /**
     * The wait a retry-after hint asks for, spread by up to {@code jitter} of it so that the clients a gateway turned
     * away do not all come back at the same instant; zero without a hint.
     */
    static Duration retryAfterWait(Throwable failure, double jitter) {
        if (!(failure instanceof ConnectionClosedException closed)) {
            return Duration.ZERO;
        }
        return closed.retryAfter().map(hint -> {
            long spread = (long) (hint.toMillis() * jitter);
            return spread <= 0 ? hint : hint.plusMillis(ThreadLocalRandom.current().nextLong(spread + 1));
        }).orElse(Duration.ZERO);
    }

    /** A scheduler that reports every delayed task's delay, then delegates. */
    private static final class DelayObservingScheduler implements Scheduler {

        private final Scheduler delegate;
        private final Consumer<Duration> onDelay;

        DelayObservingScheduler(Scheduler delegate, Consumer<Duration> onDelay) {
            this.delegate = delegate;
            this.onDelay = onDelay;
        }

        @Override
        public Disposable schedule(Runnable task) {
            return delegate.schedule(task);
        }

        @Override
        public Disposable schedule(Runnable task, long delay, TimeUnit unit) {
            onDelay.accept(Duration.ofNanos(unit.toNanos(delay)));
            return delegate.schedule(task, delay, unit);
        }

        @Override
        public Disposable schedulePeriodically(Runnable task, long initialDelay, long period, TimeUnit unit) {
            return delegate.schedulePeriodically(task, initialDelay, period, unit);
        }

        @Override
        public long now(TimeUnit unit) {
            return delegate.now(unit);
        }

        @Override
        public Worker createWorker() {
            return delegate.createWorker();
        }

        @Override
        public void dispose() {
            // The delegate belongs to the application.
        }

        @Override
        public boolean isDisposed() {
            return delegate.isDisposed();
        }
    }
}
