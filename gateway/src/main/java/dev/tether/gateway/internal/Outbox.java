package dev.tether.gateway.internal;

import dev.tether.protocol.FrameCodec;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Sinks;

/**
 * A connection's encoded frames waiting for the socket, counted and measured in bytes, so that a client that does not
 * read is noticed before it piles up more than its bounds allow.
 */
final class Outbox {

    private final int maxFrames;
    private final long maxBytes;
    /** Frames encoded when they are queued, so that what waits is measured in bytes as well as counted. */
    private final Sinks.Many<String> frames = Sinks.many().unicast().onBackpressureBuffer();
    /** Frames not yet taken by the writer: what a client that does not read makes pile up. */
    private final AtomicInteger pending = new AtomicInteger();
    /** The bytes of those frames: a few large frames pile up as much as many small ones. */
    private final AtomicLong pendingBytes = new AtomicLong();

    Outbox(int maxFrames, long maxBytes) {
        this.maxFrames = maxFrames;
        this.maxBytes = maxBytes;
    }

    /**
     * Queues an encoded frame; whether the frames waiting now exceed either bound. Callers serialize their calls, and
     * make none after {@link #complete}.
     */
    boolean offer(String text) {
        long bytes = FrameCodec.utf8Length(text);
        frames.tryEmitNext(text);
        // Both counts are updated whichever bound is exceeded: no short-circuit.
        return pending.incrementAndGet() > maxFrames | pendingBytes.addAndGet(bytes) > maxBytes;
    }

    /** The frames for the writer, each leaving the counts as it is taken; one subscriber only. */
    Flux<String> frames() {
        return frames.asFlux().doOnNext(text -> {
            pending.decrementAndGet();
            pendingBytes.addAndGet(-FrameCodec.utf8Length(text));
        });
    }

    /** Ends the frames once those queued are taken. */
    void complete() {
        frames.tryEmitComplete();
    }

    /** The frames waiting. */
    int pendingFrames() {
        return pending.get();
    }

    /** The bytes of the frames waiting. */
    long pendingBytes() {
        return pendingBytes.get();
    }
}
