package dev.tether.session.redis.internal;

import dev.tether.protocol.session.CancelRequest;
import dev.tether.protocol.session.SessionStoreException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;

/**
 * Cancel requests between nodes: one pub/sub channel per node ({@link Keys#cancelChannel}), on which a node that
 * receives a client's {@code cancel} for a reply produced elsewhere tells the producing node. A message is
 * {@code <replyTo>:<sessionId>}. This node subscribes to a channel while someone listens to it.
 */
public final class CancelChannels {

    private static final Logger log = LoggerFactory.getLogger(CancelChannels.class);

    private final RedisBackend redis;
    private final Keys keys;
    private final Duration timeout;
    private final ConcurrentHashMap<String, Listening> listening = new ConcurrentHashMap<>();

    public CancelChannels(RedisBackend redis, Keys keys, Duration timeout) {
        this.redis = redis;
        this.keys = keys;
        this.timeout = timeout;
        redis.onMessage(this::dispatch);
    }

    /** Tells node {@code nodeId} to stop the reply; completes once published. */
    public Mono<Void> send(String nodeId, CancelRequest request) {
        return redis.publish(keys.cancelChannel(nodeId), request.replyTo() + ":" + request.sessionId())
                .timeout(timeout)
                .onErrorMap(e -> !(e instanceof SessionStoreException),
                        e -> SessionStoreException.unavailable("requestCancel", e));
    }

    /** The requests for node {@code nodeId}, from the moment the subscription is confirmed. */
    public Flux<CancelRequest> listen(String nodeId) {
        String channel = keys.cancelChannel(nodeId);
        return Flux.defer(() -> {
            Listening entry = listening.compute(channel, (name, current) -> {
                Listening next = current == null ? new Listening(redis.subscribe(name)) : current;
                if (next.subscribed.isCompletedExceptionally()) {
                    next.subscribed = redis.subscribe(name);
                }
                next.refs++;
                return next;
            });
            return Mono.fromFuture(entry.subscribed, true)
                    .timeout(timeout)
                    .onErrorMap(e -> SessionStoreException.unavailable("cancelRequests (subscribe)", e))
                    .thenMany(entry.requests.asFlux())
                    .doFinally(signal -> release(channel, entry));
        });
    }

    /** After an outage: subscribes every channel listened to again. */
    public Mono<Void> resubscribeAll() {
        List<CompletableFuture<Void>> subscriptions = new ArrayList<>();
        listening.forEach((channel, entry) -> {
            entry.subscribed = redis.subscribe(channel);
            subscriptions.add(entry.subscribed);
        });
        return Mono.fromFuture(CompletableFuture.allOf(subscriptions.toArray(CompletableFuture[]::new)), true)
                .timeout(timeout)
                .onErrorResume(e -> Mono.empty());
    }

    /** Ends every listener, for the store's close. */
    public void close() {
        listening.values().forEach(entry -> entry.requests.tryEmitComplete());
    }

    private void release(String channel, Listening entry) {
        listening.computeIfPresent(channel, (name, current) -> {
            if (current != entry || --current.refs > 0) {
                return current;
            }
            redis.unsubscribe(name);
            return null;
        });
    }

    private void dispatch(String channel, String message) {
        Listening entry = listening.get(channel);
        if (entry == null) {
            return;
        }
        int colon = message.indexOf(':');
        try {
            CancelRequest request = new CancelRequest(message.substring(colon + 1),
                    Long.parseLong(message.substring(0, colon)));
            entry.requests.emitNext(request, Sinks.EmitFailureHandler.busyLooping(timeout));
        } catch (RuntimeException e) {
            log.warn("undecodable cancel request on {}: {}", channel, e.toString());
        }
    }

    /** One channel listened to on this node, by how many subscribers. */
    private static final class Listening {
        final Sinks.Many<CancelRequest> requests = Sinks.many().multicast().directBestEffort();
        volatile CompletableFuture<Void> subscribed;
        int refs; // guarded by the map's lock for this channel

        Listening(CompletableFuture<Void> subscribed) {
            this.subscribed = subscribed;
        }
    }
}
