package dev.tether.gateway.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tether.gateway.ConversationHandler;
import dev.tether.gateway.ConversationHandlers;
import dev.tether.gateway.InMemorySessionStore;
import dev.tether.gateway.ReplyOptions;
import dev.tether.gateway.ReplyPart;
import dev.tether.gateway.testing.MutableClock;
import dev.tether.protocol.AssistantDelta;
import dev.tether.protocol.AssistantDone;
import dev.tether.protocol.DoneReason;
import dev.tether.protocol.FrameCodec;
import dev.tether.protocol.Sequenced;
import dev.tether.protocol.UserMessage;
import dev.tether.protocol.session.SessionTokens;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.test.scheduler.VirtualTimeScheduler;

/**
 * Replies taken over from a dead node, on virtual time, between two nodes' {@link Replies} sharing one in-memory
 * store: the reply goes on from where it stopped, ends once, counts its continuations, and its former producer, if it
 * was only slow, writes nothing more.
 */
class TakeOverTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(5);
    private static final Duration WORD = Duration.ofMillis(100);
    private static final String TEXT = "one two three four five six seven eight";

    // Installed for Schedulers.parallel() too, on which the echo handler pauses between words.
    private final VirtualTimeScheduler time = VirtualTimeScheduler.getOrSet(true);
    private final MutableClock clock = MutableClock.atEpochStart();
    private final InMemorySessionStore store = InMemorySessionStore.builder().clock(clock).scheduler(time).build();
    private final GatewayMetrics metrics = new GatewayMetrics("test");

    @AfterEach
    void close() {
        metrics.close();
        store.close();
        VirtualTimeScheduler.reset();
    }

    private Replies node(String nodeId, ConversationHandler handler, int maxContinuations) {
        return new Replies(store, handler, new FrameCodec(), nodeId,
                ReplyOptions.builder().maxContinuations(maxContinuations).build(), time, metrics);
    }

    private Replies node(String nodeId) {
        return node(nodeId, ConversationHandlers.echo(WORD), ReplyOptions.DEFAULT_MAX_CONTINUATIONS);
    }

    private String session() {
        String id = SessionTokens.newSessionId();
        store.create(id, SessionTokens.digest(SessionTokens.newToken()), "a").block(TIMEOUT);
        return id;
    }

    private UserMessage ask(String sessionId, String nodeId) {
        UserMessage message = new UserMessage(1, TEXT);
        store.appendClient(sessionId, message, nodeId, ReplyOptions.DEFAULT_LEASE).block(TIMEOUT);
        return message;
    }

    private List<Sequenced> log(String sessionId) {
        return store.read(sessionId, 0).collectList().block(TIMEOUT);
    }

    private static String text(List<Sequenced> log) {
        StringBuilder text = new StringBuilder();
        log.forEach(frame -> {
            if (frame instanceof AssistantDelta delta) {
                text.append(delta.text());
            }
        });
        return text.toString();
    }

    private static List<AssistantDone> dones(List<Sequenced> log) {
        return log.stream().filter(AssistantDone.class::isInstance).map(AssistantDone.class::cast).toList();
    }

    @Test
    void aReplyTakenOverGoesOnFromTheNextWordAndEndsOnceCountingTheContinuation() {
        String id = session();
        Replies a = node("a");
        Replies b = node("b");
        a.start(id, ask(id, "a"));
        time.advanceTimeBy(WORD.multipliedBy(3));
        a.dispose();
        assertThat(text(log(id))).isEqualTo("one two three");

        b.takeOver(id, Set.of("a")).block(TIMEOUT);
        time.advanceTimeBy(Duration.ofSeconds(5));

        List<Sequenced> log = log(id);
        assertThat(text(log)).as("every word once, none lost at the seam").isEqualTo(TEXT);
        assertThat(dones(log)).containsExactly(new AssistantDone(log.size(), 1, DoneReason.COMPLETE, null, null, 1));
        b.dispose();
    }

    @Test
    void aSlowFormerProducerIsFencedOutAndWritesNothingMore() {
        String id = session();
        Replies a = node("a");
        Replies b = node("b");
        a.start(id, ask(id, "a"));
        time.advanceTimeBy(WORD.multipliedBy(2));

        // a only looked dead: it goes on producing while b takes its reply over.
        b.takeOver(id, Set.of("a")).block(TIMEOUT);
        time.advanceTimeBy(Duration.ofSeconds(5));

        List<Sequenced> log = log(id);
        assertThat(text(log)).isEqualTo(TEXT);
        assertThat(dones(log)).hasSize(1).first().extracting(AssistantDone::reason, AssistantDone::continued)
                .containsExactly(DoneReason.COMPLETE, 1);
        assertThat(a.size()).as("a stopped").isZero();
        a.dispose();
        b.dispose();
    }

    @Test
    void aReplyContinuedTooOftenOrByAHandlerThatCannotContinueEndsInterrupted() {
        String id = session();
        Replies a = node("a");
        a.start(id, ask(id, "a"));
        time.advanceTimeBy(WORD.multipliedBy(2));
        a.dispose();

        Replies b = node("b");
        b.takeOver(id, Set.of("a")).block(TIMEOUT);
        time.advanceTimeBy(WORD.multipliedBy(2));
        b.dispose();
        ConversationHandler once = (context, message) -> Flux.just(ReplyPart.text("never"));
        Replies c = node("c", once, 2);
        c.takeOver(id, Set.of("b")).block(TIMEOUT);
        time.advanceTimeBy(Duration.ofSeconds(5));

        List<Sequenced> log = log(id);
        assertThat(text(log)).as("cut where b stopped").isEqualTo("one two three four");
        assertThat(dones(log)).containsExactly(new AssistantDone(log.size(), 1, DoneReason.INTERRUPTED, null, null,
                2));

        String other = session();
        Replies d = node("d");
        d.start(other, ask(other, "d"));
        time.advanceTimeBy(WORD);
        d.dispose();
        Replies e = node("e", ConversationHandlers.echo(WORD), 0);
        e.takeOver(other, Set.of("d")).block(TIMEOUT);
        time.advanceTimeBy(Duration.ofSeconds(5));
        assertThat(dones(log(other))).as("no continuation allowed").extracting(AssistantDone::reason,
                AssistantDone::continued).containsExactly(org.assertj.core.groups.Tuple.tuple(
                        DoneReason.INTERRUPTED, 1));
        c.dispose();
        e.dispose();
    }

    @Test
    void aCancelRequestedWhileTheProducerWasDeadEndsTheReplyCancelledOnce() {
        String id = session();
        Replies a = node("a");
        a.start(id, ask(id, "a"));
        time.advanceTimeBy(WORD.multipliedBy(2));
        a.dispose();

        Replies b = node("b");
        // The client's cancel reached b while the lease still named a, which no longer hears anything.
        b.cancel(id, 1);
        b.takeOver(id, Set.of("a")).block(TIMEOUT);
        time.advanceTimeBy(Duration.ofSeconds(5));

        List<Sequenced> log = log(id);
        assertThat(text(log)).isEqualTo("one two");
        assertThat(dones(log)).containsExactly(new AssistantDone(log.size(), 1, DoneReason.CANCELLED, null, null, 1));
        b.dispose();
    }

    @Test
    void aNodeServingTheSessionTakesOverTheRepliesOfNodesWhoseRecordLapsed() {
        String id = session();
        Replies a = node("a");
        store.heartbeatNode("a", Duration.ofSeconds(3)).block(TIMEOUT);
        a.start(id, ask(id, "a"));
        time.advanceTimeBy(WORD.multipliedBy(2));
        a.dispose();
        Replies b = node("b");

        b.takeOverFromDead(id).block(TIMEOUT);
        assertThat(store.findReplyLease(id, 1).block(TIMEOUT).nodeId()).as("a is alive still").isEqualTo("a");

        clock.advance(Duration.ofSeconds(3));
        b.takeOverFromDead(id).block(TIMEOUT);
        time.advanceTimeBy(Duration.ofSeconds(5));

        assertThat(text(log(id))).isEqualTo(TEXT);
        assertThat(dones(log(id))).extracting(AssistantDone::continued).containsExactly(1);
        b.dispose();
    }
}
