package dev.tether.gateway.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tether.gateway.ConversationHandler;
import dev.tether.gateway.ConversationHandlers;
import dev.tether.gateway.InMemorySessionStore;
import dev.tether.gateway.ReplyFailure;
import dev.tether.gateway.ReplyPart;
import dev.tether.gateway.testing.FaultyStore;
import dev.tether.gateway.testing.MutableClock;
import dev.tether.protocol.AssistantDelta;
import dev.tether.protocol.AssistantDone;
import dev.tether.protocol.DoneReason;
import dev.tether.protocol.FrameCodec;
import dev.tether.protocol.Protocol;
import dev.tether.protocol.Sequenced;
import dev.tether.protocol.UserMessage;
import dev.tether.protocol.session.SessionLimits;
import dev.tether.protocol.session.SessionTokens;
import com.fasterxml.jackson.databind.node.TextNode;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.test.scheduler.VirtualTimeScheduler;

/**
 * Replies on virtual time, against the in-memory store behind {@link FaultyStore}: the scheduler drives the node's
 * retries and renewals, the store's clock its leases, so a test can also let a lease lapse behind a frozen node.
 */
class RepliesTest {

    private static final FrameCodec CODEC = new FrameCodec(Protocol.DEFAULT_MAX_FRAME_BYTES);
    private static final String NODE = "test-node";
    private static final Duration LEASE = Duration.ofSeconds(30);
    private static final Duration MAX_PAUSE = Duration.ofSeconds(20);
    private static final Duration TIMEOUT = Duration.ofSeconds(5);

    private final VirtualTimeScheduler time = VirtualTimeScheduler.create();
    private final MutableClock clock = MutableClock.atEpochStart();
    // History bytes for the largest reply here (about 270 KB of text), so that the test can read it all back.
    private final InMemorySessionStore memory = InMemorySessionStore.builder().clock(clock).scheduler(time)
            .limits(SessionLimits.builder().historyBytes(1024 * 1024).build()).build();
    private final FaultyStore store = new FaultyStore(memory);
    private final GatewayMetrics metrics = new GatewayMetrics(NODE);
    /** The messages the handler was asked to answer, as "session/cseq". */
    private final List<String> produced = new CopyOnWriteArrayList<>();
    private final ConversationHandler echo = ConversationHandlers.echo(Duration.ZERO);

    @AfterEach
    void close() {
        metrics.close();
        memory.close();
        time.dispose();
    }

    private Replies replies(ConversationHandler handler) {
        return new Replies(store, (context, message) -> {
            produced.add(context.sessionId() + "/" + message.cseq());
            return handler.reply(context, message);
        }, CODEC, NODE, LEASE, MAX_PAUSE, time, metrics);
    }

    private String session() {
        String id = SessionTokens.newSessionId();
        memory.create(id, SessionTokens.digest(SessionTokens.newToken()), NODE).block(TIMEOUT);
        return id;
    }

    /** Stores a user message as the connection does, which leases its reply to this node. */
    private UserMessage ask(String sessionId, long cseq, String text) {
        UserMessage message = new UserMessage(cseq, text);
        memory.appendClient(sessionId, message, NODE, LEASE).block(TIMEOUT);
        return message;
    }

    private List<Sequenced> log(String sessionId) {
        return memory.read(sessionId, 0).collectList().block(TIMEOUT);
    }

    /** What another node serving the session does when it looks for lapsed replies. */
    private List<Sequenced> endLapsedElsewhere(String sessionId) {
        return memory.endLapsedReplies(sessionId, Set.of(), "other-node", LEASE).collectList().block(TIMEOUT);
    }

    @Test
    void aHandlerTextTooLargeForOneFrameIsCutIntoDeltasThatEachFit() {
        // About 270 KB of quotes, two- and four-byte characters: escapes and surrogate pairs at every cut.
        String text = "\"é🚀".repeat(30_000);
        Replies replies = replies((context, message) -> Flux.just(ReplyPart.text(text), ReplyPart.text("!")));
        String id = session();

        replies.start(id, ask(id, 1, "go"));
        time.advanceTimeBy(Duration.ofSeconds(1));

        List<Sequenced> log = log(id);
        assertThat(log).hasSizeGreaterThan(5).last().isEqualTo(new AssistantDone(log.size(), 1, DoneReason.COMPLETE));
        StringBuilder joined = new StringBuilder();
        for (Sequenced frame : log.subList(0, log.size() - 1)) {
            assertThat(CODEC.encode(frame).getBytes(StandardCharsets.UTF_8).length)
                    .isLessThanOrEqualTo(Protocol.DEFAULT_MAX_FRAME_BYTES);
            joined.append(((AssistantDelta) frame).text());
        }
        assertThat(joined.toString()).isEqualTo(text + "!");
    }

