package dev.tether.gateway.internal;

import dev.tether.protocol.AssistantDone;
import dev.tether.protocol.DoneReason;
import dev.tether.protocol.session.SessionStore;
import dev.tether.protocol.session.SessionStoreException;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;

/**
 * Learns from the store how a reply ended when this node's own calls could not tell (a done whose answer was lost
 * and whose retry found the reply ended, or a {@code failed} whose call timed out and may have run later), then counts
 * and logs that end, so that metrics and logs say what the client gets.
 */
final class StoredEnds {

    private static final Logger LOG = LoggerFactory.getLogger(StoredEnds.class);

    private final SessionStore store;
    private final StoreRetries retries;
    private final Duration lease;
    private final GatewayMetrics metrics;

    StoredEnds(SessionStore store, StoreRetries retries, Duration lease, GatewayMetrics metrics) {
        this.store = store;
        this.retries = retries;
        this.lease = lease;
        this.metrics = metrics;
    }

    /**
     * Looks up, counts and logs the end of the reply to {@code replyTo}. Runs apart from the reply, which is over:
     * once the store answers, for at most a lease period.
     *
     * @param afterSeq   the seq of the reply's part stored last, 0 before the first: its end comes after it
     * @param leaseFirst whether the end may not be stored at all: then the lease is looked at first, and while it is
     *                   there the reply has no end yet; it lapses and the node serving the session ends it
     *                   {@code interrupted}, counting it there
     * @param continued  how many times the reply had been taken over when this node produced it: an end with more
     *                   was stored by a node that took it over from this one, and counted there
     */
    void learn(String sessionId, long replyTo, long afterSeq, boolean leaseFirst, int continued) {
        Mono<Boolean> ended = leaseFirst
                ? retries.retried(Mono.defer(() -> store.findReplyLease(sessionId, replyTo)), lease)
                        .map(found -> false)
                        .defaultIfEmpty(true)
                : Mono.just(true);
        ended.flatMap(isEnded -> isEnded
                        ? retries.retried(Mono.defer(() -> storedEnd(sessionId, replyTo, afterSeq)), lease)
                        : Mono.empty())
                .subscribe(done -> {
                    if (done.reason() == DoneReason.INTERRUPTED || done.continued() > continued) {
                        // Ended by whichever node found its lease lapsed, or took it over, and counted there.
                        LOG.debug("reply to cseq {} in session {} was ended {} elsewhere", replyTo,
                                LogFields.session(sessionId), done.reason().wireName());
                        return;
                    }
                    metrics.replyEnded(done.reason());
                    LOG.info("reply to cseq {} in session {} ended {}: stored although its call seemed to fail",
                            replyTo, LogFields.session(sessionId), done.reason().wireName());
                }, error -> {
                    if (!SessionStoreException.isNotFound(error)) {
                        StoreHealth.log(LOG, error, "could not learn how the reply to cseq {} in session {} ended",
                                replyTo, LogFields.session(sessionId));
                    }
                });
    }

    /** The done of the reply to {@code replyTo} in the session's log, looked for after {@code afterSeq}. */
    private Mono<AssistantDone> storedEnd(String sessionId, long replyTo, long afterSeq) {
        return store.find(sessionId)
                .switchIfEmpty(Mono.error(() -> SessionStoreException.notFound(sessionId)))
                .flatMapMany(record -> store.read(sessionId, Math.max(afterSeq, record.firstSeq() - 1)))
                .ofType(AssistantDone.class)
                .filter(done -> done.replyTo() == replyTo)
                .next();
    }
}
