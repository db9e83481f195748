package dev.tether.loadtest.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tether.protocol.AssistantDelta;
import dev.tether.protocol.AssistantDone;
import dev.tether.protocol.DoneReason;
import dev.tether.protocol.ResumeFailure;
import dev.tether.protocol.ServerEvent;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import java.util.List;
import org.junit.jupiter.api.Test;

class DeliveryCheckerTest {

    private final Problems problems = new Problems();
    private final DeliveryChecker checker = new DeliveryChecker(7, problems);

    private static ServerEvent event(long seq) {
        return new ServerEvent(seq, "tick", JsonNodeFactory.instance.objectNode().put("n", seq));
    }

    /** Feeds the echo of message k as four deltas and a done, from seq {@code first}; returns the next seq. */
    private long echo(int k, long cseq, long first) {
        long seq = first;
        for (String word : List.of("c7", " m" + k, " hello", " tether")) {
            checker.frame(new AssistantDelta(seq++, cseq, word), 0);
        }
        checker.frame(new AssistantDone(seq++, cseq, DoneReason.COMPLETE), 1_000);
        return seq;
    }

    @Test
    void aCleanConversationPasses() {
        int k = checker.nextMessage(0);
        checker.acked(k, 1);
        long next = echo(k, 1, 1);
        checker.frame(event(next), 0);
        checker.published("s1", next);

        assertThat(checker.caughtUp()).isTrue();
        Tally tally = checker.finish();
        assertThat(tally.losses().values()).allMatch(v -> v == 0);
        assertThat(tally.repliesComplete).isEqualTo(1);
        assertThat(tally.eventsReceived).isEqualTo(1);
        assertThat(tally.framesReceived).isEqualTo(6);
        assertThat(problems.total()).isZero();
    }

    @Test
    void theRoundTripIsMeasuredFromTheSendToTheDone() {
        int k = checker.nextMessage(100);
        checker.acked(k, 1);
        for (long seq = 1; seq <= 4; seq++) {
            assertThat(checker.frame(new AssistantDelta(seq, 1, seq == 1 ? "c7" : seq == 2 ? " m0" : " x"), 200))
                    .isEqualTo(-1);
        }
        assertThat(checker.frame(new AssistantDone(5, 1, DoneReason.COMPLETE), 900)).isEqualTo(800);
    }

    @Test
    void aReplyContinuedAfterItsNodeDiedIsCountedWithItsLongestPause() {
        int k = checker.nextMessage(0);
        checker.acked(k, 1);
        checker.frame(new AssistantDelta(1, 1, "c7"), 100);
        checker.frame(new AssistantDelta(2, 1, " m0"), 120);
        // The node died here; the rest came from another node 3.5 s later.
        checker.frame(new AssistantDelta(3, 1, " hello"), 3_620);
        checker.frame(new AssistantDelta(4, 1, " tether"), 3_640);
        assertThat(checker.takeContinuePause()).as("not ended yet").isEqualTo(-1);
        checker.frame(new AssistantDone(5, 1, DoneReason.COMPLETE, null, null, 1), 3_650);

        assertThat(checker.takeContinuePause()).isEqualTo(3_500);
        assertThat(checker.takeContinuePause()).as("read once").isEqualTo(-1);
        Tally tally = checker.finish();
        assertThat(tally.repliesContinued).isEqualTo(1);
        assertThat(tally.repliesComplete).isEqualTo(1);
        assertThat(tally.losses().values()).allMatch(v -> v == 0);
    }

    @Test
    void aLostFrameIsReported() {
        checker.frame(event(1), 0);
        checker.frame(event(2), 0);
        checker.frame(event(4), 0);

        Tally tally = checker.finish();
        assertThat(tally.framesLost).isEqualTo(1);
        assertThat(tally.framesDuplicated).isZero();
        assertThat(tally.framesOutOfOrder).isZero();
        assertThat(problems.samples()).anyMatch(p -> p.contains("never received"));
    }

