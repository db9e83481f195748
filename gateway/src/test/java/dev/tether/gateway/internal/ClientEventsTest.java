package dev.tether.gateway.internal;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.TextNode;
import dev.tether.gateway.ConversationContext;
import dev.tether.gateway.ConversationHandler;
import dev.tether.gateway.InMemorySessionStore;
import dev.tether.gateway.ReplyPart;
import dev.tether.gateway.testing.FaultyStore;
import dev.tether.gateway.testing.MutableClock;
import dev.tether.protocol.ClientEvent;
import dev.tether.protocol.FrameCodec;
import dev.tether.protocol.Protocol;
import dev.tether.protocol.UserMessage;
import dev.tether.protocol.session.SessionLimits;
import dev.tether.protocol.session.SessionTokens;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.test.scheduler.VirtualTimeScheduler;

/**
 * Client events and their handling leases on virtual time, against the in-memory store behind {@link FaultyStore}:
 * the scheduler drives the node's renewals, the store's clock the leases, so a test can let the lease of an event
 * whose node died lapse, and see the node serving the session take it over.
 */
class ClientEventsTest {

    private static final FrameCodec CODEC = new FrameCodec(Protocol.DEFAULT_MAX_FRAME_BYTES);
    private static final String NODE = "test-node";
    private static final Duration LEASE = Duration.ofSeconds(30);
    private static final Duration TIMEOUT = Duration.ofSeconds(5);

    private final VirtualTimeScheduler time = VirtualTimeScheduler.create();
    private final MutableClock clock = MutableClock.atEpochStart();
    private final InMemorySessionStore memory = InMemorySessionStore.builder().clock(clock).scheduler(time)
            .limits(SessionLimits.defaults()).build();
    private final FaultyStore store = new FaultyStore(memory);
    private final GatewayMetrics metrics = new GatewayMetrics(NODE);
    /** The events the handler was given, as "session/cseq", when it finished with them. */
    private final List<String> handled = new CopyOnWriteArrayList<>();

    @AfterEach
    void close() {
        metrics.close();
        memory.close();
        time.dispose();
    }

    /** This node's replies and events, with a handler that takes {@code handling} for each event. */
    private Replies node(Duration handling, boolean fails) {
        ConversationHandler handler = new ConversationHandler() {
            @Override
            public Flux<ReplyPart> reply(ConversationContext context, UserMessage message) {
                return Flux.empty();
            }

            @Override
            public Mono<Void> onEvent(ConversationContext context, ClientEvent event) {
                return Mono.delay(handling, time)
                        .doOnNext(tick -> handled.add(context.sessionId() + "/" + event.cseq()))
                        .then(fails ? Mono.error(new IllegalStateException("the handler broke")) : Mono.empty());
            }
        };
        return new Replies(store, handler, CODEC, NODE, LEASE, Duration.ofSeconds(20), time, metrics);
    }

    private String session() {
        String id = SessionTokens.newSessionId();
        memory.create(id, SessionTokens.digest(SessionTokens.newToken()), NODE).block(TIMEOUT);
        return id;
    }

    /** Stores an event as a connection on {@code nodeId} does, which leases its handling to that node. */
    private ClientEvent store(String sessionId, long cseq, String nodeId) {
        ClientEvent event = new ClientEvent(cseq, "key", TextNode.valueOf("k" + cseq));
        memory.appendClient(sessionId, event, nodeId, LEASE).block(TIMEOUT);
        return event;
    }

    /** What another node serving the session would claim now. */
    private List<ClientEvent> claimedElsewhere(String sessionId) {
        return memory.claimLapsedEvents(sessionId, Set.of(), "other-node", LEASE).collectList().block(TIMEOUT);
    }

    /** Lets {@code duration} pass for the node and the store alike, a second at a time. */
    private void pass(Duration duration) {
        for (long s = 0; s < duration.toSeconds(); s++) {
            clock.advance(Duration.ofSeconds(1));
            time.advanceTimeBy(Duration.ofSeconds(1));
        }
    }

    private long counted(String metric) {
        Matcher matcher = Pattern.compile("(?m)^" + metric + "\\{[^}]*\\} (\\S+)$").matcher(metrics.scrape());
        return matcher.find() ? (long) Double.parseDouble(matcher.group(1)) : 0;
    }

    @Test
    void anEventLeftUnhandledByADeadNodeIsHandledOnceWhenItsLeaseLapses() {
        Replies replies = node(Duration.ofSeconds(1), false);
        String id = session();
        // Stored on a node that died before its handler was done with it; the client has its ack and sends it no more.
        store(id, 1, "dead-node");
        replies.event(id, store(id, 2, NODE));
        pass(Duration.ofSeconds(2));

        replies.recoverLapsed(id).block(TIMEOUT);
        assertThat(handled).as("event 1's lease has not lapsed yet").containsExactly(id + "/2");

        pass(LEASE);
        replies.recoverLapsed(id).block(TIMEOUT);
        replies.recoverLapsed(id).block(TIMEOUT);
        assertThat(claimedElsewhere(id)).as("claimed by this node, which holds the lease now").isEmpty();
        pass(Duration.ofSeconds(2));

        assertThat(handled).containsExactly(id + "/2", id + "/1");
        assertThat(counted("tether_handler_events_rehandled_total")).isEqualTo(1);
        pass(LEASE.multipliedBy(2));
        replies.recoverLapsed(id).block(TIMEOUT);
        assertThat(claimedElsewhere(id)).as("both leases ended with their handling").isEmpty();
        assertThat(handled).as("once each").hasSize(2);
    }

    @Test
    void aHandlerSlowerThanTheLeaseKeepsItByRenewingIt() {
        Replies replies = node(LEASE.multipliedBy(3), false);
        String id = session();

        replies.event(id, store(id, 1, NODE));
        pass(LEASE.multipliedBy(2));
        assertThat(claimedElsewhere(id)).as("renewed while the handler runs").isEmpty();
        pass(LEASE.plusSeconds(1));

        assertThat(handled).containsExactly(id + "/1");
        pass(LEASE.multipliedBy(2));
        assertThat(claimedElsewhere(id)).as("ended with the handling").isEmpty();
    }

    @Test
    void anEventTheHandlerFailedOnIsNotHandledAgain() {
        Replies replies = node(Duration.ofSeconds(1), true);
        String id = session();

        replies.event(id, store(id, 1, NODE));
        pass(Duration.ofSeconds(2));
        pass(LEASE.multipliedBy(2));
        replies.recoverLapsed(id).block(TIMEOUT);

        assertThat(handled).containsExactly(id + "/1");
        assertThat(counted("tether_handler_events_failed_total")).isEqualTo(1);
        assertThat(claimedElsewhere(id)).as("failed for good: its lease ended too").isEmpty();
    }

    @Test
    void aNodeStoppedMidHandlingLeavesTheEventToTheNextNode() {
        Replies replies = node(LEASE, false);
        String id = session();

        replies.event(id, store(id, 1, NODE));
        pass(Duration.ofSeconds(5));
        replies.dispose();
        pass(LEASE.plusSeconds(1));

        assertThat(handled).as("its handler was stopped").isEmpty();
        assertThat(claimedElsewhere(id)).extracting(ClientEvent::cseq).containsExactly(1L);
    }
}
