package dev.tether.protocol.session;

import java.time.Instant;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A snapshot of one session's metadata.
 *
 * @param sessionId   the session's id
 * @param tokenDigest the digest of its token
 * @param epoch       the incarnation of its log, from {@link #newEpoch()}; changes if the log is lost and recreated
 * @param firstSeq    the oldest retained seq; {@code lastSeq + 1} when nothing is retained
 * @param lastSeq     the highest seq appended, 0 for none
 * @param ackedCseq   the highest client cseq stored, 0 for none
 * @param generation  the connection generation; bumped by every attach
 * @param connected   whether a connection is attached
 * @param ownerNode   the node that attached last
 * @param createdAt   when the session was created
 * @param lastSeenAt  when a connection last attached or detached
 * @param user        the user it belongs to (the {@code sub} of the token it was created with), or {@code null} when
 *                    it belongs to nobody (a gateway that authenticates nobody)
 */
public record SessionRecord(String sessionId, byte[] tokenDigest, long epoch, long firstSeq, long lastSeq,
                            long ackedCseq, long generation, boolean connected, String ownerNode,
                            Instant createdAt, Instant lastSeenAt, String user) {

    /** Whether the session belongs to {@code user}; a session of nobody belongs only to nobody ({@code null}). */
    public boolean belongsTo(String user) {
        return java.util.Objects.equals(this.user, user);
    }

    /** Epochs stay below this, 2^53, so that JavaScript clients read them exactly. */
    public static final long MAX_EPOCH = 1L << 53;

    /** A random epoch for a new log, from 1 to {@link #MAX_EPOCH} exclusive. */
    public static long newEpoch() {
        return ThreadLocalRandom.current().nextLong(1, MAX_EPOCH);
    }

    /** Whether frame {@code afterSeq + 1} and all after it are still retained. */
    public boolean retainsAfter(long afterSeq) {
        return afterSeq >= lastSeq || afterSeq + 1 >= firstSeq;
    }

    @Override
    public String toString() {
        return "SessionRecord[sessionId=" + sessionId + ", epoch=" + epoch + ", firstSeq=" + firstSeq
                + ", lastSeq=" + lastSeq + ", ackedCseq=" + ackedCseq + ", generation=" + generation
                + ", connected=" + connected + ", ownerNode=" + ownerNode + ", user=" + user + "]";
    }
}
