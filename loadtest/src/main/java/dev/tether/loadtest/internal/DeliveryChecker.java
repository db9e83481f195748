package dev.tether.loadtest.internal;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tether.protocol.AssistantDelta;
import dev.tether.protocol.AssistantDone;
import dev.tether.protocol.DoneReason;
import dev.tether.protocol.ResumeFailure;
import dev.tether.protocol.Sequenced;
import dev.tether.protocol.ServerEvent;
import java.util.Arrays;
import java.util.BitSet;
import java.util.HashMap;
import java.util.Map;

/**
 * Checks one virtual client's traffic end to end, independently of the client's own guarantees: every frame the
 * application sees from {@code messages()} once and in seq order with no gap; every user message acknowledged with
 * its own cseq and answered exactly once by an echo whose deltas concatenate to the sent text; every event whose seq
 * the publish API returned received by the client.
 *
 * <p>User message {@code k} of client {@code c} has the text {@link #text(int, int)}, so a reply names the message it
 * answers and nothing has to be kept per message but a send time and a cseq. A client whose resume failed starts a
 * new session; what the old one still owed it counts as lost with the session.
 *
 * <p>Thread-safe: the client's callbacks, the driver and the producer call in from different threads.
 */
final class DeliveryChecker {

    private static final long NONE = 0;

    private final int client;
    private final Problems problems;

    // The current session's frames.
    private String sessionId;
    private BitSet received = new BitSet();
    private long maxSeq;
    private BitSet published = new BitSet();
    private long eventsPending;
    private final Map<Long, StringBuilder> partial = new HashMap<>(2);
    // Per reply in progress: when its last part arrived, and the longest pause between two of its parts so far.
    private final Map<Long, long[]> pauses = new HashMap<>(2);
    // The longest pause of the reply that just ended continued after its node died, or -1.
    private long continuePause = -1;
    // Every event's `n` (the producer numbers each client's pushes), across sessions: a retried push stored twice
    // shows up as the same n under two seqs.
    private final BitSet eventNumbers = new BitSet();
    private BitSet endedReplies = new BitSet();

    // User messages, by the harness's own index k.
    private int sent;
    private long[] sentAt = new long[4];
    private long[] cseqOf = new long[4];
    private final BitSet failed = new BitSet();
    private final BitSet answered = new BitSet();
    private final BitSet abandoned = new BitSet();
    private BitSet ackedCseqs = new BitSet();
    private long acked;
    private long awaitingReplies;
    // Acknowledged, unanswered messages by cseq: a reply cut short (failed, interrupted) cannot name its message.
    private final Map<Long, Integer> unansweredByCseq = new HashMap<>(4);
    // Replies cut short before their message's ack arrived, by cseq: a message whose first store call timed out but
    // ran is answered before the client's resend is acknowledged. Matched when the ack comes.
    private final Map<Long, String> endedBeforeAck = new HashMap<>(2);

    private final Tally tally = new Tally();

    DeliveryChecker(int client, Problems problems) {
        this.client = client;
        this.problems = problems;
        tally.clients = 1;
    }

    /** The text of user message {@code k} of client {@code client}: four words, so four deltas. */
    static String text(int client, int k) {
        return "c" + client + " m" + k + " hello tether";
    }

