package dev.tether.session.redis.internal;

import dev.tether.protocol.Sequenced;
import dev.tether.protocol.session.SessionStoreException;
import java.util.function.LongFunction;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;

/**
 * One follow of a session's log: its inbox of channel notices, and the merge of the replay with them. Notices that
 * arrive during the replay wait in the inbox; afterwards each frame is delivered only if it is the next seq, dropped
 * if already delivered, and a gap (a lost or reordered notice), like a {@link #POKE}, is filled from the log.
 * Notices wait in an unbounded buffer while the subscriber is slower than the appends; each holds one frame that
 * was appended, so the buffer is bounded by the producers of that session.
 */
public final class Follower {

    /** A notice that says: catch up from the log (the refresh timer, a reconnect, an undecodable notice). */
    static final Object POKE = new Object();

    /** A notice that says: the session was removed. */
    static final Object REMOVED = new Object();

    private static final Object END = new Object();

    private final Sinks.Many<Object> inbox = Sinks.many().unicast().onBackpressureBuffer();

    Follower() {
    }

    synchronized void push(Object note) {
        inbox.tryEmitNext(note);
    }

    synchronized void fail(Throwable error) {
        inbox.tryEmitError(error);
    }

    /**
     * Every frame after {@code afterSeq}, with no gap and no duplicate, until the session is removed: once
     * {@code subscribed} completes, the frames {@code readAfter} gives (the log after a seq, failing not found once
     * the session is gone), then the inbox's.
     */
    public Flux<Sequenced> frames(long afterSeq, Mono<Void> subscribed, LongFunction<Flux<Sequenced>> readAfter) {
        long[] next = {afterSeq + 1};
        Flux<Object> history = readAfter.apply(afterSeq).map(frame -> {
            next[0] = frame.seq() + 1;
            return frame;
        });
        Flux<Object> live = inbox.asFlux().concatMap(note -> {
            if (note == REMOVED) {
                return Flux.just(END);
            }
            if (note instanceof Sequenced frame && frame.seq() < next[0]) {
                return Flux.empty();
            }
            if (note instanceof Sequenced frame && frame.seq() == next[0]) {
                next[0]++;
                return Flux.just(frame);
            }
            return Flux.defer(() -> readAfter.apply(next[0] - 1))
                    .map(frame -> {
                        next[0] = frame.seq() + 1;
                        return (Object) frame;
                    })
                    .onErrorResume(SessionStoreException::isNotFound, e -> Flux.just(END));
        }, 1);
        return subscribed.thenMany(history.concatWith(live))
                .takeWhile(item -> item != END)
                .cast(Sequenced.class);
    }
}
