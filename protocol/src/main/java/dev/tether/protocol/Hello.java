package dev.tether.protocol;

import java.util.Optional;

/**
 * The first frame of every connection: starts a new session, or resumes one when {@code resume} is present.
 *
 * @param v      the protocol version the client speaks; {@link Protocol#VERSION}
 * @param resume what the client knows of the session it wants back, or {@code null} for a new session
 */
public record Hello(int v, Resume resume) implements ClientFrame {

    public static final String TYPE = "hello";

    /** A hello for a new session. */
    public static Hello fresh() {
        return new Hello(Protocol.VERSION, null);
    }

    /** A hello that resumes the given session. */
    public static Hello resume(Resume resume) {
        return new Hello(Protocol.VERSION, resume);
    }

    /** The resume request, if any. */
    public Optional<Resume> resumeRequest() {
        return Optional.ofNullable(resume);
    }

    @Override
    public String type() {
        return TYPE;
    }

    /**
     * What a client must present to get its session back.
     *
     * @param sessionId the session's id, from {@link Welcome}
     * @param token     the session's secret token, from {@link Welcome}
     * @param epoch     the epoch of the log the client last saw
     * @param lastSeq   the highest seq the client has received (0 for none)
     */
    public record Resume(String sessionId, String token, long epoch, long lastSeq) {

        @Override
        public String toString() {
            // The token is a credential: never print it.
            return "Resume[sessionId=" + sessionId + ", token=***, epoch=" + epoch + ", lastSeq=" + lastSeq + "]";
        }
    }
}
