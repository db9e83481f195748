package dev.tether.gateway;

import dev.tether.protocol.Checks;
import dev.tether.protocol.Protocol;
import java.time.Duration;

/**
 * What a gateway node expects of each WebSocket connection: liveness, handshake time, frame sizes and conduct.
 * Immutable; build with {@link #builder()}.
 *
 * @param heartbeat        how often the gateway pings each connection; default {@link #DEFAULT_HEARTBEAT}
 * @param handshakeTimeout time the gateway has to answer a {@code hello} with {@code welcome}, admission queue
 *                         included; default {@link #DEFAULT_HANDSHAKE_TIMEOUT}
 * @param maxFrameBytes    largest accepted frame payload in bytes; default {@link #DEFAULT_MAX_FRAME_BYTES}
 * @param maxPendingFrames frames that may wait to be written to one client before its connection is closed with
 *                         1013; default {@link #DEFAULT_MAX_PENDING_FRAMES}
 * @param badFrameLimit    bad frames within {@code badFrameWindow} that close a connection with 1008;
 *                         default {@link #DEFAULT_BAD_FRAME_LIMIT}
 * @param badFrameWindow   the window in which bad frames are counted; default {@link #DEFAULT_BAD_FRAME_WINDOW}
 * @param helloTimeout     time a new connection has to send {@code hello} after the WebSocket upgrade;
 *                         default {@link #DEFAULT_HELLO_TIMEOUT}
 * @param maxPendingBytes  bytes of frames (encoded) that may wait to be written to one client before its connection
 *                         is closed with 1013, as {@code maxPendingFrames} does by count;
 *                         default {@link #DEFAULT_MAX_PENDING_BYTES}
 */
