package dev.tether.session.redis.internal;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * The TTLs of this node's connected sessions and the statistics registry. A timer refreshes the TTL of every key of
 * each session attached through this node to one grace period (and so learns of takeovers whose notice it missed),
 * and marks them connected in the registry; create, attach, detach and remove update the registry too, one command
 * each. The counts are eventually consistent: an update that fails is corrected by the next tick.
 */
public final class SessionRefresher {

    private static final Logger log = LoggerFactory.getLogger(SessionRefresher.class);

    /** Sessions per registry update from the timer. */
    private static final int REGISTRY_BATCH = 500;

    private final RedisBackend redis;
    private final Keys keys;
    private final SessionChannels channels;
    private final String graceMs;
    private final BooleanSupplier active;

    /** Refreshes to one {@code grace}; ticks do nothing unless {@code active} (ready and open). */
    public SessionRefresher(RedisBackend redis, Keys keys, SessionChannels channels, Duration grace,
                            BooleanSupplier active) {
        this.redis = redis;
        this.keys = keys;
        this.channels = channels;
        this.graceMs = Long.toString(grace.toMillis());
        this.active = active;
    }

    /** Ticks every {@code interval} until disposed; a failed tick is logged and the next one tries again. */
    public Disposable start(Duration interval) {
        return Flux.interval(interval, Schedulers.parallel())
                .onBackpressureDrop()
                .concatMap(t -> tick().onErrorResume(e -> {
                    log.debug("refresh tick failed: {}", e.toString());
                    return Mono.empty();
                }), 1)
                .subscribe();
    }

    /**
     * One tick: refreshes the TTLs of this node's connected sessions (superseding or ending the attachments that
     * are no longer current), updates the registry, and pokes every follower to catch up from the log in case a
     * notice was lost.
     */
    public Mono<Void> tick() {
        if (!active.getAsBoolean()) {
            return Mono.empty();
        }
        Set<String> users = ConcurrentHashMap.newKeySet();
        return Flux.fromIterable(channels.attachments())
                .flatMap(local -> redis.run(SessionScripts.REFRESH, keys.all(local.sessionId()),
                                Long.toString(local.generation()), graceMs)
                        .flatMap(reply -> {
                            switch ((int) ScriptCalls.status(reply)) {
                                case 1 -> {
                                    if (reply.size() > 1 && reply.get(1) instanceof String user) {
                                        users.add(user);
                                    }
                                    return Mono.just(local.sessionId());
                                }
                                case 2 -> local.supersede();
                                default -> local.end();
                            }
                            return Mono.<String>empty();
                        })
                        .onErrorResume(e -> Mono.empty()), 64)
                .buffer(REGISTRY_BATCH)
                .concatMap(ids -> registry("t", graceMs, ids))
                // Each user set outlives the sessions it lists: one call per user with a session connected here.
                .thenMany(Flux.defer(() -> Flux.fromIterable(users)))
                .flatMap(user -> redis.run(SessionScripts.USER_ADD, new String[] {keys.userSessions(user)}, graceMs)
                        .onErrorResume(e -> Mono.empty()), 16)
                .then(Mono.fromRunnable(channels::pokeFollowers));
    }

    /** Counts the session as connected (created or attached). */
    public Mono<Void> connected(String sessionId) {
        return registry("c", graceMs, List.of(sessionId));
    }

    /** Counts the session as disconnected, in its grace period of {@code ttlMs}. */
    public Mono<Void> disconnected(String sessionId, long ttlMs) {
        return registry("d", Long.toString(ttlMs), List.of(sessionId));
    }

    /** Stops counting the session. */
    public Mono<Void> removed(String sessionId) {
        return registry("r", graceMs, List.of(sessionId));
    }

    /** Updates the registry; a failure only delays the counts until the next tick. */
    private Mono<Void> registry(String op, String ttlMs, List<String> sessionIds) {
        List<String> args = new ArrayList<>(sessionIds.size() + 2);
        args.add(op);
        args.add(ttlMs);
        args.addAll(sessionIds);
        return redis.run(SessionScripts.REGISTRY, new String[] {keys.registrySessions(), keys.registryConnected()},
                        args.toArray(String[]::new))
                .onErrorResume(e -> {
                    log.debug("statistics registry update failed: {}", e.toString());
                    return Mono.empty();
                })
                .then();
    }
}
