package dev.tether.protocol.session;

import java.time.Instant;
import java.util.Objects;

/**
 * Who is producing a reply, and until when, as {@link SessionStore#findReplyLease} reads it.
 *
 * @param replyTo   the cseq of the user message the reply answers
 * @param nodeId    the node that stored the message and produces the reply
 * @param expiresAt when the lease lapses unless renewed
 */
public record ReplyLease(long replyTo, String nodeId, Instant expiresAt) {

    public ReplyLease {
        Objects.requireNonNull(nodeId, "nodeId");
        Objects.requireNonNull(expiresAt, "expiresAt");
    }
}
