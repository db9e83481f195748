package dev.tether.gateway.internal;

import dev.tether.gateway.GatewayException;
import dev.tether.protocol.CloseCode;
import dev.tether.protocol.session.SessionStoreException;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.websocketx.CorruptedWebSocketFrameException;
import io.netty.handler.codec.http.websocketx.WebSocketCloseStatus;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/** Maps whatever ends a connection to the one close-code table, {@link CloseCode}. */
final class Closes {

    /** How long a client is told to wait before retrying after the store was unavailable. */
    static final Duration STORE_RETRY_AFTER = Duration.ofSeconds(1);

    // RFC 6455 allows 123 bytes of reason in a close frame.
    private static final int MAX_REASON_BYTES = 123;

    private Closes() {
    }

    /** A close code and its reason. */
    record Close(CloseCode code, String reason) {
        Close {
            reason = truncate(reason);
        }
    }

    static Close of(GatewayException e) {
        return new Close(e.closeCode(), e.getMessage());
    }

    /** The close that reports {@code error}. */
    static Close forError(Throwable error) {
        if (error instanceof GatewayException e) {
            return of(e);
        }
        if (error instanceof SessionStoreException e) {
            if (e.isRetryable()) {
                return of(GatewayException.storeNotReady(STORE_RETRY_AFTER));
            }
            if (e.isNotFound()) {
                return of(GatewayException.sessionLost());
            }
            // Trimmed while resuming: a reconnect gets an honest history_truncated.
            return of(GatewayException.internal("history trimmed while resuming"));
        }
        if (error instanceof TooLongFrameException
                || error instanceof CorruptedWebSocketFrameException c
                && WebSocketCloseStatus.MESSAGE_TOO_BIG.equals(c.closeStatus())) {
            return new Close(CloseCode.MESSAGE_TOO_BIG, "frame too big");
        }
        if (error instanceof CorruptedWebSocketFrameException c && c.closeStatus() != null) {
            // The decoder has sent this close already; named here for the metrics.
            return new Close(CloseCode.of(c.closeStatus().code()), c.getMessage());
        }
        return new Close(CloseCode.INTERNAL_ERROR, "internal error");
    }

    private static String truncate(String reason) {
        if (reason == null) {
            return "";
        }
        byte[] bytes = reason.getBytes(StandardCharsets.UTF_8);
        if (bytes.length <= MAX_REASON_BYTES) {
            return reason;
        }
        String cut = new String(bytes, 0, MAX_REASON_BYTES, StandardCharsets.UTF_8);
        // A multi-byte character cut in half decodes to U+FFFD; drop it.
        return cut.endsWith("\uFFFD") ? cut.substring(0, cut.length() - 1) : cut;
    }
}
