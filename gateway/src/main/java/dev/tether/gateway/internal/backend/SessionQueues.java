package dev.tether.gateway.internal.backend;

import java.util.concurrent.ConcurrentHashMap;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;

/**
 * Runs each session's work one piece at a time, in the order it was given, and different sessions' work side by
 * side. A piece starts when the one before it has ended, however it ended (or was cancelled); a session with nothing
 * queued holds no entry.
 */
final class SessionQueues {

    /** Per session, the end of the piece given last. */
    private final ConcurrentHashMap<String, Sinks.Empty<Void>> lastEnds = new ConcurrentHashMap<>();

    /** {@code work}, run after the session's earlier work has ended. Subscribe to it once, or the queue stalls. */
    Mono<Void> enqueue(String sessionId, Mono<Void> work) {
        Sinks.Empty<Void> end = Sinks.empty();
        // Each piece knows only the end of the one before it, so a busy session builds no chain of finished work.
        Sinks.Empty<Void> before = lastEnds.put(sessionId, end);
        Mono<Void> previous = before == null ? Mono.empty() : before.asMono();
        return previous
                .then(Mono.defer(() -> work))
                .doFinally(signal -> {
                    lastEnds.remove(sessionId, end);
                    end.tryEmitEmpty();
                });
    }
}