    @Test
    void aHandlerEventTooLargeForOneFrameFailsTheReply() {
        Replies replies = replies((context, message) -> Flux.just(ReplyPart.text("before"),
                ReplyPart.event("big", TextNode.valueOf("x".repeat(Protocol.DEFAULT_MAX_FRAME_BYTES))),
                ReplyPart.text("after")));
        String id = session();

        replies.start(id, ask(id, 1, "go"));
        time.advanceTimeBy(Duration.ofSeconds(1));

        assertThat(log(id)).as("an event cannot be cut: the reply ends `failed` where the event would have been")
                .containsExactly(new AssistantDelta(1, 1, "before"), new AssistantDone(2, 1, DoneReason.FAILED));
        assertThat(replies.size()).isZero();
    }

    @Test
    void aHandlerFailureTellingAHugeMessageEndsWithADoneThatFits() {
        Replies replies = replies((context, message) -> Flux.error(
                new ReplyFailure("upstream_broken", "the upstream said: " + "\u0001".repeat(100_000))));
        String id = session();

        replies.start(id, ask(id, 1, "go"));
        time.advanceTimeBy(Duration.ofSeconds(1));

        assertThat(log(id)).singleElement().satisfies(done -> {
            assertThat(((AssistantDone) done).error().code()).isEqualTo("upstream_broken");
            assertThat(((AssistantDone) done).error().message()).startsWith("the upstream said: ").endsWith("\u2026");
            assertThat(new FrameCodec(1024).encode(done).getBytes(StandardCharsets.UTF_8).length)
                    .isLessThanOrEqualTo(1024);
        });
    }

    @Test
    void aHandlerEventWithALoneSurrogateFailsTheReply() {
        Replies replies = replies((context, message) -> Flux.just(
                ReplyPart.event("bad", TextNode.valueOf("\ud800")), ReplyPart.text("after")));
        String id = session();

        replies.start(id, ask(id, 1, "go"));
        time.advanceTimeBy(Duration.ofSeconds(1));

        assertThat(log(id)).containsExactly(new AssistantDone(1, 1, DoneReason.FAILED));
    }

    @Test
    void aPartWhoseStoreCallTimedOutIsSentAgainAndStoredOnce() {
        Replies replies = replies(echo);
        String id = session();
        store.loseReplyAppendAnswers(2);

        replies.start(id, ask(id, 1, "one two three"));
        time.advanceTimeBy(Duration.ofSeconds(5));

        assertThat(log(id)).as("the first two parts were stored, their answers lost, and sent again").containsExactly(
                new AssistantDelta(1, 1, "one"), new AssistantDelta(2, 1, " two"),
                new AssistantDelta(3, 1, " three"), new AssistantDone(4, 1, DoneReason.COMPLETE));
        assertThat(replies.size()).isZero();
    }

    @Test
    void aReplyWaitsForTheStoreWithinItsPauseBudget() {
        Replies replies = replies(echo);
        String id = session();
        store.failReplyAppendsAfter(1);

        replies.start(id, ask(id, 1, "one two"));
        time.advanceTimeBy(MAX_PAUSE.minusSeconds(2));
        assertThat(log(id)).containsExactly(new AssistantDelta(1, 1, "one"));
        assertThat(replies.size()).as("paused, not ended").isEqualTo(1);

        store.failReplyAppendsAfter(-1);
        // The longest backoff between two tries is a second.
        time.advanceTimeBy(Duration.ofSeconds(1));

        assertThat(log(id)).containsExactly(new AssistantDelta(1, 1, "one"), new AssistantDelta(2, 1, " two"),
                new AssistantDone(3, 1, DoneReason.COMPLETE));
        assertThat(replies.size()).isZero();
    }

