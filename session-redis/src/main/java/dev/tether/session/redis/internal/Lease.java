package dev.tether.session.redis.internal;

import dev.tether.protocol.session.ReplyLease;
import java.time.Instant;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A reply's lease as stored in the session's leases hash, {@code <expiryMs>:<parts>:<lastSeq>:<continued>:<cancel>:
 * <node>}: when it lapses, how many parts of the reply are stored and the seq of the last one, how many times the
 * reply was taken over from a dead node, whether a cancel was requested (0 or 1), and who produces it. The scripts
 * read and write it with one pair of helpers ({@code lease_parse}, {@code lease_format}); a node id may itself contain
 * {@code :}, so it comes last. A lease in the earlier form, {@code <expiryMs>:<parts>:<lastSeq>:<node>}, reads as
 * never taken over nor cancelled. The lease on handling a client event has the same form, with no parts, no last seq,
 * no continuation and no cancel ({@link EventScripts}).
 *
 * @param expiresAt       when the lease lapses unless renewed, to the millisecond
 * @param parts           how many parts of the reply are stored
 * @param lastSeq         the seq of the last part stored, 0 for none
 * @param continued       how many times the reply was taken over
 * @param cancelRequested whether a client asked to cancel the reply
 * @param nodeId          the node producing the reply
 */
public record Lease(Instant expiresAt, long parts, long lastSeq, int continued, boolean cancelRequested,
                    String nodeId) {

    private static final Pattern CURRENT = Pattern.compile("^(\\d+):(\\d+):(\\d+):(\\d+):([01]):(.*)$",
            Pattern.DOTALL);
    private static final Pattern EARLIER = Pattern.compile("^(\\d+):(\\d+):(\\d+):(.*)$", Pattern.DOTALL);

    /** A lease never taken over nor cancelled. */
    public Lease(Instant expiresAt, long parts, long lastSeq, String nodeId) {
        this(expiresAt, parts, lastSeq, 0, false, nodeId);
    }

    /** Reads the stored form. */
    public static Lease parse(String stored) {
        Matcher current = CURRENT.matcher(stored);
        if (current.matches()) {
            return new Lease(Instant.ofEpochMilli(Long.parseLong(current.group(1))), Long.parseLong(current.group(2)),
                    Long.parseLong(current.group(3)), Integer.parseInt(current.group(4)), current.group(5).equals("1"),
                    current.group(6));
        }
        Matcher earlier = EARLIER.matcher(stored);
        if (earlier.matches()) {
            return new Lease(Instant.ofEpochMilli(Long.parseLong(earlier.group(1))), Long.parseLong(earlier.group(2)),
                    Long.parseLong(earlier.group(3)), earlier.group(4));
        }
        throw new IllegalArgumentException("not a lease: " + stored);
    }

    /** The lease as the store's API tells it, for the reply to {@code replyTo}. */
    public ReplyLease toReplyLease(long replyTo) {
        return new ReplyLease(replyTo, nodeId, expiresAt);
    }

    /** The stored form, as the scripts' {@code lease_format} writes it. */
    @Override
    public String toString() {
        return expiresAt.toEpochMilli() + ":" + parts + ":" + lastSeq + ":" + continued + ":"
                + (cancelRequested ? 1 : 0) + ":" + nodeId;
    }
}
