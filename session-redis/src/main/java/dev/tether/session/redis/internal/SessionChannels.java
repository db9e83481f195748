package dev.tether.session.redis.internal;

import dev.tether.protocol.FrameCodec;
import dev.tether.protocol.session.SessionStoreException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;

/**
 * This node's pub/sub subscriptions to session channels: one per session, shared by the session's followers and the
 * connections attached through this node, and dropped when the last of them is gone. A channel carries three kinds
 * of notices: a frame's JSON (appended), {@code g:<generation>} (a later attach took the session over) and {@code x}
 * (the session was removed).
 */
public final class SessionChannels {

    private static final Logger log = LoggerFactory.getLogger(SessionChannels.class);

    private final RedisBackend redis;
    private final Keys keys;
    private final FrameCodec codec;
    private final Duration timeout;
    private final ConcurrentHashMap<String, Channel> channels = new ConcurrentHashMap<>();
    private volatile boolean closed;

    /** Listens on {@code redis}'s pub/sub connection; {@code timeout} bounds a wait for a subscription. */
    public SessionChannels(RedisBackend redis, Keys keys, FrameCodec codec, Duration timeout) {
        this.redis = redis;
        this.keys = keys;
        this.codec = codec;
        this.timeout = timeout;
        redis.onMessage(this::dispatch);
    }

    /** The session's channel, subscribed (or subscribing) and held until {@link Channel#release()}. */
    public Channel acquire(String sessionId) {
        return channels.compute(sessionId, (id, channel) -> {
            if (channel == null) {
                channel = new Channel(id, keys.channel(id));
                channel.subscribed = redis.subscribe(channel.name);
            } else if (channel.subscribed.isCompletedExceptionally()) {
                channel.subscribed = redis.subscribe(channel.name);
            }
            channel.refs++;
            return channel;
        });
    }

    /** Ends this node's attachment of {@code generation} to the session, if it holds one. */
    public void endLocal(String sessionId, long generation) {
        Channel channel = channels.get(sessionId);
        if (channel != null) {
            for (LocalAttachment local : channel.attachments) {
                if (local.generation == generation) {
                    local.end();
                }
            }
        }
    }

    /** Every connection attached through this node, for the refresh timer. */
    public List<LocalAttachment> attachments() {
        List<LocalAttachment> all = new ArrayList<>();
        channels.values().forEach(channel -> all.addAll(channel.attachments));
        return all;
    }

    /** Tells every follower to catch up from the log, in case a notice was lost. */
    public void pokeFollowers() {
        channels.values().forEach(channel -> channel.followers.forEach(f -> f.push(Follower.POKE)));
    }

    /** How many sessions this node listens to. */
    public int size() {
        return channels.size();
    }

    /** After an outage: subscribes every channel again; completes when all did, or after the timeout. */
    public Mono<Void> resubscribeAll() {
        List<CompletableFuture<Void>> subscriptions = new ArrayList<>();
        for (String sessionId : List.copyOf(channels.keySet())) {
            channels.computeIfPresent(sessionId, (id, channel) -> {
                channel.subscribed = redis.subscribe(channel.name);
                subscriptions.add(channel.subscribed);
                return channel;
            });
        }
        return Mono.fromFuture(CompletableFuture.allOf(subscriptions.toArray(CompletableFuture[]::new)), true)
                .timeout(timeout)
                .onErrorResume(e -> Mono.empty());
    }

    /** Stops unsubscribing (the connection goes away) and fails every follower with {@code error}. */
    public void close(Throwable error) {
        closed = true;
        channels.values().forEach(channel -> channel.followers.forEach(f -> f.fail(error)));
    }

    private void dispatch(String channelName, String message) {
        String sessionId = keys.sessionOfChannel(channelName);
        Channel channel = sessionId == null ? null : channels.get(sessionId);
        if (channel != null) {
            channel.onMessage(message);
        }
    }

    /** This node's interest in one session's channel: its followers and its attached connections. */
    public final class Channel {
        private final String sessionId;
        private final String name;
        private final Set<Follower> followers = ConcurrentHashMap.newKeySet();
        private final List<LocalAttachment> attachments = new CopyOnWriteArrayList<>();
        private final AtomicLong highestGeneration = new AtomicLong();
        private volatile CompletableFuture<Void> subscribed;
        private int refs; // guarded by the channels map's lock for this session

        private Channel(String sessionId, String name) {
            this.sessionId = sessionId;
            this.name = name;
        }

        /** Completes once the subscription is in place, so that no later notice is missed. */
        public Mono<Void> awaitSubscribed(String operation) {
            return Mono.fromFuture(subscribed, true)
                    .timeout(timeout)
                    .onErrorMap(e -> SessionStoreException.unavailable(operation + " (subscribe)", e));
        }

        /**
         * Holds the channel for a connection attached as {@code generation}, superseding this node's older ones;
         * the attachment releases the channel when it ends.
         */
        public LocalAttachment register(long generation) {
            LocalAttachment local = new LocalAttachment(this, generation);
            attachments.add(local);
            highestGeneration.accumulateAndGet(generation, Math::max);
            supersedeBelow(highestGeneration.get());
            return local;
        }

        /** A new follower's inbox, held until {@link #unfollow}. */
        public Follower follow() {
            Follower follower = new Follower();
            followers.add(follower);
            return follower;
        }

        /** Drops the follower and releases the channel. */
        public void unfollow(Follower follower) {
            followers.remove(follower);
            release();
        }

        /** Gives the channel back; the last holder unsubscribes it. */
        public void release() {
            channels.computeIfPresent(sessionId, (id, current) -> {
                if (current != this || --current.refs > 0) {
                    return current;
                }
                if (!closed) {
                    redis.unsubscribe(current.name);
                }
                return null;
            });
        }

        private void supersedeBelow(long generation) {
            for (LocalAttachment local : attachments) {
                if (local.generation < generation) {
                    local.supersede();
                }
            }
        }

        private void onMessage(String message) {
            if (message.startsWith("g:")) {
                long generation = Long.parseLong(message.substring(2));
                highestGeneration.accumulateAndGet(generation, Math::max);
                supersedeBelow(generation);
            } else if (message.equals("x")) {
                followers.forEach(f -> f.push(Follower.REMOVED));
            } else if (!followers.isEmpty()) {
                Object note;
                try {
                    note = codec.decodeSequenced(message);
                } catch (RuntimeException e) {
                    log.warn("undecodable notification on {}: {}", name, e.toString());
                    note = Follower.POKE;
                }
                for (Follower follower : followers) {
                    follower.push(note);
                }
            }
        }
    }

    /** One connection attached through this node. */
    public static final class LocalAttachment {
        private final Channel channel;
        private final long generation;
        private final Sinks.Empty<Void> superseded = Sinks.empty();
        private final AtomicBoolean ended = new AtomicBoolean();

        private LocalAttachment(Channel channel, long generation) {
            this.channel = channel;
            this.generation = generation;
        }

        public String sessionId() {
            return channel.sessionId;
        }

        public long generation() {
            return generation;
        }

        /** Completes when a later attach takes the session over. */
        public Mono<Void> superseded() {
            return superseded.asMono();
        }

        /** A later generation took over: completes {@link #superseded()} and lets go of the channel. */
        public void supersede() {
            if (ended.compareAndSet(false, true)) {
                superseded.tryEmitEmpty();
                forget();
            }
        }

        /** The connection is gone, or the session: lets go of the channel. */
        public void end() {
            if (ended.compareAndSet(false, true)) {
                forget();
            }
        }

        private void forget() {
            channel.attachments.remove(this);
            channel.release();
        }
    }
}
