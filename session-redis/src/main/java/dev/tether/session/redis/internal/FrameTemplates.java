package dev.tether.session.redis.internal;

import dev.tether.protocol.AssistantDone;
import dev.tether.protocol.DoneReason;
import dev.tether.protocol.FrameCodec;
import dev.tether.protocol.Sequenced;
import java.util.List;

/**
 * Frames as JSON with holes for the values only a script knows: the seq it assigns, and the replyTo of a reply it
 * ends. The script puts the value between the parts.
 */
public final class FrameTemplates {

    private static final String SEQ_MARKER = "\"seq\":0,";
    private static final String REPLY_TO_MARKER = "\"replyTo\":0,";

    private final FrameCodec codec;
    private final List<String> interruptedDone;

    public FrameTemplates(FrameCodec codec) {
        this.codec = codec;
        String[] seq = split(codec.encode(new AssistantDone(0, 0, DoneReason.INTERRUPTED)), SEQ_MARKER);
        String[] replyTo = split(seq[1], REPLY_TO_MARKER);
        this.interruptedDone = List.of(seq[0], replyTo[0], replyTo[1]);
    }

    /** {@code frame}'s JSON before and after its seq. */
    public String[] aroundSeq(Sequenced frame) {
        return split(codec.encode(frame.withSeq(Sequenced.UNASSIGNED)), SEQ_MARKER);
    }

    /** An {@code assistant_done{interrupted}}'s JSON before its seq, between the seq and the replyTo, and after. */
    public List<String> interruptedDone() {
        return interruptedDone;
    }

    /**
     * Splits encoded JSON around the value of the field {@code marker} names ({@code "name":0,}), keeping the
     * quotes, colon and comma on their sides.
     */
    private static String[] split(String json, String marker) {
        int at = json.indexOf(marker);
        if (at < 0) {
            throw new IllegalStateException("no " + marker + " in " + json);
        }
        return new String[] {json.substring(0, at + marker.length() - 2), json.substring(at + marker.length() - 1)};
    }
}