    @Test
    void aDuplicateFrameIsReported() {
        checker.frame(event(1), 0);
        checker.frame(event(2), 0);
        checker.frame(event(2), 0);

        Tally tally = checker.finish();
        assertThat(tally.framesDuplicated).isEqualTo(1);
        assertThat(tally.framesLost).isZero();
        assertThat(problems.samples()).anyMatch(p -> p.contains("duplicate frame seq 2"));
    }

    @Test
    void anOutOfOrderFrameIsReportedAndNotCountedLost() {
        checker.frame(event(1), 0);
        checker.frame(event(3), 0);
        checker.frame(event(2), 0);

        Tally tally = checker.finish();
        assertThat(tally.framesOutOfOrder).isEqualTo(1);
        assertThat(tally.framesLost).isZero();
        assertThat(tally.framesDuplicated).isZero();
    }

    @Test
    void aPublishedEventThatNeverArrivesIsLost() {
        checker.frame(event(1), 0);
        checker.published("s1", 1);
        checker.published("s1", 2);

        assertThat(checker.caughtUp()).isFalse();
        Tally tally = checker.finish();
        assertThat(tally.eventsLost).isEqualTo(1);
        assertThat(tally.eventsPublished).isEqualTo(2);
    }

    @Test
    void anEventReceivedBeforeThePublishApiAnsweredCounts() {
        checker.session("s1");
        checker.frame(event(1), 0);
        checker.published("s1", 1);

        assertThat(checker.caughtUp()).isTrue();
        assertThat(checker.finish().eventsLost).isZero();
    }

    @Test
    void aMessageNeverAcknowledgedIsLost() {
        checker.nextMessage(0);

        assertThat(checker.caughtUp()).isFalse();
        assertThat(checker.finish().messagesUnacked).isEqualTo(1);
    }

    @Test
    void aMessageAcknowledgedButNeverAnsweredIsMissing() {
        int k = checker.nextMessage(0);
        checker.acked(k, 1);

        assertThat(checker.caughtUp()).isFalse();
        assertThat(checker.finish().repliesMissing).isEqualTo(1);
    }

    @Test
    void aMessageAnsweredTwiceWasStoredTwice() {
        int k = checker.nextMessage(0);
        checker.acked(k, 1);
        long next = echo(k, 1, 1);
        echo(k, 2, next);

        Tally tally = checker.finish();
        assertThat(tally.repliesDuplicated).isEqualTo(1);
        assertThat(tally.framesDuplicated).isZero();
    }

    @Test
    void aReplyEndedAgainAfterItsDoneIsCaught() {
        int k = checker.nextMessage(0);
        checker.acked(k, 1);
        long next = echo(k, 1, 1);
        checker.frame(new AssistantDone(next, 1, DoneReason.INTERRUPTED), 0);

        Tally tally = checker.finish();
        assertThat(tally.repliesEndedTwice).isEqualTo(1);
        assertThat(tally.repliesComplete).isEqualTo(1);
        assertThat(tally.repliesUnexpected).isZero();
    }

    @Test
    void anEventPushedOnceButStoredTwiceIsCaught() {
        var data = com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode().put("n", 1);
        checker.session("s1");
        checker.published("s1", 1);
        checker.frame(new ServerEvent(1, "tick", data), 0);
        checker.frame(new ServerEvent(2, "tick", data), 0);

        Tally tally = checker.finish();
        assertThat(tally.eventsDuplicated).isEqualTo(1);
        assertThat(tally.eventsLost).isZero();
    }

