package dev.tether.protocol;

import java.time.Duration;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The one table of WebSocket close codes Tether uses, and whether a client should reconnect after each.
 *
 * <p>Codes that are not in the table are treated like {@link #ABNORMAL}: the client reconnects.
 */
public enum CloseCode {
    /** After {@code bye}: the session is over. */
    NORMAL(1000, false),
    /** The peer is going away, for example a browser tab closing. */
    GOING_AWAY(1001, true),
    /** No close frame was received: the connection was cut. Never sent on the wire. */
    ABNORMAL(1006, true),
    /** The peer broke the WebSocket protocol (RFC 6455): reserved bits set, a malformed close frame. */
    PROTOCOL_ERROR(1002, false),
    /** A text message was not valid UTF-8. */
    INVALID_PAYLOAD(1007, false),
    /** The peer broke the protocol: a handshake timeout, or too many bad frames. */
    POLICY_VIOLATION(1008, false),
    /** A frame exceeded the size limit. */
    MESSAGE_TOO_BIG(1009, false),
    /** The gateway failed unexpectedly. */
    INTERNAL_ERROR(1011, true),
    /** The gateway is restarting or shutting down: reconnect, probably to another node. */
    SERVICE_RESTART(1012, true),
    /** The gateway is overloaded or its store is unreachable: reconnect after the retry-after hint. */
    TRY_AGAIN_LATER(1013, true),
    /**
     * The client's credential is missing, invalid or expired (the reason says which). Reconnecting with the same
     * token would not help: a client reconnects only with a new one from its token provider.
     */
    UNAUTHORIZED(4001, false),
    /** Another connection resumed this session; this one is stale. */
    SESSION_TAKEN_OVER(4009, false);

    private static final Pattern RETRY_AFTER = Pattern.compile("retry-after=(\\d+)ms");

    private final int code;
    private final boolean reconnect;

    CloseCode(int code, boolean reconnect) {
        this.code = code;
        this.reconnect = reconnect;
    }

    /** The numeric code on the wire. */
    public int code() {
        return code;
    }

    /** Whether a client should reconnect after a close with this code. */
    public boolean shouldReconnect() {
        return reconnect;
    }

    /** The constant for a numeric code; unknown codes map to {@link #ABNORMAL}, which reconnects. */
    public static CloseCode of(int code) {
        for (CloseCode closeCode : values()) {
            if (closeCode.code == code) {
                return closeCode;
            }
        }
        return ABNORMAL;
    }

    /**
     * A close reason carrying a retry-after hint, as sent with {@link #TRY_AGAIN_LATER}. The hint comes first, so
     * that cutting the reason to the 123 bytes a close frame allows never cuts the hint.
     */
    public static String retryAfterReason(String why, Duration retryAfter) {
        return "retry-after=" + retryAfter.toMillis() + "ms; " + why;
    }

    /** The retry-after hint in a close reason, if it has one. */
    public static Optional<Duration> retryAfter(String reason) {
        if (reason == null) {
            return Optional.empty();
        }
        Matcher matcher = RETRY_AFTER.matcher(reason);
        if (!matcher.find()) {
            return Optional.empty();
        }
        try {
            return Optional.of(Duration.ofMillis(Long.parseLong(matcher.group(1))));
        } catch (NumberFormatException tooLarge) {
            return Optional.empty();
        }
    }
}
