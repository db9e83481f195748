package dev.tether.protocol.session;

/**
 * What became of a client message given to {@link SessionStore#appendClient}.
 *
 * @param outcome   stored, duplicate or out of order
 * @param ackedCseq the highest cseq stored after the call; acknowledge this to the client
 */
public record ClientAppend(Outcome outcome, long ackedCseq) {

    /** The three ways an append can go. */
    public enum Outcome {
        /** Stored now. */
        STORED,
        /** Stored before; not stored again. */
        DUPLICATE,
        /** Its cseq skips ahead of {@code ackedCseq + 1}; not stored. */
        OUT_OF_ORDER
    }
}
