package dev.tether.gateway.internal;

import dev.tether.gateway.DrainOptions;
import dev.tether.protocol.Durations;
import java.time.Duration;
import java.util.Collection;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.core.scheduler.Scheduler;

/**
 * A node's leaving, from the first SIGTERM to its stop: not ready for the drain delay, then its connections closed
 * one at a time, evenly spread over the drain time, then a bounded wait for the replies it is still producing.
 *
 * <p>Connections whose session has a reply being produced here are closed last: a short reply often ends on the
 * connection it started on. A reply outlives its connection anyway: it goes on being stored in the session's log on
 * this node, and the client, resumed on another node, reads the rest from there. A call while a drain runs hurries
 * it (the second SIGTERM): every connection left is closed at once, and the node stops without waiting for replies.
 *
 * @param <C> a connection
 */
final class Drain<C> {

    private static final Logger LOG = LoggerFactory.getLogger(Drain.class);

    /** How often the last step checks whether every connection is gone and every reply ended. */
    static final Duration POLL = Duration.ofMillis(100);

    /** Where a drain is. */
    enum State {
        /** No drain: the node serves. */
        SERVING,
        /** Not ready, waiting the drain delay for the load balancer to notice; nothing closed yet. */
        NOT_READY,
        /** Closing the connections, spread over the drain time. */
        CLOSING,
        /** Every connection closed; waiting for them to go and for replies in progress to end. */
        FINISHING,
        /** Done: the node stops. */
        STOPPED
    }

    /** What a drain works on: the node's connections and replies. */
    interface Node<C> {
        /** The connections open now. */
        Collection<C> open();

        /** Whether a reply of this connection's session is being produced on this node. */
        boolean busy(C connection);

        /** Closes the connection with 1012 and a retry-after hint. */
        void close(C connection);

        /** The replies being produced on this node. */
        int repliesRunning();
    }

    private final Node<C> node;
    private final Scheduler scheduler;
    private final GatewayMetrics metrics;
    private final String nodeId;
    private final AtomicReference<State> state = new AtomicReference<>(State.SERVING);
    private final Set<C> closed = ConcurrentHashMap.newKeySet();
    private final Sinks.Empty<Void> hurry = Sinks.empty();
    private volatile boolean hurried;
    private volatile Mono<Void> run;

    Drain(Node<C> node, Scheduler scheduler, GatewayMetrics metrics, String nodeId) {
        this.node = node;
        this.scheduler = scheduler;
        this.metrics = metrics;
        this.nodeId = nodeId;
        metrics.drainGauges(this::state, this::left);
    }

    /**
     * Starts draining with {@code options}, or hurries the drain that runs; completes when the node may stop, at
     * most {@code finishTimeout} after the last close.
     */
    Mono<Void> start(DrainOptions options, Duration finishTimeout) {
        return begin(options, finishTimeout, false);
    }

    /**
     * Closes every connection at once and waits up to {@code timeout} for them to go, not for replies; hurries the
     * drain that runs, if one does.
     */
    Mono<Void> now(Duration timeout) {
        return begin(DrainOptions.immediate(), timeout, true);
    }

    private synchronized Mono<Void> begin(DrainOptions options, Duration finishTimeout, boolean atOnce) {
        if (run != null) {
            if (!hurried) {
                LOG.info("gateway {} drain hurried: closing the {} connection(s) left at once", nodeId, left());
                hurried = true;
                hurry.tryEmitEmpty();
            }
            return run;
        }
        hurried = atOnce;
        state.set(State.NOT_READY);
        LOG.info("gateway {} draining {} connection(s): not ready for {}, then closing them over {}", nodeId,
                node.open().size(), Durations.format(options.delay()), Durations.format(options.time()));
        run = Mono.firstWithSignal(Mono.delay(options.delay(), scheduler).then(), hurry.asMono())
                .then(Mono.defer(() -> closeSpread(options.time())))
                .then(Mono.defer(() -> finish(finishTimeout)))
                .doFinally(signal -> state.set(State.STOPPED))
                .cache();
        return run;
    }

    private Mono<Void> closeSpread(Duration time) {
        state.set(State.CLOSING);
        int count = node.open().size();
        if (count == 0 || time.isZero() || hurried) {
            closeAll();
            return Mono.empty();
        }
        Duration step = Duration.ofNanos(Math.max(1, time.toNanos() / count));
        // The i-th close is at (i + 1) steps, so that the last comes at the drain time: replies kept for last get
        // all of it. The ticks are counted when the closing starts; a connection gone by itself leaves a tick idle.
        return Flux.interval(step, step, scheduler)
                .take(count)
                .doOnNext(tick -> {
                    if (tick == count - 1) {
                        closeAll();
                    } else {
                        closeOne();
                    }
                })
                .takeUntilOther(hurry.asMono())
                .then(Mono.fromRunnable(this::closeAll));
    }

    private void closeOne() {
        C chosen = null;
        for (C connection : node.open()) {
            if (closed.contains(connection)) {
                continue;
            }
            if (!node.busy(connection)) {
                chosen = connection;
                break;
            }
            if (chosen == null) {
                chosen = connection;
            }
        }
        if (chosen != null) {
            close(chosen, "spread");
        }
    }

    private void closeAll() {
        for (C connection : node.open()) {
            if (!closed.contains(connection)) {
                close(connection, "at_once");
            }
        }
    }

    private void close(C connection, String how) {
        if (closed.add(connection)) {
            metrics.drainClosed(how);
            node.close(connection);
        }
    }

    private Mono<Void> finish(Duration timeout) {
        state.set(State.FINISHING);
        return Flux.interval(Duration.ZERO, POLL, scheduler)
                .filter(tick -> node.open().isEmpty() && (hurried || node.repliesRunning() == 0))
                .next()
                .then()
                .timeout(timeout, Mono.<Void>fromRunnable(() -> LOG.warn(
                        "gateway {} stopping with {} connection(s) still open and {} repl(ies) in progress after {}; "
                                + "another node takes them over",
                        nodeId, node.open().size(), node.repliesRunning(), Durations.format(timeout))), scheduler);
    }

    /** Where the drain is. */
    State state() {
        return state.get();
    }

    /** Whether a drain started: the node is not ready and refuses new connections. */
    boolean started() {
        return state.get() != State.SERVING;
    }

    /** The open connections the drain has yet to close; 0 when no drain runs. */
    int left() {
        if (!started()) {
            return 0;
        }
        int left = 0;
        for (C connection : node.open()) {
            if (!closed.contains(connection)) {
                left++;
            }
        }
        return left;
    }
}
