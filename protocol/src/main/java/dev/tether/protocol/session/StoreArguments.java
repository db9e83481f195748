package dev.tether.protocol.session;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Objects;
import reactor.core.publisher.Mono;

/**
 * The range checks of {@link SessionStore} arguments other than the session id ({@link SessionIds}), written once so
 * that every store refuses the same calls, as errors of the returned publisher.
 */
public final class StoreArguments {

    private StoreArguments() {
    }

    /** Empty for an idempotency key of {@link SessionStore#appendOnce}; an error when it is null or empty. */
    public static Mono<Void> idempotencyKey(String key) {
        return key == null || key.isEmpty()
                ? Mono.error(new IllegalArgumentException("an idempotency key must not be empty"))
                : Mono.empty();
    }

    /** Empty for a reply part of {@link SessionStore#appendReply}: replyTo a cseq (>= 1), part >= 0; else an error. */
    public static Mono<Void> replyPart(long replyTo, long part) {
        if (replyTo < 1) {
            return Mono.error(new IllegalArgumentException("replyTo must be a cseq, >= 1, got " + replyTo));
        }
        if (part < 0) {
            return Mono.error(new IllegalArgumentException("part must be >= 0, got " + part));
        }
        return Mono.empty();
    }

    /**
     * The JSON of a state for {@link SessionStore#writeState}; an error when {@code ifVersion} is below
     * {@link SessionState#ANY_VERSION} or the JSON exceeds {@code maxBytes} bytes in UTF-8.
     */
    public static Mono<String> state(String sessionId, long ifVersion, ObjectNode state, int maxBytes) {
        Objects.requireNonNull(state, "state");
        if (ifVersion < SessionState.ANY_VERSION) {
            return Mono.error(new IllegalArgumentException("ifVersion must be a version (>= 0) or ANY_VERSION, got "
                    + ifVersion));
        }
        return Mono.fromCallable(() -> {
            String json = SessionState.encode(state);
            int bytes = SessionState.size(json);
            if (bytes > maxBytes) {
                throw SessionStoreException.stateTooLarge(sessionId, bytes, maxBytes);
            }
            return json;
        });
    }
}
