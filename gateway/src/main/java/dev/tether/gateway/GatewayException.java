package dev.tether.gateway;

import dev.tether.protocol.CloseCode;
import dev.tether.protocol.TetherException;
import java.time.Duration;

/**
 * Why the gateway ends a connection. Each carries the {@link CloseCode} it is reported with and a short message
 * that becomes the close reason. Stackless: these are expected, and some come at a high rate.
 */
public final class GatewayException extends TetherException {

    private final CloseCode closeCode;

    private GatewayException(CloseCode closeCode, String message) {
        super(message, null, false);
        this.closeCode = closeCode;
    }

    /** The code the connection is closed with. */
    public CloseCode closeCode() {
        return closeCode;
    }

    /** Whether a client should reconnect: the close code's answer. */
    @Override
    public boolean isRetryable() {
        return closeCode.shouldReconnect();
    }

    /**
     * No hello within the hello timeout. Try again later rather than a policy violation: a client sends its hello as
     * soon as the upgrade is done, so a missing one means a client (or a network) too slow at that moment, which
     * passes; 1008 would make it give up for good.
     */
    public static GatewayException helloTimeout(Duration timeout, Duration retryAfter) {
        return new GatewayException(CloseCode.TRY_AGAIN_LATER, CloseCode.retryAfterReason(
                "no hello within " + timeout.toMillis() + "ms", retryAfter));
    }

    /** The node already has its limit of connections that have not sent hello yet. */
    public static GatewayException tooManyAwaitingHello(int limit, Duration retryAfter) {
        return new GatewayException(CloseCode.TRY_AGAIN_LATER, CloseCode.retryAfterReason(
                "too many connections awaiting hello (" + limit + ")", retryAfter));
    }

    /**
     * The client sent its hello in time, but this node could not finish the handshake within the handshake timeout
     * (its store or the admission queue was slow): the node's fault, so the client is told to come back, not that it
     * broke a rule.
     */
    public static GatewayException handshakeTooSlow(Duration timeout, Duration retryAfter) {
        return new GatewayException(CloseCode.TRY_AGAIN_LATER, CloseCode.retryAfterReason(
                "handshake not finished within " + timeout.toMillis() + "ms", retryAfter));
    }

    public static GatewayException handshakeRequired(String what) {
        return new GatewayException(CloseCode.POLICY_VIOLATION, "the first frame must be hello, got " + what);
    }

    public static GatewayException unsupportedVersion(int version) {
        return new GatewayException(CloseCode.POLICY_VIOLATION, "protocol version " + version
                + " is not supported; this gateway speaks 1");
    }

    public static GatewayException tooManyBadFrames(int count, Duration window) {
        return new GatewayException(CloseCode.POLICY_VIOLATION, count + " bad frames within "
                + window.toMillis() + "ms");
    }

    /**
     * The client's address went over the failed-resume limit: its resumes are refused for {@code coolingDown}, after
     * which it may try again, as the hint says; 1008, since guessing is what the limit is against.
     */
    public static GatewayException tooManyFailedResumes(int limit, Duration window, Duration coolingDown) {
        return new GatewayException(CloseCode.POLICY_VIOLATION, CloseCode.retryAfterReason("more than " + limit
                + " failed resumes within " + window.toMillis() + "ms from this address", coolingDown));
    }

    /**
     * The client's address made more WebSocket upgrades than its rate allows: it may come back after the hint.
     * 1013 rather than a 429 on the upgrade, since a browser sees no status of a refused upgrade, only a close.
     */
    public static GatewayException addressRateLimited(int perSecond, Duration retryAfter) {
        return new GatewayException(CloseCode.TRY_AGAIN_LATER, CloseCode.retryAfterReason(
                "more than " + perSecond + " connections per second from this address", retryAfter));
    }

    /** The client's address has its limit of connections open on this node already. */
    public static GatewayException tooManyConnectionsFromAddress(int limit, Duration retryAfter) {
        return new GatewayException(CloseCode.TRY_AGAIN_LATER, CloseCode.retryAfterReason(
                "more than " + limit + " connections open from this address", retryAfter));
    }