    /** The message index named by an echoed text, or -1. */
    static int messageIndex(String text) {
        int start = text.indexOf(" m");
        if (start < 0) {
            return -1;
        }
        int end = text.indexOf(' ', start + 2);
        try {
            return Integer.parseInt(end < 0 ? text.substring(start + 2) : text.substring(start + 2, end));
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    // ---------------------------------------------------------------------------------------------- sessions

    /**
     * The client is connected to {@code id}. A different id than before means the old session was lost: what it
     * still owed counts as lost.
     */
    synchronized void session(String id) {
        if (sessionId != null && !sessionId.equals(id)) {
            tally.sessionsLost++;
            long missing = maxSeq - received.cardinality();
            tally.framesLost += missing;
            tally.eventsLost += eventsPending;
            for (int k = 0; k < sent; k++) {
                if (cseqOf[k] != NONE && !answered.get(k) && !abandoned.get(k)) {
                    abandoned.set(k);
                    tally.repliesLostWithSession++;
                }
            }
            problems.report("client " + client + ": session " + sessionId + " lost (" + missing + " frames, "
                    + eventsPending + " events not received); new session " + id);
            received = new BitSet();
            published = new BitSet();
            ackedCseqs = new BitSet();
            endedReplies = new BitSet();
            maxSeq = 0;
            eventsPending = 0;
            awaitingReplies = 0;
            unansweredByCseq.clear();
            endedBeforeAck.clear();
            partial.clear();
        }
        sessionId = id;
    }

    synchronized void resumed(long framesReplayed) {
        tally.resumesSucceeded++;
        tally.framesReplayed += framesReplayed;
    }

    synchronized void resumeFailed(ResumeFailure reason) {
        tally.resumeFailures.merge(reason, 1L, Long::sum);
    }

    /** The highest seq delivered in the current session. */
    synchronized long maxSeq() {
        return maxSeq;
    }

    // ---------------------------------------------------------------------------------------------- sending

    /** Registers the next user message, sent at {@code now} (nanos); returns its index. */
    synchronized int nextMessage(long now) {
        int k = sent++;
        if (k == sentAt.length) {
            sentAt = Arrays.copyOf(sentAt, k * 2);
            cseqOf = Arrays.copyOf(cseqOf, k * 2);
        }
        sentAt[k] = now;
        tally.messagesSent++;
        return k;
    }

    /** The gateway stored message {@code k} as {@code cseq}. */
    synchronized void acked(int k, long cseq) {
        if (cseqOf[k] != NONE) {
            problems.report("client " + client + ": message " + k + " acknowledged twice");
            return;
        }
        cseqOf[k] = cseq;
        acked++;
        if (cseq >= 1 && cseq <= Integer.MAX_VALUE) {
            if (ackedCseqs.get((int) cseq)) {
                tally.cseqsReused++;
                problems.report("client " + client + ": cseq " + cseq + " given to two messages");
            }
            ackedCseqs.set((int) cseq);
        }
        tally.messagesAcked++;
        if (endedBeforeAck.remove(cseq) != null && !answered.get(k)) {
            answered.set(k);
        }
        if (!answered.get(k)) {
            awaitingReplies++;
            unansweredByCseq.put(cseq, k);
        }
    }

    synchronized void sendFailed(int k, Throwable error) {
        failed.set(k);
        tally.messagesFailed++;
        problems.report("client " + client + ": send of message " + k + " failed: " + error);
    }

    // ---------------------------------------------------------------------------------------------- receiving

    /**
     * A frame the application received at {@code now} (nanos). Returns the round trip of the user message it
     * completes, in nanos, or -1.
     */
    synchronized long frame(Sequenced frame, long now) {
        long seq = frame.seq();
        tally.framesReceived++;
        if (seq < 1 || seq > Integer.MAX_VALUE) {
            problems.report("client " + client + ": frame with seq " + seq);
            tally.framesOutOfOrder++;
            return -1;
        }
        int s = (int) seq;
        if (received.get(s)) {
            tally.framesDuplicated++;
            problems.report("client " + client + ": duplicate frame seq " + seq + " (" + frame.type() + ")");
            return -1;
        }
        if (seq < maxSeq) {
            tally.framesOutOfOrder++;
            problems.report("client " + client + ": frame seq " + seq + " after seq " + maxSeq);
        }
        received.set(s);
        maxSeq = Math.max(maxSeq, seq);
        if (published.get(s)) {
            eventsPending--;
        }
        return switch (frame) {
            case AssistantDelta delta -> {
                partial.computeIfAbsent(delta.replyTo(), r -> new StringBuilder(32)).append(delta.text());
                long[] pause = pauses.get(delta.replyTo());
                if (pause == null) {
                    pauses.put(delta.replyTo(), new long[] {now, 0});
                } else {
                    pause[1] = Math.max(pause[1], now - pause[0]);
                    pause[0] = now;
                }
                yield -1;
            }
            case AssistantDone done -> done(done, now);
            case ServerEvent event -> {
                tally.eventsReceived++;
                event(event);
                yield -1;
            }
        };
    }

    /**
     * The longest pause between two parts of the reply whose end was the frame just checked, if it was continued on
     * another node after its own died (the time the person waited for it to go on); else -1. Read once.
     */
    synchronized long takeContinuePause() {
        long pause = continuePause;
        continuePause = -1;
        return pause;
    }

    private long done(AssistantDone done, long now) {
        long[] pause = pauses.remove(done.replyTo());
        if (done.continued() > 0) {
            tally.repliesContinued++;
            continuePause = pause == null ? 0 : Math.max(pause[1], now - pause[0]);
        }
        StringBuilder builder = partial.remove(done.replyTo());
        String text = builder == null ? "" : builder.toString();
        if (done.replyTo() >= 1 && done.replyTo() <= Integer.MAX_VALUE) {
            if (endedReplies.get((int) done.replyTo())) {
                tally.repliesEndedTwice++;
                problems.report("client " + client + ": reply to cseq " + done.replyTo() + " ended twice, again "
                        + done.reason().wireName() + " at seq " + done.seq());
                return -1;
            }
            endedReplies.set((int) done.replyTo());
        }
        tally.repliesEnded.merge(done.reason(), 1L, Long::sum);
        int k = messageIndex(text);
        if (done.reason() != DoneReason.COMPLETE && (k < 0 || k >= sent)) {
            k = unansweredByCseq.getOrDefault(done.replyTo(), -1);
        }
        if ((k < 0 || k >= sent) && done.reason() != DoneReason.COMPLETE && !ackedCseqs.get((int) done.replyTo())) {
            endedBeforeAck.put(done.replyTo(), text);
            return -1;
        }
        if (k < 0 || k >= sent) {
            tally.repliesUnexpected++;
            problems.report("client " + client + ": reply to cseq " + done.replyTo() + " answers no message sent: '"
                    + text + "'");
            return -1;
        }
        if (answered.get(k)) {
            tally.repliesDuplicated++;
            problems.report("client " + client + ": message " + k + " answered twice (cseq " + done.replyTo() + ")");
            return -1;
        }
        answered.set(k);
        if (cseqOf[k] != NONE) {
            unansweredByCseq.remove(cseqOf[k]);
            awaitingReplies--;
            if (cseqOf[k] != done.replyTo()) {
                tally.repliesMismatched++;
                problems.report("client " + client + ": message " + k + " was stored as cseq " + cseqOf[k]
                        + " but answered as cseq " + done.replyTo());
            }
        }
        if (done.reason() == DoneReason.COMPLETE) {
            tally.repliesComplete++;
            if (!text.equals(text(client, k))) {
                tally.repliesCorrupt++;
                problems.report("client " + client + ": reply to message " + k + " was '" + text + "', sent '"
                        + text(client, k) + "'");
            }
        }
        return now - sentAt[k];
    }

    private void event(ServerEvent event) {
        JsonNode n = event.data() == null ? null : event.data().get("n");
        if (n == null || !n.canConvertToInt() || n.asInt() < 0) {
            return;
        }
        if (eventNumbers.get(n.asInt())) {
            tally.eventsDuplicated++;
            problems.report("client " + client + ": event " + n.asInt() + " received twice, again at seq "
                    + event.seq());
        }
        eventNumbers.set(n.asInt());
    }

    /** The publish API returned {@code seq} for an event pushed to session {@code id}. */
    synchronized void published(String id, long seq) {
        tally.eventsPublished++;
        if (sessionId != null && !sessionId.equals(id)) {
            // Published to a session the client has already lost.
            tally.eventsLost++;
            problems.report("client " + client + ": event seq " + seq + " published to lost session " + id);
            return;
        }
        if (seq < 1 || seq > Integer.MAX_VALUE) {
            return;
        }
        int s = (int) seq;
        if (published.get(s)) {
            problems.report("client " + client + ": the publish API returned seq " + seq + " twice");
            return;
        }
        published.set(s);
        if (!received.get(s)) {
            eventsPending++;
        }
    }

    // ---------------------------------------------------------------------------------------------- verdict

    /** Whether nothing is outstanding: every send answered or failed, every published event received. */
    synchronized boolean caughtUp() {
        return sent - acked - failed.cardinality() <= 0 && awaitingReplies <= 0 && eventsPending <= 0;
    }

    /** Sends not yet acknowledged (nor failed). */
    synchronized long unacked() {
        return sent - acked - failed.cardinality();
    }

    /** What is still owed becomes lost; returns the client's tally. Call once, at the end. */
    synchronized Tally finish() {
        endedBeforeAck.forEach((cseq, text) -> {
            tally.repliesUnexpected++;
            problems.report("client " + client + ": reply to cseq " + cseq + " answers no message sent: '" + text
                    + "'");
        });
        long missing = maxSeq - received.cardinality();
        if (missing > 0) {
            tally.framesLost += missing;
            problems.report("client " + client + ": " + missing + " seqs below " + maxSeq + " never received");
        }
        if (eventsPending > 0) {
            tally.eventsLost += eventsPending;
            problems.report("client " + client + ": " + eventsPending + " published events never received");
        }
        for (int k = 0; k < sent; k++) {
            if (failed.get(k) || abandoned.get(k)) {
                continue;
            }
            if (cseqOf[k] == NONE) {
                tally.messagesUnacked++;
                problems.report("client " + client + ": message " + k + " never acknowledged");
            } else if (!answered.get(k)) {
                tally.repliesMissing++;
                problems.report("client " + client + ": message " + k + " (cseq " + cseqOf[k] + ") never answered");
            }
        }
        return tally;
    }
}
