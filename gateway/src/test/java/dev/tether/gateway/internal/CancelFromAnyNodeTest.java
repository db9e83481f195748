package dev.tether.gateway.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tether.gateway.ConversationHandler;
import dev.tether.gateway.InMemorySessionStore;
import dev.tether.gateway.ReplyPart;
import dev.tether.protocol.AssistantDelta;
import dev.tether.protocol.AssistantDone;
import dev.tether.protocol.Cancel;
import dev.tether.protocol.DoneReason;
import dev.tether.protocol.FrameCodec;
import dev.tether.protocol.UserMessage;
import dev.tether.protocol.session.SessionTokens;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.test.scheduler.VirtualTimeScheduler;

/** A client's cancel stops its reply whichever node it reaches, and a disconnect stops nothing. */
class CancelFromAnyNodeTest {

    private static final Duration LEASE = Duration.ofSeconds(30);
    private static final Duration TIMEOUT = Duration.ofSeconds(5);

    private final VirtualTimeScheduler time = VirtualTimeScheduler.create();
    private final InMemorySessionStore store = InMemorySessionStore.builder().scheduler(time).build();
    private final GatewayMetrics metrics = new GatewayMetrics("a");
    private final AtomicBoolean upstreamCancelled = new AtomicBoolean();
    /** Says one word, then waits for more that never comes, like a model thinking. */
    private final ConversationHandler slow = (context, message) -> Flux.concat(
            Flux.just(ReplyPart.text("partial")), Flux.<ReplyPart>never())
            .doOnCancel(() -> upstreamCancelled.set(true));
    private final Replies nodeA = replies("a");
    private final Replies nodeB = replies("b");

    @AfterEach
    void close() {
        nodeA.dispose();
        nodeB.dispose();
        metrics.close();
        store.close();
        time.dispose();
    }

    private Replies replies(String nodeId) {
        Replies replies = new Replies(store, slow, new FrameCodec(), nodeId, LEASE, Duration.ofSeconds(20), time,
                metrics);
        replies.listenForCancels();
        return replies;
    }

    private String askOnA() {
        String id = SessionTokens.newSessionId();
        store.create(id, SessionTokens.digest(SessionTokens.newToken()), "a").block(TIMEOUT);
        UserMessage message = new UserMessage(1, "hi");
        store.appendClient(id, message, "a", LEASE).block(TIMEOUT);
        nodeA.start(id, message);
        time.advanceTimeBy(Duration.ofMillis(10));
        return id;
    }

    @Test
    void aCancelReceivedByAnotherNodeStopsTheReplyWhereItIsProduced() {
        String id = askOnA();
        store.appendClient(id, new Cancel(2, 1), "b", LEASE).block(TIMEOUT);

        nodeB.cancel(id, 1);
        time.advanceTimeBy(Duration.ofMillis(10));

        assertThat(upstreamCancelled).as("node a stopped its handler").isTrue();
        assertThat(store.read(id, 0).collectList().block(TIMEOUT)).containsExactly(
                new AssistantDelta(1, 1, "partial"), new AssistantDone(2, 1, DoneReason.CANCELLED));
    }

    @Test
    void aClientThatGoesAwayCancelsNothing() {
        String id = askOnA();
        store.detach(id, 1).block(TIMEOUT);
        time.advanceTimeBy(LEASE.multipliedBy(3));

        assertThat(upstreamCancelled).isFalse();
        assertThat(nodeA.size()).as("still producing").isEqualTo(1);
        assertThat(store.read(id, 0).collectList().block(TIMEOUT)).containsExactly(
                new AssistantDelta(1, 1, "partial"));
    }
}
