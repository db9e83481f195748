package dev.tether.protocol.session;

import java.util.Objects;

/**
 * A client's {@code cancel}, on its way to the node producing the reply, which may not be the node the client is
 * connected to ({@link SessionStore#requestCancel}).
 *
 * @param sessionId the session of the reply
 * @param replyTo   the cseq of the user message whose reply is to stop
 */
public record CancelRequest(String sessionId, long replyTo) {

    public CancelRequest {
        Objects.requireNonNull(sessionId, "sessionId");
    }
}
