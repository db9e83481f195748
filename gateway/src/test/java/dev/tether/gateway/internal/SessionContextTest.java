package dev.tether.gateway.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tether.gateway.HistoryLimits;
import dev.tether.gateway.InMemorySessionStore;
import dev.tether.gateway.Turn;
import dev.tether.protocol.AssistantDelta;
import dev.tether.protocol.AssistantDone;
import dev.tether.protocol.Cancel;
import dev.tether.protocol.ClientEvent;
import dev.tether.protocol.ClientMessage;
import dev.tether.protocol.DoneReason;
import dev.tether.protocol.ServerEvent;
import dev.tether.protocol.UserMessage;
import dev.tether.protocol.session.SessionLimits;
import dev.tether.protocol.session.SessionTokens;
import com.fasterxml.jackson.databind.node.NullNode;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The conversation a handler reads, built from what the in-memory store retains. */
class SessionContextTest {

    private static final String NODE = "n1";
    private static final Duration LEASE = Duration.ofSeconds(30);
    private static final Duration TIMEOUT = Duration.ofSeconds(5);
    private static final HistoryLimits ALL = new HistoryLimits(HistoryLimits.MAX_MESSAGES, HistoryLimits.MAX_CHARS);

    private InMemorySessionStore store = InMemorySessionStore.builder().build();

    @AfterEach
    void close() {
        store.close();
    }

    private String session() {
        String id = SessionTokens.newSessionId();
        store.create(id, SessionTokens.digest(SessionTokens.newToken()), NODE).block(TIMEOUT);
        return id;
    }

    private void client(String id, ClientMessage message) {
        store.appendClient(id, message, NODE, LEASE).block(TIMEOUT);
    }

    private void reply(String id, long replyTo, long part, String text) {
        store.appendReply(id, replyTo, part, AssistantDelta.of(replyTo, text), NODE, LEASE).block(TIMEOUT);
    }

    private void done(String id, long replyTo, long part, DoneReason reason) {
        store.appendReply(id, replyTo, part, AssistantDone.of(replyTo, reason), NODE, LEASE).block(TIMEOUT);
    }

    private List<Turn> history(String id, long beforeCseq, HistoryLimits limits) {
        return new SessionContext(store, id).history(beforeCseq, limits).block(TIMEOUT);
    }

    @Test
    void userMessagesAndRepliesAlternateOldestFirstWithEachReplysDeltasJoined() {
        String id = session();
        client(id, new UserMessage(1, "hi"));
        reply(id, 1, 0, "Hel");
        reply(id, 1, 1, "lo!");
        done(id, 1, 2, DoneReason.COMPLETE);
        client(id, new ClientEvent(2, "typing", NullNode.getInstance()));
        client(id, new UserMessage(3, "how are you"));
        store.append(id, ServerEvent.of("tool", NullNode.getInstance())).block(TIMEOUT);
        reply(id, 3, 0, "fine");
        client(id, new UserMessage(4, "the new one"));

        assertThat(history(id, 4, ALL)).containsExactly(
                Turn.user("hi"), Turn.assistant("Hello!"), Turn.user("how are you"), Turn.assistant("fine"));
        assertThat(history(id, 3, ALL)).as("only what came before the message answered")
                .containsExactly(Turn.user("hi"), Turn.assistant("Hello!"));
    }

    @Test
    void aCancelledOrFailedReplyKeepsItsPartialTextAndAReplyWithoutTextIsLeftOut() {
        String id = session();
        client(id, new UserMessage(1, "tell me a story"));
        reply(id, 1, 0, "Once upon");
        client(id, new Cancel(2, 1));
        done(id, 1, 1, DoneReason.CANCELLED);
        client(id, new UserMessage(3, "again"));
        done(id, 3, 0, DoneReason.FAILED);
        client(id, new UserMessage(4, "next"));

        assertThat(history(id, 4, ALL)).containsExactly(
                Turn.user("tell me a story"), Turn.assistant("Once upon"), Turn.user("again"));
    }

    @Test
    void theNewestTurnsThatFitBothBoundsAreKept() {
        String id = session();
        client(id, new UserMessage(1, "aaaa"));
        reply(id, 1, 0, "bbbb");
        client(id, new UserMessage(2, "cc"));
        reply(id, 2, 0, "dd");
        client(id, new UserMessage(3, "now"));

        assertThat(history(id, 3, new HistoryLimits(3, 1000)))
                .containsExactly(Turn.assistant("bbbb"), Turn.user("cc"), Turn.assistant("dd"));
        assertThat(history(id, 3, new HistoryLimits(40, 7)))
                .as("cut at the first turn that does not fit, never skipping one")
                .containsExactly(Turn.user("cc"), Turn.assistant("dd"));
        assertThat(history(id, 3, new HistoryLimits(40, 1))).isEmpty();
        assertThat(history(id, 3, new HistoryLimits(0, 1000))).isEmpty();
    }

    @Test
    void whatTheLogTrimmedIsAbsentAndAReplyMissingItsBeginningIsLeftOut() {
        store.close();
        store = InMemorySessionStore.builder()
                .limits(SessionLimits.builder().historyFrames(3).build())
                .build();
        String id = session();
        client(id, new UserMessage(1, "first"));
        reply(id, 1, 0, "one");
        client(id, new UserMessage(2, "second"));
        reply(id, 2, 0, "two ");
        reply(id, 2, 1, "halves");
        reply(id, 2, 2, " and more");
        client(id, new UserMessage(3, "third"));
        reply(id, 3, 0, "three");

        // The log keeps frames 3 to 5: the tail of reply 2, and reply 3; the three client messages fit.
        assertThat(history(id, 4, ALL)).containsExactly(
                Turn.user("first"), Turn.user("second"), Turn.user("third"), Turn.assistant("three"));
    }
}
