package dev.tether.protocol.session;

import reactor.core.publisher.Mono;

/**
 * Which strings can name a session, checked the same way by every {@link SessionStore}: an id that cannot name one
 * names none, so operations on it fail like operations on a session that does not exist, as errors in the returned
 * publisher, never thrown.
 */
public final class SessionIds {

    /** The longest session id a store accepts, in characters: 256. Ids made by {@link SessionTokens} have 22. */
    public static final int MAX_LENGTH = 256;

    private SessionIds() {
    }

    /** Whether {@code sessionId} can name a session: 1 to {@link #MAX_LENGTH} characters. */
    public static boolean valid(String sessionId) {
        return sessionId != null && !sessionId.isEmpty() && sessionId.length() <= MAX_LENGTH;
    }

    /**
     * Empty when {@code sessionId} can name a session; else an error: {@link NullPointerException} for null, and
     * {@link SessionStoreException#isNotFound()} for an id no session can have.
     */
    public static Mono<Void> require(String sessionId) {
        if (valid(sessionId)) {
            return Mono.empty();
        }
        if (sessionId == null) {
            return Mono.error(new NullPointerException("sessionId"));
        }
        return Mono.error(SessionStoreException.notFound(shortened(sessionId)));
    }

    /**
     * Empty when {@code sessionId} can name a new session; else an error: {@link NullPointerException} for null,
     * {@link IllegalArgumentException} for an id no session can have.
     */
    public static Mono<Void> requireNew(String sessionId) {
        if (valid(sessionId)) {
            return Mono.empty();
        }
        if (sessionId == null) {
            return Mono.error(new NullPointerException("sessionId"));
        }
        return Mono.error(new IllegalArgumentException("sessionId must be 1 to " + MAX_LENGTH + " characters, got "
                + sessionId.length()));
    }

    // An id from outside can be long; an error message quotes only its start.
    private static String shortened(String sessionId) {
        return sessionId.length() <= 40 ? sessionId
                : sessionId.substring(0, 32) + "... (" + sessionId.length() + " characters)";
    }
}