    @Test
    void aReplyStillFailingAfterItsPauseBudgetEndsFailedAfterThePartThatMayHaveBeenStored() {
        Replies replies = replies(echo);
        String id = session();
        // Every reply frame is stored, and every answer lost: the node cannot know what is stored.
        store.loseReplyAppendAnswers(Integer.MAX_VALUE);

        replies.start(id, ask(id, 1, "one two"));
        time.advanceTimeBy(MAX_PAUSE.minusMillis(1));
        assertThat(log(id)).containsExactly(new AssistantDelta(1, 1, "one"));
        assertThat(replies.size()).isEqualTo(1);
        time.advanceTimeBy(Duration.ofSeconds(2));

        assertThat(log(id)).as("`failed` is numbered as the part after the one whose answer was lost")
                .containsExactly(new AssistantDelta(1, 1, "one"), new AssistantDone(2, 1, DoneReason.FAILED));
        assertThat(replies.size()).isZero();
        assertThat(memory.findReplyLease(id, 1).blockOptional(TIMEOUT)).as("the done ended the lease").isEmpty();
        assertThat(ended(DoneReason.FAILED)).as("counted as stored, though its own answer was lost").isEqualTo(1);
    }

    @Test
    void aDoneStoredWhoseAnswerWasLostIsCountedAsTheEndItIs() {
        // One part, then the end a second later: the end is stored, its answer lost, and its retry finds it ended.
        Replies replies = replies((context, message) -> Flux.just(ReplyPart.text("one"))
                .concatWith(Flux.<ReplyPart>empty().delaySubscription(Duration.ofSeconds(1), time)));
        String id = session();
        replies.start(id, ask(id, 1, "one"));
        store.loseReplyAppendAnswers(Integer.MAX_VALUE);

        time.advanceTimeBy(Duration.ofSeconds(5));

        assertThat(log(id)).containsExactly(new AssistantDelta(1, 1, "one"),
                new AssistantDone(2, 1, DoneReason.COMPLETE));
        assertThat(replies.size()).isZero();
        assertThat(ended(DoneReason.COMPLETE)).as("what the client gets").isEqualTo(1);
        assertThat(ended(DoneReason.FAILED)).isZero();
    }

    @Test
    void aReplyWhoseEndCouldNotBeStoredIsNotCountedUntilItIsEndedInterrupted() {
        Replies replies = replies(echo);
        String id = session();
        store.failReplyAppendsAfter(1);

        replies.start(id, ask(id, 1, "one two"));
        time.advanceTimeBy(MAX_PAUSE.plusSeconds(5));
        assertThat(log(id)).containsExactly(new AssistantDelta(1, 1, "one"));
        assertThat(ended(DoneReason.FAILED)).as("its `failed` was never stored").isZero();

        store.failReplyAppendsAfter(-1);
        clock.advance(LEASE.plusSeconds(1));
        replies.recoverLapsed(id).block(TIMEOUT);

        assertThat(ended(DoneReason.INTERRUPTED)).isEqualTo(1);
        assertThat(ended(DoneReason.FAILED) + ended(DoneReason.COMPLETE)).isZero();
    }

    /** The node's count of replies ended with {@code reason}. */
    private long ended(DoneReason reason) {
        Matcher matcher = Pattern.compile("(?m)^tether_replies_ended_total\\{[^}]*reason=\""
                + reason.wireName() + "\"[^}]*\\} (\\S+)$").matcher(metrics.scrape());
        return matcher.find() ? (long) Double.parseDouble(matcher.group(1)) : 0;
    }

    @Test
    void aReplyStoppedHalfWayIsProducedOnceAndEndedInterruptedWhereItStopped() {
        Replies replies = replies(echo);
        String id = session();
        store.failReplyAppendsAfter(1);
        UserMessage message = ask(id, 1, "count to three");

        // The client's message was stored, but the answer was lost: the node finds its own lease and starts it.
        replies.startIfStoredHere(id, message);
        assertThat(log(id)).containsExactly(new AssistantDelta(1, 1, "count"));
        // The client's resend: its answer is lost too.
        replies.startIfStoredHere(id, message);
        time.advanceTimeBy(MAX_PAUSE.plusSeconds(2));
        assertThat(replies.size()).as("given up: its `failed` could not be stored either").isZero();
        store.failReplyAppendsAfter(-1);
        replies.startIfStoredHere(id, message);
        replies.start(id, message);
        time.advanceTimeBy(Duration.ofSeconds(5));

        assertThat(produced).as("a second 'count' would follow the first").containsExactly(id + "/1");
        clock.advance(LEASE.plusSeconds(1));
        replies.recoverLapsed(id).block(TIMEOUT);
        assertThat(log(id)).containsExactly(new AssistantDelta(1, 1, "count"),
                new AssistantDone(2, 1, DoneReason.INTERRUPTED));
    }

