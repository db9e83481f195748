package dev.tether.client;

import java.util.Objects;

/**
 * What a client needs to resume a session, also from a new process: pass it to
 * {@link TetherClientOptions.Builder#resumeFrom(SessionHandle)}.
 *
 * @param sessionId the session's id, from the gateway's {@code welcome}
 * @param token     the session's secret token; treat it as a credential
 * @param epoch     the epoch of the session log the client last saw
 * @param lastSeq   the highest seq the client has delivered to the application (0 for none)
 */
public record SessionHandle(String sessionId, String token, long epoch, long lastSeq) {

    public SessionHandle {
        Objects.requireNonNull(sessionId, "sessionId");
        Objects.requireNonNull(token, "token");
        if (sessionId.isEmpty()) {
            throw new IllegalArgumentException("sessionId must not be empty");
        }
        if (token.isEmpty()) {
            throw new IllegalArgumentException("token must not be empty");
        }
        if (lastSeq < 0) {
            throw new IllegalArgumentException("lastSeq must be >= 0, got " + lastSeq);
        }
    }

    @Override
    public String toString() {
        // The token is a credential: never print it.
        return "SessionHandle[sessionId=" + sessionId + ", token=***, epoch=" + epoch + ", lastSeq=" + lastSeq + "]";
    }
}
