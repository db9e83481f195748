package dev.tether.client.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tether.client.OutboxFullException;
import dev.tether.client.TetherClientOptions;
import dev.tether.protocol.ClientMessage;
import dev.tether.protocol.UserMessage;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Sinks;
import reactor.test.StepVerifier;

class OutboxTest {

    private static ClientMessage offer(Outbox outbox, String text) {
        return outbox.offer(cseq -> new UserMessage(cseq, text), Sinks.one());
    }

    private static List<Long> cseqs(Outbox outbox) {
        return outbox.unacked().stream().map(ClientMessage::cseq).toList();
    }

    @Test
    void numbersFromOneAndGrowsByOne() {
        Outbox outbox = new Outbox(10, TetherClientOptions.DEFAULT_MAX_FRAME_BYTES, true);
        assertThat(offer(outbox, "a").cseq()).isEqualTo(1);
        assertThat(offer(outbox, "b").cseq()).isEqualTo(2);
        assertThat(offer(outbox, "c").cseq()).isEqualTo(3);
        assertThat(cseqs(outbox)).containsExactly(1L, 2L, 3L);
    }

    @Test
    void overflowIsAnErrorNeverADrop() {
        Outbox outbox = new Outbox(2, TetherClientOptions.DEFAULT_MAX_FRAME_BYTES, true);
        offer(outbox, "a");
        offer(outbox, "b");
        assertThatThrownBy(() -> offer(outbox, "c"))
                .isInstanceOfSatisfying(OutboxFullException.class, full -> {
                    assertThat(full.capacity()).isEqualTo(2);
                    assertThat(full.isRetryable()).isTrue();
                })
                .hasMessageContaining("2 messages");
        assertThat(cseqs(outbox)).containsExactly(1L, 2L);

        outbox.ack(1);
        assertThat(offer(outbox, "c").cseq()).isEqualTo(3);
    }

    @Test
    void cumulativeAckCompletesEachSendWithItsCseq() {
        Outbox outbox = new Outbox(10, TetherClientOptions.DEFAULT_MAX_FRAME_BYTES, true);
        Sinks.One<Long> first = Sinks.one();
        Sinks.One<Long> second = Sinks.one();
        outbox.offer(cseq -> new UserMessage(cseq, "a"), first);
        outbox.offer(cseq -> new UserMessage(cseq, "b"), second);
        offer(outbox, "c");

        List<Outbox.Entry> done = outbox.ack(2);
        done.forEach(Outbox.Entry::complete);

        StepVerifier.create(first.asMono()).expectNext(1L).expectComplete().verify(Duration.ofSeconds(1));
        StepVerifier.create(second.asMono()).expectNext(2L).expectComplete().verify(Duration.ofSeconds(1));
        assertThat(cseqs(outbox)).containsExactly(3L);
        assertThat(outbox.ack(1)).isEmpty();
        assertThat(outbox.ackedCseq()).isEqualTo(2);
    }

    @Test
    void renumberingMovesPendingMessagesToANewSession() {
        Outbox outbox = new Outbox(10, TetherClientOptions.DEFAULT_MAX_FRAME_BYTES, true);
        offer(outbox, "a");
        offer(outbox, "b");
        offer(outbox, "c");
        outbox.ack(1);

        outbox.renumber(1);

        assertThat(outbox.unacked()).containsExactly(new UserMessage(1, "b"), new UserMessage(2, "c"));
        assertThat(offer(outbox, "d").cseq()).isEqualTo(3);
    }

    @Test
    void aResumeFromAnotherProcessLearnsTheNumberingFromWelcome() {
        Outbox outbox = new Outbox(10, TetherClientOptions.DEFAULT_MAX_FRAME_BYTES, false);
        offer(outbox, "a");
        offer(outbox, "b");

        assertThat(outbox.resumed(41)).isEmpty();

        assertThat(outbox.unacked()).containsExactly(new UserMessage(42, "a"), new UserMessage(43, "b"));
        assertThat(offer(outbox, "c").cseq()).isEqualTo(44);
    }

    @Test
    void aResumeWithKnownNumberingAcksWhatTheGatewayStored() {
        Outbox outbox = new Outbox(10, TetherClientOptions.DEFAULT_MAX_FRAME_BYTES, true);
        offer(outbox, "a");
        offer(outbox, "b");
        offer(outbox, "c");

        assertThat(outbox.resumed(2)).extracting(entry -> entry.message().cseq()).containsExactly(1L, 2L);
        assertThat(cseqs(outbox)).containsExactly(3L);
    }

    @Test
    void anAckAheadOfTheLocalNumberingIsNeverReused() {
        Outbox outbox = new Outbox(10, TetherClientOptions.DEFAULT_MAX_FRAME_BYTES, true);
        offer(outbox, "a");
        outbox.ack(5);
        assertThat(offer(outbox, "b").cseq()).isEqualTo(6);
    }
}