    @Test
    void anUnfinishedReplyIsRememberedForThreeLeasesThenForgotten() {
        Replies replies = replies(echo);
        String id = session();
        store.failReplyAppendsAfter(1);
        UserMessage message = ask(id, 1, "one two");
        replies.start(id, message);
        time.advanceTimeBy(MAX_PAUSE.plusSeconds(2));
        store.failReplyAppendsAfter(-1);
        clock.advance(LEASE.plusSeconds(1));
        replies.recoverLapsed(id).block(TIMEOUT);
        String other = session();

        time.advanceTimeBy(LEASE.multipliedBy(Replies.UNFINISHED_KEPT - 1));
        startReplies(replies, other, 1);
        replies.start(id, message);
        assertThat(produced).filteredOn((id + "/1")::equals).as("still remembered").hasSize(1);

        time.advanceTimeBy(LEASE.plusSeconds(1));
        startReplies(replies, other, Replies.PRUNE_EVERY + 1);
        replies.start(id, message);
        assertThat(produced).filteredOn((id + "/1")::equals).as("forgotten").hasSize(2);
    }

    /** Starts (and finishes) enough replies in {@code sessionId} for one pruning, from {@code cseq}. */
    private void startReplies(Replies replies, String sessionId, long cseq) {
        for (long i = cseq; i < cseq + Replies.PRUNE_EVERY; i++) {
            replies.start(sessionId, ask(sessionId, i, "x"));
        }
        assertThat(replies.size()).isZero();
    }

    @Test
    void aRunningReplyRenewsItsLeaseSoNoOtherNodeEndsIt() {
        // One part after a silence three times the lease: only renewals keep the lease alive meanwhile.
        Replies replies = replies((context, message) -> Flux.just(ReplyPart.text("late"))
                .delaySubscription(LEASE.multipliedBy(3), time));
        String id = session();

        replies.start(id, ask(id, 1, "think hard"));
        for (int i = 0; i < 9; i++) {
            time.advanceTimeBy(Duration.ofSeconds(10));
            clock.advance(Duration.ofSeconds(10));
            assertThat(endLapsedElsewhere(id)).as("after %d s", (i + 1) * 10).isEmpty();
        }

        assertThat(log(id)).containsExactly(new AssistantDelta(1, 1, "late"),
                new AssistantDone(2, 1, DoneReason.COMPLETE));
    }

    @Test
    void aReplyEndedElsewhereAfterItsLeaseLapsedStopsAndWritesNothingMore() {
        AtomicBoolean cancelled = new AtomicBoolean();
        Replies replies = replies((context, message) -> Flux.interval(Duration.ofSeconds(10), time)
                .map(i -> ReplyPart.text("x"))
                .doOnCancel(() -> cancelled.set(true)));
        String id = session();
        replies.start(id, ask(id, 1, "forever"));
        time.advanceTimeBy(Duration.ofSeconds(10));

        // This node froze (a long GC pause) while the store's time went on: its lease lapsed, another node ended it.
        clock.advance(LEASE.plusSeconds(1));
        assertThat(endLapsedElsewhere(id)).containsExactly(new AssistantDone(2, 1, DoneReason.INTERRUPTED));
        time.advanceTimeBy(Duration.ofSeconds(30));

        assertThat(cancelled).as("the handler is stopped").isTrue();
        assertThat(replies.size()).isZero();
        assertThat(log(id)).as("fenced: nothing after the other node's done").containsExactly(
                new AssistantDelta(1, 1, "x"), new AssistantDone(2, 1, DoneReason.INTERRUPTED));
    }

    @Test
    void cancelStopsTheHandlerAndEndsTheReplyCancelledAfterItsParts() {
        AtomicBoolean cancelled = new AtomicBoolean();
        Replies replies = replies((context, message) -> Flux.interval(Duration.ofSeconds(1), time)
                .map(i -> ReplyPart.text("x"))
                .doOnCancel(() -> cancelled.set(true)));
        String id = session();
        replies.start(id, ask(id, 1, "forever"));
        time.advanceTimeBy(Duration.ofMillis(2_500));

        replies.cancel(id, 2);
        replies.cancel(id, 1);
        time.advanceTimeBy(Duration.ofSeconds(5));

        assertThat(cancelled).isTrue();
        assertThat(replies.size()).isZero();
        assertThat(log(id)).containsExactly(new AssistantDelta(1, 1, "x"), new AssistantDelta(2, 1, "x"),
                new AssistantDone(3, 1, DoneReason.CANCELLED));
    }
}
