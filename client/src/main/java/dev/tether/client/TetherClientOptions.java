package dev.tether.client;

import dev.tether.protocol.Checks;
import dev.tether.protocol.Protocol;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Supplier;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * The immutable configuration of a {@link TetherClient}. Build one with {@link #builder()}; derive variants from a
 * shared template with {@link #mutate()}.
 *
 * <p>Every builder setter validates its argument and names the parameter and the allowed range when it rejects it.
 */
public final class TetherClientOptions {

    /** Default first reconnect backoff: 1 second. */
    public static final Duration DEFAULT_RECONNECT_BASE_DELAY = Duration.ofSeconds(1);
    /** Default largest reconnect backoff: 30 seconds. */
    public static final Duration DEFAULT_RECONNECT_MAX_DELAY = Duration.ofSeconds(30);
    /** Default reconnect jitter factor: 0.3, each backoff varies by up to 30%. */
    public static final double DEFAULT_RECONNECT_JITTER = 0.3;
    /** Default number of reconnect attempts in a row before giving up: 10. */
    public static final long DEFAULT_MAX_RECONNECT_ATTEMPTS = 10;
    /** The {@code maxReconnectAttempts} value that means "never give up". */
    public static final long UNLIMITED_RECONNECT_ATTEMPTS = Long.MAX_VALUE;
    /** Default slack on top of the gateway's heartbeat interval before a silent connection is dropped: 10 seconds. */
    public static final Duration DEFAULT_HEARTBEAT_MARGIN = Duration.ofSeconds(10);
    /** Default number of unacknowledged messages the outbox holds: 1000. */
    public static final int DEFAULT_OUTBOX_CAPACITY = 1000;
    /** Default number of received frames after which an {@code ack} is sent at once: 16. */
    public static final int DEFAULT_ACK_BATCH_SIZE = 16;
    /** Default longest wait before acknowledging received frames: 200 milliseconds. */
    public static final Duration DEFAULT_ACK_DELAY = Duration.ofMillis(200);
    /** Default time allowed from opening a connection to receiving {@code welcome}: 10 seconds. */
    public static final Duration DEFAULT_HANDSHAKE_TIMEOUT = Duration.ofSeconds(10);
    /** Default largest WebSocket frame accepted or sent, in bytes: {@link Protocol#DEFAULT_MAX_FRAME_BYTES} (64 KiB). */
    public static final int DEFAULT_MAX_FRAME_BYTES = Protocol.DEFAULT_MAX_FRAME_BYTES;
    /** Default policy for the outbox after a failed resume: {@link OutboxOnResumeFailure#RESEND}. */
    public static final OutboxOnResumeFailure DEFAULT_OUTBOX_ON_RESUME_FAILURE = OutboxOnResumeFailure.RESEND;
    /** How long before its {@code exp} a token is refreshed, at most: 30 seconds (else 10% of its lifetime). */
    public static final Duration TOKEN_REFRESH_MARGIN = Duration.ofSeconds(30);
    /** Closes with 4001 in a row, each after a new token from the provider, after which the client stops: 3. */
    public static final int MAX_UNAUTHORIZED_IN_A_ROW = 3;

    static final int MIN_FRAME_BYTES = 1024;
    static final int MAX_FRAME_BYTES = 16 * 1024 * 1024;

    private final List<URI> endpoints;
    private final Duration reconnectBaseDelay;
    private final Duration reconnectMaxDelay;
    private final double reconnectJitter;
    private final long maxReconnectAttempts;
    private final Duration heartbeatMargin;
    private final int outboxCapacity;
    private final int ackBatchSize;
    private final Duration ackDelay;
    private final Duration handshakeTimeout;
    private final int maxFrameBytes;
    private final Scheduler scheduler;
    private final SessionHandle resumeFrom;
    private final OutboxOnResumeFailure outboxOnResumeFailure;
    private final Supplier<Mono<String>> tokenProvider;

    private TetherClientOptions(Builder builder) {
        this.endpoints = List.copyOf(builder.endpoints);
        this.reconnectBaseDelay = builder.reconnectBaseDelay;
        this.reconnectMaxDelay = builder.reconnectMaxDelay;
        this.reconnectJitter = builder.reconnectJitter;
        this.maxReconnectAttempts = builder.maxReconnectAttempts;
        this.heartbeatMargin = builder.heartbeatMargin;
        this.outboxCapacity = builder.outboxCapacity;
        this.ackBatchSize = builder.ackBatchSize;
        this.ackDelay = builder.ackDelay;
        this.handshakeTimeout = builder.handshakeTimeout;
        this.maxFrameBytes = builder.maxFrameBytes;
        this.scheduler = builder.scheduler;
        this.resumeFrom = builder.resumeFrom;
        this.outboxOnResumeFailure = builder.outboxOnResumeFailure;
        this.tokenProvider = builder.tokenProvider;
    }

    /** A builder with every default and no endpoint; at least one endpoint is required. */
    public static Builder builder() {
        return new Builder();
    }

    /** Options with every default and the given endpoints. */
    public static TetherClientOptions of(URI... endpoints) {
        return builder().endpoints(List.of(endpoints)).build();
    }

    /** A builder holding these options, to derive a variant; these options are not changed. */
    public Builder mutate() {
        return new Builder(this);
    }

    /** The gateway endpoints, tried in rotation: the first for the first attempt, the next for each retry. */
    public List<URI> endpoints() {
        return endpoints;
    }

    /** The first reconnect backoff; it doubles with each attempt in a row. */
    public Duration reconnectBaseDelay() {
        return reconnectBaseDelay;
    }

    /** The largest reconnect backoff. */
    public Duration reconnectMaxDelay() {
        return reconnectMaxDelay;
    }

    /** The jitter factor applied to each backoff, from 0 to 1. */
    public double reconnectJitter() {
        return reconnectJitter;
    }

    /** Reconnect attempts in a row before giving up; the count restarts after every successful handshake. */
    public long maxReconnectAttempts() {
        return maxReconnectAttempts;
    }

    /** Slack on top of the gateway's heartbeat interval before a silent connection is dropped. */
    public Duration heartbeatMargin() {
        return heartbeatMargin;
    }

    /** Unacknowledged messages the outbox holds before {@code send} fails with {@link OutboxFullException}. */
    public int outboxCapacity() {
        return outboxCapacity;
    }

    /** Received frames after which an {@code ack} is sent at once. */
    public int ackBatchSize() {
        return ackBatchSize;
    }

    /** The longest wait before acknowledging received frames; zero acknowledges every frame at once. */
    public Duration ackDelay() {
        return ackDelay;
    }

    /** Time allowed from opening a connection to receiving {@code welcome}. */
    public Duration handshakeTimeout() {
        return handshakeTimeout;
    }

    /** Largest WebSocket frame accepted or sent, in bytes. */
    public int maxFrameBytes() {
        return maxFrameBytes;
    }

    /** The scheduler for every timer: backoff, handshake and heartbeat timeouts, pings, ack batching. */
    public Scheduler scheduler() {
        return scheduler;
    }

    /** The session to resume on the first connection, for example one saved by another process. */
    public Optional<SessionHandle> resumeFrom() {
        return Optional.ofNullable(resumeFrom);
    }

    /** What happens to the outbox when a resume fails. */
    public OutboxOnResumeFailure outboxOnResumeFailure() {
        return outboxOnResumeFailure;
    }

    /**
     * Where the client gets a JSON Web Token for a gateway that authenticates: called before every connect and resume,
     * and before each token expires to refresh it on the open connection; default none (no credential is sent).
     */
    public Optional<Supplier<Mono<String>>> tokenProvider() {
        return Optional.ofNullable(tokenProvider);
    }

    @Override
    public String toString() {
        return "TetherClientOptions[endpoints=" + endpoints + ", reconnectBaseDelay=" + reconnectBaseDelay
                + ", reconnectMaxDelay=" + reconnectMaxDelay + ", reconnectJitter=" + reconnectJitter
                + ", maxReconnectAttempts=" + maxReconnectAttempts + ", heartbeatMargin=" + heartbeatMargin
                + ", outboxCapacity=" + outboxCapacity + ", ackBatchSize=" + ackBatchSize + ", ackDelay=" + ackDelay
                + ", handshakeTimeout=" + handshakeTimeout + ", maxFrameBytes=" + maxFrameBytes
                + ", resumeFrom=" + resumeFrom + ", outboxOnResumeFailure=" + outboxOnResumeFailure
                + ", tokenProvider=" + (tokenProvider == null ? "none" : "set") + "]";
    }

    /** Builds {@link TetherClientOptions}; not thread-safe. */
    public static final class Builder {

        private final List<URI> endpoints = new ArrayList<>();
        private Duration reconnectBaseDelay = DEFAULT_RECONNECT_BASE_DELAY;
        private Duration reconnectMaxDelay = DEFAULT_RECONNECT_MAX_DELAY;
        private double reconnectJitter = DEFAULT_RECONNECT_JITTER;
        private long maxReconnectAttempts = DEFAULT_MAX_RECONNECT_ATTEMPTS;
        private Duration heartbeatMargin = DEFAULT_HEARTBEAT_MARGIN;
        private int outboxCapacity = DEFAULT_OUTBOX_CAPACITY;
        private int ackBatchSize = DEFAULT_ACK_BATCH_SIZE;
        private Duration ackDelay = DEFAULT_ACK_DELAY;
        private Duration handshakeTimeout = DEFAULT_HANDSHAKE_TIMEOUT;
        private int maxFrameBytes = DEFAULT_MAX_FRAME_BYTES;
        private Scheduler scheduler = Schedulers.parallel();
        private SessionHandle resumeFrom;
        private OutboxOnResumeFailure outboxOnResumeFailure = DEFAULT_OUTBOX_ON_RESUME_FAILURE;
        private Supplier<Mono<String>> tokenProvider;

        private Builder() {
        }

        private Builder(TetherClientOptions options) {
            endpoints.addAll(options.endpoints);
            reconnectBaseDelay = options.reconnectBaseDelay;
            reconnectMaxDelay = options.reconnectMaxDelay;
            reconnectJitter = options.reconnectJitter;
            maxReconnectAttempts = options.maxReconnectAttempts;
            heartbeatMargin = options.heartbeatMargin;
            outboxCapacity = options.outboxCapacity;
            ackBatchSize = options.ackBatchSize;
            ackDelay = options.ackDelay;
            handshakeTimeout = options.handshakeTimeout;
            maxFrameBytes = options.maxFrameBytes;
            scheduler = options.scheduler;
            resumeFrom = options.resumeFrom;
            outboxOnResumeFailure = options.outboxOnResumeFailure;
            tokenProvider = options.tokenProvider;
        }

        /** Adds a gateway endpoint, a {@code ws://} or {@code wss://} URI such as {@code ws://127.0.0.1:8787/ws}. */
        public Builder endpoint(URI endpoint) {
            Objects.requireNonNull(endpoint, "endpoint");
            String scheme = endpoint.getScheme();
            if (scheme == null || !(scheme.equalsIgnoreCase("ws") || scheme.equalsIgnoreCase("wss"))) {
                throw new IllegalArgumentException("endpoint must be a ws:// or wss:// URI, got " + endpoint);
            }
            if (endpoint.getHost() == null) {
                throw new IllegalArgumentException("endpoint must name a host, got " + endpoint);
            }
            endpoints.add(endpoint);
            return this;
        }

        /** Adds a gateway endpoint given as text; see {@link #endpoint(URI)}. */
        public Builder endpoint(String endpoint) {
            Objects.requireNonNull(endpoint, "endpoint");
            try {
                return endpoint(URI.create(endpoint));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("endpoint must be a ws:// or wss:// URI, got " + endpoint, e);
            }
        }

        /** Replaces the endpoints with these, tried in rotation; see {@link #endpoint(URI)}. */
        public Builder endpoints(List<URI> endpoints) {
            Objects.requireNonNull(endpoints, "endpoints");
            this.endpoints.clear();
            endpoints.forEach(this::endpoint);
            return this;
        }

        /** The first reconnect backoff, from 1 ms to 1 hour; default {@link #DEFAULT_RECONNECT_BASE_DELAY}. */
        public Builder reconnectBaseDelay(Duration delay) {
            this.reconnectBaseDelay = Checks.between("reconnectBaseDelay", delay,
                    Duration.ofMillis(1), Duration.ofHours(1));
            return this;
        }

        /** The largest reconnect backoff, from 1 ms to 1 hour; default {@link #DEFAULT_RECONNECT_MAX_DELAY}. */
        public Builder reconnectMaxDelay(Duration delay) {
            this.reconnectMaxDelay = Checks.between("reconnectMaxDelay", delay,
                    Duration.ofMillis(1), Duration.ofHours(1));
            return this;
        }

        /** The backoff jitter factor, from 0.0 to 1.0; default {@link #DEFAULT_RECONNECT_JITTER}. */
        public Builder reconnectJitter(double jitter) {
            this.reconnectJitter = Checks.between("reconnectJitter", jitter, 0.0, 1.0);
            return this;
        }

        /**
         * Reconnect attempts in a row before giving up, 0 (never reconnect) or more, or
         * {@link #UNLIMITED_RECONNECT_ATTEMPTS}; default {@link #DEFAULT_MAX_RECONNECT_ATTEMPTS}.
         */
        public Builder maxReconnectAttempts(long attempts) {
            if (attempts < 0) {
                throw new IllegalArgumentException("maxReconnectAttempts must be >= 0 (or UNLIMITED_RECONNECT_ATTEMPTS), got "
                        + attempts);
            }
            this.maxReconnectAttempts = attempts;
            return this;
        }

        /** Never give up reconnecting. */
        public Builder unlimitedReconnectAttempts() {
            return maxReconnectAttempts(UNLIMITED_RECONNECT_ATTEMPTS);
        }

        /**
         * Slack on top of the gateway's heartbeat interval, from 0 to 10 minutes; default
         * {@link #DEFAULT_HEARTBEAT_MARGIN}.
         */
        public Builder heartbeatMargin(Duration margin) {
            this.heartbeatMargin = Checks.between("heartbeatMargin", margin, Duration.ZERO, Duration.ofMinutes(10));
            return this;
        }

        /** Unacknowledged messages the outbox holds, from 1 to 1,000,000; default {@link #DEFAULT_OUTBOX_CAPACITY}. */
        public Builder outboxCapacity(int capacity) {
            this.outboxCapacity = Checks.between("outboxCapacity", capacity, 1, 1_000_000);
            return this;
        }

        /** Received frames acknowledged together, from 1 to 100,000; default {@link #DEFAULT_ACK_BATCH_SIZE}. */
        public Builder ackBatchSize(int frames) {
            this.ackBatchSize = Checks.between("ackBatchSize", frames, 1, 100_000);
            return this;
        }

        /** The longest wait before acknowledging, from 0 to 1 minute; default {@link #DEFAULT_ACK_DELAY}. */
        public Builder ackDelay(Duration delay) {
            this.ackDelay = Checks.between("ackDelay", delay, Duration.ZERO, Duration.ofMinutes(1));
            return this;
        }

        /** Time allowed to receive {@code welcome}, from 1 ms to 10 minutes; default {@link #DEFAULT_HANDSHAKE_TIMEOUT}. */
        public Builder handshakeTimeout(Duration timeout) {
            this.handshakeTimeout = Checks.between("handshakeTimeout", timeout,
                    Duration.ofMillis(1), Duration.ofMinutes(10));
            return this;
        }

        /** Largest frame in bytes, from 1024 to 16 MiB; default {@link #DEFAULT_MAX_FRAME_BYTES}. */
        public Builder maxFrameBytes(int bytes) {
            this.maxFrameBytes = Checks.between("maxFrameBytes", bytes, MIN_FRAME_BYTES, MAX_FRAME_BYTES);
            return this;
        }

        /**
         * The scheduler for every timer; default {@link Schedulers#parallel()}. Tests pass a
         * {@code VirtualTimeScheduler}.
         */
        public Builder scheduler(Scheduler scheduler) {
            this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
            return this;
        }

        /** Resume this session on the first connection; default none (start a new session). */
        public Builder resumeFrom(SessionHandle session) {
            this.resumeFrom = session;
            return this;
        }

        /** What happens to the outbox when a resume fails; default {@link #DEFAULT_OUTBOX_ON_RESUME_FAILURE}. */
        public Builder outboxOnResumeFailure(OutboxOnResumeFailure policy) {
            this.outboxOnResumeFailure = Objects.requireNonNull(policy, "outboxOnResumeFailure");
            return this;
        }

        /**
         * Where the client gets a JSON Web Token for a gateway that authenticates ({@code --auth jwt}): called before
         * every connect and resume, and before each token's {@code exp} ({@link #TOKEN_REFRESH_MARGIN} ahead, or 10%
         * of its lifetime when that is less) to refresh it on the open connection. After a close with 4001 the client
         * asks it again and reconnects, at most {@link #MAX_UNAUTHORIZED_IN_A_ROW} times in a row. Default none:
         * no credential is sent.
         */
        public Builder tokenProvider(Supplier<Mono<String>> tokenProvider) {
            this.tokenProvider = tokenProvider;
            return this;
        }

        /** The options; fails if no endpoint was given or the base delay exceeds the max delay. */
        public TetherClientOptions build() {
            if (endpoints.isEmpty()) {
                throw new IllegalStateException("endpoints must hold at least one ws:// or wss:// URI, got none");
            }
            if (reconnectBaseDelay.compareTo(reconnectMaxDelay) > 0) {
                throw new IllegalStateException("reconnectBaseDelay (" + reconnectBaseDelay
                        + ") must not exceed reconnectMaxDelay (" + reconnectMaxDelay + ")");
            }
            return new TetherClientOptions(this);
        }
    }
}
