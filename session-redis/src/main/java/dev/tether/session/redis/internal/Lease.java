package dev.tether.session.redis.internal;

import dev.tether.protocol.session.ReplyLease;
import java.time.Instant;

/**
 * A reply's lease as stored in the session's leases hash, {@code <expiryMs>:<parts>:<lastSeq>:<node>}: when it
 * lapses, how many parts of the reply are stored and the seq of the last one, and who produces it. The scripts read
 * and write it with one pair of helpers ({@code lease_parse}, {@code lease_format}); a node id may itself contain
 * {@code :}, so it comes last. The lease on handling a client event has the same form, with no parts and no last seq
 * ({@link EventScripts}).
 *
 * @param expiresAt when the lease lapses unless renewed, to the millisecond
 * @param parts     how many parts of the reply are stored
 * @param lastSeq   the seq of the last part stored, 0 for none
 * @param nodeId    the node producing the reply
 */
public record Lease(Instant expiresAt, long parts, long lastSeq, String nodeId) {

    /** Reads the stored form. */
    public static Lease parse(String stored) {
        String[] fields = stored.split(":", 4);
        if (fields.length < 4) {
            throw new IllegalArgumentException("not a lease: " + stored);
        }
        return new Lease(Instant.ofEpochMilli(Long.parseLong(fields[0])), Long.parseLong(fields[1]),
                Long.parseLong(fields[2]), fields[3]);
    }

    /** The lease as the store's API tells it, for the reply to {@code replyTo}. */
    public ReplyLease toReplyLease(long replyTo) {
        return new ReplyLease(replyTo, nodeId, expiresAt);
    }

    /** The stored form, as the scripts' {@code lease_format} writes it. */
    @Override
    public String toString() {
        return expiresAt.toEpochMilli() + ":" + parts + ":" + lastSeq + ":" + nodeId;
    }
}
