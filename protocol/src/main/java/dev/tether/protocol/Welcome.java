package dev.tether.protocol;

/**
 * The gateway's answer to {@link Hello}.
 *
 * @param v           the protocol version the gateway speaks
 * @param sessionId   the session's id
 * @param token       the session's secret token, needed to resume it
 * @param epoch       the epoch of the session's log; a different epoch means the log was lost
 * @param resumed     {@code true} when the requested session was resumed and the client missed nothing
 * @param reason      why a requested resume failed, or {@code null} when it succeeded or none was requested
 * @param lastSeq     the highest seq in the session's log
 * @param ackedCseq   the highest cseq stored; the client resends everything above it
 * @param heartbeatMs how often, in milliseconds, each side should hear from the other
 */
public record Welcome(int v, String sessionId, String token, long epoch, boolean resumed, ResumeFailure reason,
                      long lastSeq, long ackedCseq, long heartbeatMs) implements ServerFrame {

    public static final String TYPE = "welcome";

    @Override
    public String type() {
        return TYPE;
    }

    @Override
    public String toString() {
        return "Welcome[v=" + v + ", sessionId=" + sessionId + ", token=***, epoch=" + epoch + ", resumed=" + resumed
                + ", reason=" + reason + ", lastSeq=" + lastSeq + ", ackedCseq=" + ackedCseq
                + ", heartbeatMs=" + heartbeatMs + "]";
    }
}
