package dev.tether.gateway.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tether.gateway.ConversationHandler;
import dev.tether.gateway.InMemorySessionStore;
import dev.tether.gateway.ReplyFailure;
import dev.tether.gateway.ReplyPart;
import dev.tether.protocol.AssistantDelta;
import dev.tether.protocol.AssistantDone;
import dev.tether.protocol.DoneReason;
import dev.tether.protocol.FrameCodec;
import dev.tether.protocol.ReplyError;
import dev.tether.protocol.Sequenced;
import dev.tether.protocol.TokenUsage;
import dev.tether.protocol.UserMessage;
import dev.tether.protocol.session.SessionTokens;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.test.scheduler.VirtualTimeScheduler;

/** What a handler tells through its reply's end: why it failed, and what it cost. */
class RepliesTellFailuresAndUsageTest {

    private static final String NODE = "test-node";
    private static final Duration LEASE = Duration.ofSeconds(30);
    private static final Duration TIMEOUT = Duration.ofSeconds(5);

    private final VirtualTimeScheduler time = VirtualTimeScheduler.create();
    private final InMemorySessionStore store = InMemorySessionStore.builder().scheduler(time).build();
    private final GatewayMetrics metrics = new GatewayMetrics(NODE);

    @AfterEach
    void close() {
        metrics.close();
        store.close();
        time.dispose();
    }

    private List<Sequenced> answer(ConversationHandler handler) {
        Replies replies = new Replies(store, handler, new FrameCodec(), NODE, LEASE, Duration.ofSeconds(20), time, metrics);
        String id = SessionTokens.newSessionId();
        store.create(id, SessionTokens.digest(SessionTokens.newToken()), NODE).block(TIMEOUT);
        UserMessage message = new UserMessage(1, "hi");
        store.appendClient(id, message, NODE, LEASE).block(TIMEOUT);
        replies.start(id, message);
        time.advanceTimeBy(Duration.ofSeconds(1));
        return store.read(id, 0).collectList().block(TIMEOUT);
    }

    @Test
    void aReplyFailureEndsTheReplyFailedWithItsErrorAfterThePartsSoFar() {
        List<Sequenced> log = answer((context, message) -> Flux.concat(
                Flux.just(ReplyPart.text("Hel")),
                Flux.error(new ReplyFailure(ReplyError.UPSTREAM_BROKEN, "the stream ended early"))));

        assertThat(log).containsExactly(new AssistantDelta(1, 1, "Hel"), new AssistantDone(2, 1, DoneReason.FAILED,
                new ReplyError(ReplyError.UPSTREAM_BROKEN, "the stream ended early"), null));
    }

    @Test
    void anyOtherFailureTellsTheClientNothingInternal() {
        List<Sequenced> log = answer((context, message) -> Flux.error(new IllegalStateException("secret detail")));

        assertThat(log).containsExactly(new AssistantDone(1, 1, DoneReason.FAILED));
    }

    @Test
    void usageIsCarriedByTheDoneFrameNotSentAsAFrame() {
        List<Sequenced> log = answer((context, message) -> Flux.just(ReplyPart.text("ok"),
                ReplyPart.usage(1, 1), ReplyPart.usage(12, 3)));

        assertThat(log).containsExactly(new AssistantDelta(1, 1, "ok"),
                new AssistantDone(2, 1, DoneReason.COMPLETE, null, new TokenUsage(12, 3)));
    }

    @Test
    void aFailedReplyKeepsTheUsageReportedBeforeItFailed() {
        List<Sequenced> log = answer((context, message) -> Flux.concat(Flux.just(ReplyPart.usage(5, 0)),
                Flux.error(new ReplyFailure(ReplyError.UPSTREAM_TIMEOUT, "no first token"))));

        assertThat(log).containsExactly(new AssistantDone(1, 1, DoneReason.FAILED,
                new ReplyError(ReplyError.UPSTREAM_TIMEOUT, "no first token"), new TokenUsage(5, 0)));
    }
}
