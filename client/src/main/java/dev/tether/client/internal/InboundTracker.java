package dev.tether.client.internal;

/**
 * Tracks the server's sequenced frames: which one comes next, which are duplicates, and what to acknowledge.
 *
 * <p>Not thread-safe: the client guards it with its lock.
 */
final class InboundTracker {

    /** What to do with a received seq. */
    enum Verdict {
        /** The next frame: deliver it, then {@link #delivered(long)}. */
        NEXT,
        /** Already delivered: drop it. */
        DUPLICATE,
        /** Skips ahead: the stream is broken, resume. */
        GAP
    }

    private long lastSeq;
    private long ackedSeq;
    private boolean reack;

    InboundTracker(long lastSeq) {
        this.lastSeq = lastSeq;
        this.ackedSeq = lastSeq;
    }

    Verdict classify(long seq) {
        if (seq <= lastSeq) {
            // The gateway resends only what it believes unacknowledged: tell it again how far we are.
            reack = true;
            return Verdict.DUPLICATE;
        }
        return seq == lastSeq + 1 ? Verdict.NEXT : Verdict.GAP;
    }

    void delivered(long seq) {
        lastSeq = seq;
    }

    /** A new connection sent hello with lastSeq, which acknowledges everything up to it. */
    void helloSent() {
        ackedSeq = lastSeq;
        reack = false;
    }

    /** A new session starts from seq 0. */
    void reset() {
        lastSeq = 0;
        ackedSeq = 0;
        reack = false;
    }

    /** Frames delivered but not acknowledged yet. */
    long unacknowledged() {
        return lastSeq - ackedSeq;
    }

    /** Whether an ack is owed: frames delivered since the last one, or a duplicate to answer. */
    boolean ackDue() {
        return lastSeq > ackedSeq || reack;
    }

    /** Marks everything delivered as acknowledged and returns the seq to put in the ack. */
    long takeAck() {
        ackedSeq = lastSeq;
        reack = false;
        return lastSeq;
    }

    long lastSeq() {
        return lastSeq;
    }

    long expected() {
        return lastSeq + 1;
    }
}