    /**
     * The client's address sent more refused tokens than the limit within the window: its connections are closed
     * for {@code coolingDown} without their token being read; 1008, as for failed resumes.
     */
    public static GatewayException tooManyFailedAuthentications(int limit, Duration window, Duration coolingDown) {
        return new GatewayException(CloseCode.POLICY_VIOLATION, CloseCode.retryAfterReason("more than " + limit
                + " failed authentications within " + window.toMillis() + "ms from this address", coolingDown));
    }

    /** The user has its limit of connections open on this node already. */
    public static GatewayException tooManyConnectionsOfUser(int limit, Duration retryAfter) {
        return new GatewayException(CloseCode.TRY_AGAIN_LATER, CloseCode.retryAfterReason(
                "more than " + limit + " connections open for this user", retryAfter));
    }

    /** The user started more new sessions than its rate allows. */
    public static GatewayException tooManyNewSessions(int perMinute, Duration retryAfter) {
        return new GatewayException(CloseCode.TRY_AGAIN_LATER, CloseCode.retryAfterReason(
                "more than " + perMinute + " new sessions per minute for this user", retryAfter));
    }

    /** The client kept sending messages while told to wait ({@code rate_limited}). */
    public static GatewayException ignoredRateLimits(int count) {
        return new GatewayException(CloseCode.POLICY_VIOLATION, count
                + " messages sent while told to wait (rate_limited)");
    }

    public static GatewayException idle(Duration timeout) {
        return new GatewayException(CloseCode.GOING_AWAY, "nothing heard for " + timeout.toMillis() + "ms");
    }

    public static GatewayException takenOver() {
        return new GatewayException(CloseCode.SESSION_TAKEN_OVER, "session taken over by another connection");
    }

    public static GatewayException shuttingDown(Duration retryAfter) {
        return new GatewayException(CloseCode.SERVICE_RESTART,
                CloseCode.retryAfterReason("gateway shutting down", retryAfter));
    }

    public static GatewayException storeNotReady(Duration retryAfter) {
        return new GatewayException(CloseCode.TRY_AGAIN_LATER,
                CloseCode.retryAfterReason("session store unavailable", retryAfter));
    }

    public static GatewayException overloaded(Duration retryAfter) {
        return new GatewayException(CloseCode.TRY_AGAIN_LATER,
                CloseCode.retryAfterReason("too many handshakes in progress", retryAfter));
    }

    public static GatewayException slowConsumer(int pendingFrames, long pendingBytes) {
        return new GatewayException(CloseCode.TRY_AGAIN_LATER, CloseCode.retryAfterReason("too slow: "
                + pendingFrames + " frames (" + pendingBytes + " bytes) waiting; resume to get them",
                Duration.ofSeconds(1)));
    }

    public static GatewayException bye() {
        return new GatewayException(CloseCode.NORMAL, "bye");
    }

    /**
     * The session disappeared from the store under a live connection (for example Redis restarted empty). The
     * client reconnects and its resume reports why ({@code not_found} or {@code history_lost}).
     */
    public static GatewayException sessionLost() {
        return new GatewayException(CloseCode.INTERNAL_ERROR, "session no longer in the store; resume to learn why");
    }

    public static GatewayException tooBig(int maxFrameBytes) {
        return new GatewayException(CloseCode.MESSAGE_TOO_BIG, "frame larger than " + maxFrameBytes + " bytes");
    }

    /**
     * The connection's credential is missing, invalid or expired; {@code why} says which, never the token itself.
     * The client reconnects only with a new token.
     */
    public static GatewayException unauthorized(String why) {
        return new GatewayException(CloseCode.UNAUTHORIZED, "unauthorized: " + why);
    }

    public static GatewayException internal(String what) {
        return new GatewayException(CloseCode.INTERNAL_ERROR, what);
    }
}
