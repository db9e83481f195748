package dev.tether.gateway.internal;

import dev.tether.protocol.session.SessionStore;
import dev.tether.protocol.session.SessionStoreException;
import java.time.Duration;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;
import reactor.core.Disposables;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;

/**
 * This node's liveness in the store, and the sweep that takes over the replies of dead nodes: lives as long as the
 * node. Every third of the node ttl it refreshes its record ({@link SessionStore#heartbeatNode}), one store command
 * however many replies it produces, and looks for registered nodes whose record lapsed: for each, it takes over the
 * replies in the sessions that node indexed ({@link Replies#takeOver}), whether or not a client is connected to them,
 * then forgets the node. Every node sweeps; the store's takeover is atomic per lease, so each reply is taken once.
 */
final class NodeLiveness {

    private static final Logger LOG = LoggerFactory.getLogger(NodeLiveness.class);

    /** Sessions of one dead node whose replies are taken over at once. */
    static final int SWEEP_CONCURRENCY = 16;

    private final SessionStore store;
    private final Replies replies;
    private final String nodeId;
    private final Duration ttl;
    private final Scheduler scheduler;
    private final Disposable.Composite running = Disposables.composite();

    NodeLiveness(SessionStore store, Replies replies, String nodeId, Duration ttl, Scheduler scheduler) {
        this.store = store;
        this.replies = replies;
        this.nodeId = nodeId;
        this.ttl = ttl;
        this.scheduler = scheduler;
    }

    /** Starts the heartbeats and the sweeps. */
    void start() {
        Duration period = ttl.dividedBy(3);
        running.add(Flux.interval(Duration.ZERO, period, scheduler)
                .onBackpressureDrop()
                .concatMap(tick -> store.heartbeatNode(nodeId, ttl)
                        .onErrorResume(e -> {
                            StoreHealth.log(LOG, e, "could not refresh the liveness of node {}", nodeId);
                            return Mono.empty();
                        }), 1)
                .subscribe());
        running.add(Flux.interval(period, period, scheduler)
                .onBackpressureDrop()
                .concatMap(tick -> sweep().onErrorResume(e -> {
                    StoreHealth.log(LOG, e, "could not look for the replies of dead nodes");
                    return Mono.empty();
                }), 1)
                .subscribe());
    }

    /** Takes over the replies of every dead node, then forgets each node whose sessions were all looked at. */
    Mono<Void> sweep() {
        return store.deadNodes()
                .filter(node -> !node.equals(nodeId))
                .concatMap(dead -> store.sessionsOfNode(dead)
                        .flatMap(session -> replies.takeOver(session, Set.of(dead))
                                .onErrorResume(SessionStoreException::isNotFound, e -> Mono.empty()),
                                SWEEP_CONCURRENCY)
                        .then(store.forgetNode(dead))
                        .doOnSuccess(done -> LOG.info("node {} is dead; its replies are taken over", dead)))
                .then();
    }

    /** Stops the heartbeats and sweeps; the record lapses within the ttl unless the node comes back. */
    void dispose() {
        running.dispose();
    }
}