public record ConnectionOptions(Duration heartbeat, Duration handshakeTimeout, int maxFrameBytes, int maxPendingFrames,
                                int badFrameLimit, Duration badFrameWindow, Duration helloTimeout,
                                long maxPendingBytes) {

    /** Default heartbeat: the gateway pings every 25 seconds. */
    public static final Duration DEFAULT_HEARTBEAT = Duration.ofSeconds(25);
    /** Default time the gateway has to answer a {@code hello} with {@code welcome}: 10 seconds. */
    public static final Duration DEFAULT_HANDSHAKE_TIMEOUT = Duration.ofSeconds(10);
    /**
     * Default time a new connection has to send {@code hello}: 5 seconds. A client sends it as soon as the upgrade is
     * done, so this is short: a connection that stays silent costs the node without serving anyone.
     */
    public static final Duration DEFAULT_HELLO_TIMEOUT = Duration.ofSeconds(5);
    /** Default largest accepted frame payload, in bytes: {@link Protocol#DEFAULT_MAX_FRAME_BYTES}. */
    public static final int DEFAULT_MAX_FRAME_BYTES = Protocol.DEFAULT_MAX_FRAME_BYTES;
    /** Smallest accepted {@code maxFrameBytes}: 1 KiB. */
    public static final int MIN_MAX_FRAME_BYTES = 1024;
    /** Largest accepted {@code maxFrameBytes}: 16 MiB. */
    public static final int MAX_MAX_FRAME_BYTES = 16 * 1024 * 1024;
    /**
     * Default number of frames that may wait to be written to one slow client before its connection is closed with
     * 1013 (it resumes and gets them from the session log): 10,000.
     */
    public static final int DEFAULT_MAX_PENDING_FRAMES = 10_000;
    /**
     * Default bytes of frames that may wait to be written to one slow client before its connection is closed with
     * 1013: 1 MiB, sixteen frames of the default limit (10,000 such clients hold at most about 10 GiB).
     */
    public static final long DEFAULT_MAX_PENDING_BYTES = 1024 * 1024;
    /** Default number of bad frames within the window that closes a connection with 1008: 10. */
    public static final int DEFAULT_BAD_FRAME_LIMIT = 10;
    /** Default window in which bad frames are counted: 1 minute. */
    public static final Duration DEFAULT_BAD_FRAME_WINDOW = Duration.ofMinutes(1);

    public ConnectionOptions {
        Checks.between("heartbeat", heartbeat, Duration.ofMillis(10), Duration.ofHours(1));
        Checks.between("handshakeTimeout", handshakeTimeout, Duration.ofMillis(10), Duration.ofMinutes(10));
        Checks.between("maxFrameBytes", maxFrameBytes, MIN_MAX_FRAME_BYTES, MAX_MAX_FRAME_BYTES);
        Checks.between("maxPendingFrames", maxPendingFrames, 16, 10_000_000);
        Checks.between("badFrameLimit", badFrameLimit, 1, 10_000);
        Checks.positive("badFrameWindow", badFrameWindow);
        Checks.between("helloTimeout", helloTimeout, Duration.ofMillis(10), Duration.ofMinutes(10));
        Checks.between("maxPendingBytes", maxPendingBytes, 64 * 1024, 1024L * 1024 * 1024);
    }

    /** The defaults. */
    public static ConnectionOptions defaults() {
        return new ConnectionOptions(DEFAULT_HEARTBEAT, DEFAULT_HANDSHAKE_TIMEOUT, DEFAULT_MAX_FRAME_BYTES,
                DEFAULT_MAX_PENDING_FRAMES, DEFAULT_BAD_FRAME_LIMIT, DEFAULT_BAD_FRAME_WINDOW, DEFAULT_HELLO_TIMEOUT,
                DEFAULT_MAX_PENDING_BYTES);
    }

    public static Builder builder() {
        return new Builder(defaults());
    }

    /** A builder starting from these options. */
    public Builder toBuilder() {
        return new Builder(this);
    }

    /**
     * How long a connection may stay silent before the gateway closes it: the heartbeat plus half of it, so a client
     * that answers every ping is never closed, and a dead one is noticed within 1.5 heartbeats.
     */
    public Duration idleTimeout() {
        return heartbeat.plus(heartbeat.dividedBy(2));
    }

    /** Builds {@link ConnectionOptions}; each setter validates its argument. */
    public static final class Builder {
        private ConnectionOptions o;

        private Builder(ConnectionOptions options) {
            this.o = options;
        }

        /** Heartbeat interval, 10 ms to 1 hour. */
        public Builder heartbeat(Duration heartbeat) {
            o = new ConnectionOptions(heartbeat, o.handshakeTimeout, o.maxFrameBytes, o.maxPendingFrames,
                    o.badFrameLimit, o.badFrameWindow, o.helloTimeout, o.maxPendingBytes);
            return this;
        }

        /** Time the gateway has to answer a {@code hello} with {@code welcome}, 10 ms to 10 minutes. */
        public Builder handshakeTimeout(Duration handshakeTimeout) {
            o = new ConnectionOptions(o.heartbeat, handshakeTimeout, o.maxFrameBytes, o.maxPendingFrames,
                    o.badFrameLimit, o.badFrameWindow, o.helloTimeout, o.maxPendingBytes);
            return this;
        }

        /** Largest accepted frame payload, {@link #MIN_MAX_FRAME_BYTES} to {@link #MAX_MAX_FRAME_BYTES} bytes. */
        public Builder maxFrameBytes(int maxFrameBytes) {
            o = new ConnectionOptions(o.heartbeat, o.handshakeTimeout, maxFrameBytes, o.maxPendingFrames,
                    o.badFrameLimit, o.badFrameWindow, o.helloTimeout, o.maxPendingBytes);
            return this;
        }

        /** Frames that may wait to be written to one client before it is closed with 1013, 16 to 10,000,000. */
        public Builder maxPendingFrames(int maxPendingFrames) {
            o = new ConnectionOptions(o.heartbeat, o.handshakeTimeout, o.maxFrameBytes, maxPendingFrames,
                    o.badFrameLimit, o.badFrameWindow, o.helloTimeout, o.maxPendingBytes);
            return this;
        }

        /** Bad frames within the window that close a connection with 1008, 1 to 10,000. */
        public Builder badFrameLimit(int badFrameLimit) {
            o = new ConnectionOptions(o.heartbeat, o.handshakeTimeout, o.maxFrameBytes, o.maxPendingFrames,
                    badFrameLimit, o.badFrameWindow, o.helloTimeout, o.maxPendingBytes);
            return this;
        }

        /** Window in which bad frames are counted, > 0. */
        public Builder badFrameWindow(Duration badFrameWindow) {
            o = new ConnectionOptions(o.heartbeat, o.handshakeTimeout, o.maxFrameBytes, o.maxPendingFrames,
                    o.badFrameLimit, badFrameWindow, o.helloTimeout, o.maxPendingBytes);
            return this;
        }

        /** Time a new connection has to send {@code hello}, 10 ms to 10 minutes. */
        public Builder helloTimeout(Duration helloTimeout) {
            o = new ConnectionOptions(o.heartbeat, o.handshakeTimeout, o.maxFrameBytes, o.maxPendingFrames,
                    o.badFrameLimit, o.badFrameWindow, helloTimeout, o.maxPendingBytes);
            return this;
        }

        /** Bytes of frames that may wait to be written to one client before it is closed with 1013, 64 KiB to 1 GiB. */
        public Builder maxPendingBytes(long maxPendingBytes) {
            o = new ConnectionOptions(o.heartbeat, o.handshakeTimeout, o.maxFrameBytes, o.maxPendingFrames,
                    o.badFrameLimit, o.badFrameWindow, o.helloTimeout, maxPendingBytes);
            return this;
        }

        public ConnectionOptions build() {
            return o;
        }
    }
}