    @Test
    void aReplyCutShortBeforeItsMessagesAckIsMatchedWhenTheAckComes() {
        int k = checker.nextMessage(0);
        checker.frame(new AssistantDelta(1, 1, "c7"), 0);
        checker.frame(new AssistantDone(2, 1, DoneReason.FAILED), 0);
        assertThat(checker.caughtUp()).isFalse();

        checker.acked(k, 1);

        assertThat(checker.caughtUp()).isTrue();
        Tally tally = checker.finish();
        assertThat(tally.repliesUnexpected).isZero();
        assertThat(tally.repliesMissing).isZero();
    }

    @Test
    void aReplyCutShortToAMessageNeverAcknowledgedIsUnexpected() {
        checker.frame(new AssistantDone(1, 1, DoneReason.INTERRUPTED), 0);

        assertThat(checker.finish().repliesUnexpected).isEqualTo(1);
    }

    @Test
    void aReplyWhoseDeltasDoNotAddUpIsCorrupt() {
        int k = checker.nextMessage(0);
        checker.acked(k, 1);
        checker.frame(new AssistantDelta(1, 1, "c7 m0"), 0);
        checker.frame(new AssistantDelta(2, 1, " hello"), 0);
        checker.frame(new AssistantDone(3, 1, DoneReason.COMPLETE), 0);

        assertThat(checker.finish().repliesCorrupt).isEqualTo(1);
    }

    @Test
    void aReplyToAnotherCseqThanTheAckedOneIsReported() {
        int k = checker.nextMessage(0);
        checker.acked(k, 1);
        echo(k, 2, 1);

        assertThat(checker.finish().repliesMismatched).isEqualTo(1);
    }

    @Test
    void twoMessagesWithOneCseqAreReported() {
        checker.acked(checker.nextMessage(0), 1);
        checker.acked(checker.nextMessage(0), 1);

        assertThat(checker.finish().cseqsReused).isEqualTo(1);
    }

    @Test
    void aFailedSendIsCountedAndNotAwaited() {
        int k = checker.nextMessage(0);
        checker.sendFailed(k, new IllegalStateException("outbox full"));

        assertThat(checker.caughtUp()).isTrue();
        Tally tally = checker.finish();
        assertThat(tally.messagesFailed).isEqualTo(1);
        assertThat(tally.messagesUnacked).isZero();
    }

    @Test
    void aLostSessionTakesWhatItOwedWithIt() {
        checker.session("s1");
        int k = checker.nextMessage(0);
        checker.acked(k, 1);
        checker.frame(event(1), 0);
        checker.frame(event(3), 0);
        checker.published("s1", 4);
        checker.resumeFailed(ResumeFailure.NOT_FOUND);
        checker.session("s2");
        checker.frame(event(1), 0);
        checker.published("s1", 5);

        Tally tally = checker.finish();
        assertThat(tally.sessionsLost).isEqualTo(1);
        assertThat(tally.framesLost).isEqualTo(1);
        assertThat(tally.eventsLost).isEqualTo(2);
        assertThat(tally.repliesLostWithSession).isEqualTo(1);
        assertThat(tally.repliesMissing).isZero();
        assertThat(tally.resumeFailures).containsEntry(ResumeFailure.NOT_FOUND, 1L);
    }

    @Test
    void anInterruptedReplyIsMatchedByCseqAndNotCountedMissing() {
        int k = checker.nextMessage(0);
        checker.acked(k, 1);
        checker.frame(new AssistantDelta(1, 1, "c7"), 0);
        checker.frame(new AssistantDone(2, 1, DoneReason.INTERRUPTED), 0);

        assertThat(checker.caughtUp()).isTrue();
        Tally tally = checker.finish();
        assertThat(tally.losses().values()).allMatch(v -> v == 0);
        assertThat(tally.repliesEnded).containsEntry(DoneReason.INTERRUPTED, 1L);
    }

    @Test
    void theMessageTextNamesItsIndex() {
        assertThat(DeliveryChecker.messageIndex(DeliveryChecker.text(12, 345))).isEqualTo(345);
        assertThat(DeliveryChecker.messageIndex("no index here")).isEqualTo(-1);
    }
}
