package dev.tether.protocol;

/**
 * A server frame that is written to the session log before it is sent, numbered by {@code seq}.
 *
 * <p>{@code seq} starts at 1 per session, grows by 1, never has a gap and is never reused. Producers create frames
 * with {@link #UNASSIGNED}; the session store assigns the real number on append with {@link #withSeq(long)}.
 */
public sealed interface Sequenced extends ServerFrame permits AssistantDelta, AssistantDone, ServerEvent {

    /** The seq of a frame that has not been appended to a log yet. */
    long UNASSIGNED = 0;

    /** The server sequence number; {@link #UNASSIGNED} before the frame is stored. */
    long seq();

    /** This frame numbered {@code seq}. */
    Sequenced withSeq(long seq);
}
