package dev.tether.gateway.internal;

import com.fasterxml.jackson.databind.node.TextNode;
import dev.tether.gateway.ConversationHandler;
import dev.tether.protocol.ClientEvent;
import dev.tether.protocol.FrameException;
import dev.tether.protocol.session.SessionStore;
import dev.tether.protocol.session.SessionStoreException;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;
import reactor.core.Disposables;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;

/**
 * The client events being handled on this node. Storing an event leased its handling to the storing node; the node
 * renews that lease while the handler runs and ends it when the handler is done with the event, succeeded or failed
 * ({@link SessionStore#eventHandled}). An event whose node died before that has a lease that lapses: the node serving
 * the session claims it ({@link SessionStore#claimLapsedEvents}, one claimer per event) and hands it to its own
 * handler, in cseq order, as it hands fresh events. So every stored event is handled at least once, and handlers
 * keyed by the event's cseq make that exactly once in effect.
 */
final class ClientEvents {

    private static final Logger LOG = LoggerFactory.getLogger(ClientEvents.class);

    private final SessionStore store;
    private final ConversationHandler handler;
    private final String nodeId;
    private final Duration lease;
    private final Scheduler scheduler;
    private final GatewayMetrics metrics;
    private final StoreRetries retries;
    private final ConcurrentHashMap<Key, Disposable> handling = new ConcurrentHashMap<>();

    ClientEvents(SessionStore store, ConversationHandler handler, String nodeId, Duration lease, Scheduler scheduler,
                 GatewayMetrics metrics) {
        this.store = store;
        this.handler = handler;
        this.nodeId = nodeId;
        this.lease = lease;
        this.scheduler = scheduler;
        this.metrics = metrics;
        this.retries = new StoreRetries(scheduler);
    }

    private record Key(String sessionId, long cseq) {
    }

    /**
     * Passes an event whose handling this node leases to the handler, unless it is being handled here already; renews
     * the lease at a third of it until the handler is done, then ends it.
     */
    void handle(String sessionId, ClientEvent event) {
        Key key = new Key(sessionId, event.cseq());
        Disposable.Swap work = Disposables.swap();
        if (handling.putIfAbsent(key, work) != null) {
            return;
        }
        Disposable renewal = Flux.interval(lease.dividedBy(3), scheduler)
                .concatMap(tick -> store.renewEvent(sessionId, event.cseq(), nodeId, lease)
                        .onErrorResume(e -> Mono.empty()))
                .subscribe();
        work.update(Mono.defer(() -> handler.onEvent(new SessionContext(store, sessionId), event))
                .onErrorResume(e -> {
                    metrics.eventFailed();
                    // A client names its events, up to the frame's size: the log says a long name by its length.
                    LOG.warn("handler failed on event {} (cseq {}) in session {}: {}",
                            FrameException.describe(TextNode.valueOf(event.name())), event.cseq(),
                            LogFields.session(sessionId), e.toString());
                    return Mono.empty();
                })
                // Failed for good or done, the event is not to be handled again. A release that cannot be stored
                // leaves the lease to lapse: the event is then handled once more, which its cseq makes harmless.
                .then(retries.retried(Mono.defer(() -> store.eventHandled(sessionId, event.cseq())), lease))
                .doFinally(signal -> {
                    renewal.dispose();
                    handling.remove(key, work);
                })
                .subscribe(null, e -> {
                    if (!SessionStoreException.isNotFound(e)) {
                        StoreHealth.log(LOG, e, "could not end the lease on event cseq {} in session {}",
                                event.cseq(), LogFields.session(sessionId));
                    }
                }));
    }

    /**
     * Claims the events of a session whose handling lease lapsed (their node died, or stalled past the lease) and
     * hands them to this node's handler in cseq order. The store moves each lapsed lease to this node in one step,
     * so two nodes looking at once do not both take an event. A lapsed event that is still being handled here (its
     * renewals failed during a store outage) is renewed instead.
     */
    Mono<Void> claimLapsed(String sessionId) {
        return Flux.defer(() -> store.claimLapsedEvents(sessionId, handling(sessionId), nodeId, lease))
                .doOnNext(event -> {
                    metrics.eventRehandled();
                    LOG.info("event cseq {} in session {} was left unhandled by its node; handling it here",
                            event.cseq(), LogFields.session(sessionId));
                    handle(sessionId, event);
                })
                .then();
    }

    private Set<Long> handling(String sessionId) {
        Set<Long> cseqs = new HashSet<>();
        handling.keySet().forEach(key -> {
            if (key.sessionId().equals(sessionId)) {
                cseqs.add(key.cseq());
            }
        });
        return cseqs;
    }

    /** The number of events being handled here. */
    int size() {
        return handling.size();
    }

    /** Stops handling every event, for shutdown: their leases stay, lapse, and are claimed by another node. */
    void dispose() {
        handling.forEach((key, work) -> {
            handling.remove(key, work);
            work.dispose();
        });
    }
}
