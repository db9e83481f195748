package dev.tether.protocol;

import java.util.Optional;

/**
 * The first frame of every connection: starts a new session, or resumes one when {@code resume} is present.
 *
 * @param v      the protocol version the client speaks; {@link Protocol#VERSION}
 * @param resume what the client knows of the session it wants back, or {@code null} for a new session
 * @param auth   the client's credential, or {@code null} for none (a gateway that authenticates nobody)
 */
public record Hello(int v, Resume resume, Auth auth) implements ClientFrame {

    public static final String TYPE = "hello";

    /** A hello without credential. */
    public Hello(int v, Resume resume) {
        this(v, resume, null);
    }

    /** A hello for a new session. */
    public static Hello fresh() {
        return new Hello(Protocol.VERSION, null);
    }

    /** A hello that resumes the given session. */
    public static Hello resume(Resume resume) {
        return new Hello(Protocol.VERSION, resume);
    }

    /** This hello carrying {@code token} as its credential; {@code null} for none. */
    public Hello withToken(String token) {
        return new Hello(v, resume, token == null ? null : new Auth(token));
    }

    /** The credential's token, if any. */
    public Optional<String> token() {
        return Optional.ofNullable(auth).map(Auth::token);
    }

    /** The resume request, if any. */
    public Optional<Resume> resumeRequest() {
        return Optional.ofNullable(resume);
    }

    @Override
    public String type() {
        return TYPE;
    }

    @Override
    public String toString() {
        return "Hello[v=" + v + ", resume=" + resume + ", auth=" + (auth == null ? "none" : "***") + "]";
    }

    /**
     * The credential a client presents: a JSON Web Token.
     *
     * @param token the compact serialization of the token
     */
    public record Auth(String token) {

        @Override
        public String toString() {
            // A bearer token is a credential: never print it.
            return "Auth[token=***]";
        }
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
