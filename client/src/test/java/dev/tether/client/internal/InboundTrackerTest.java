package dev.tether.client.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tether.client.internal.InboundTracker.Verdict;
import org.junit.jupiter.api.Test;

class InboundTrackerTest {

    @Test
    void acceptsTheNextDropsDuplicatesAndFlagsGaps() {
        InboundTracker tracker = new InboundTracker(0);
        assertThat(tracker.classify(1)).isEqualTo(Verdict.NEXT);
        tracker.delivered(1);
        assertThat(tracker.classify(1)).isEqualTo(Verdict.DUPLICATE);
        assertThat(tracker.classify(3)).isEqualTo(Verdict.GAP);
        assertThat(tracker.expected()).isEqualTo(2);
        assertThat(tracker.classify(2)).isEqualTo(Verdict.NEXT);
        tracker.delivered(2);
        assertThat(tracker.lastSeq()).isEqualTo(2);
    }

    @Test
    void resumesFromASavedLastSeq() {
        InboundTracker tracker = new InboundTracker(41);
        assertThat(tracker.classify(41)).isEqualTo(Verdict.DUPLICATE);
        assertThat(tracker.classify(42)).isEqualTo(Verdict.NEXT);
    }

    @Test
    void countsWhatIsOwedAnAck() {
        InboundTracker tracker = new InboundTracker(0);
        assertThat(tracker.ackDue()).isFalse();
        tracker.delivered(1);
        tracker.delivered(2);
        assertThat(tracker.unacknowledged()).isEqualTo(2);
        assertThat(tracker.takeAck()).isEqualTo(2);
        assertThat(tracker.ackDue()).isFalse();

        tracker.classify(2);
        assertThat(tracker.ackDue()).as("a duplicate is answered with an ack").isTrue();
        assertThat(tracker.takeAck()).isEqualTo(2);
    }

    @Test
    void helloAcknowledgesAndANewSessionStartsAtZero() {
        InboundTracker tracker = new InboundTracker(0);
        tracker.delivered(1);
        tracker.helloSent();
        assertThat(tracker.ackDue()).isFalse();

        tracker.reset();
        assertThat(tracker.lastSeq()).isZero();
        assertThat(tracker.classify(1)).isEqualTo(Verdict.NEXT);
    }
}
