package dev.tether.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tether.protocol.ClientMessage;
import dev.tether.protocol.Sequenced;
import dev.tether.protocol.session.SessionState;
import java.util.List;
import java.util.function.UnaryOperator;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * The session a {@link ConversationHandler} is answering in, with its retained history and its state.
 *
 * <p>The state is a small JSON object kept in the session store beside the log (a language picked, the digits typed
 * so far, the step of a form): it survives reconnects and moves with the session to any node, and it expires with
 * the session. It is at most {@code --max-state-bytes} bytes of JSON. Other backends read and set it with
 * {@code GET}/{@code PUT /api/v1/sessions/{id}/state}.
 */
public interface ConversationContext {

    /** How many times {@link #updateState} applies its change before it gives up: 16. */
    int MAX_STATE_ATTEMPTS = 16;

    /** The session's id. */
    String sessionId();

    /** The retained client messages (user messages, cancels, events), in cseq order. */
    Flux<ClientMessage> clientMessages();

    /** The retained sequenced server frames (the assistant's deltas, dones and events), in seq order. */
    Flux<Sequenced> frames();

    /**
     * The conversation before client message {@code beforeCseq}, oldest first, read from the session's log so that it
     * is the same on every node: each user message, and after it the reply to it as one assistant turn (its deltas
     * joined; a reply that ended {@code cancelled}, {@code interrupted} or {@code failed}, or is still being produced,
     * with the text it has so far; a reply without text is left out). Only the newest turns that fit {@code limits}
     * are returned. What the log has already trimmed is absent, and so is a reply whose beginning was trimmed.
     *
     * @param beforeCseq the cseq of the message being answered; only earlier messages and their replies count
     */
    Mono<List<Turn>> history(long beforeCseq, HistoryLimits limits);

    /**
     * Appends an application {@code event} to the session's log outside any reply, such as a handler's answer to a
     * client event, at most once per {@code key}: called again with the same key (a retry after a failure whose
     * outcome was unknown, or on another node), it stores nothing.
     *
     * @return the event's seq, the first one's for a key used before
     */
    Mono<Long> appendEventOnce(String key, String name, JsonNode data);

    /** The session's state and its version; version 0 and the empty object before anything was written. */
    Mono<SessionState> state();

    /**
     * Changes the session's state atomically: applies {@code change} to a copy of the current state and stores what
     * it returns if nobody changed the state in between (a compare-and-set on its version); otherwise reads the
     * state again and applies {@code change} anew. So {@code change} may run more than once and must depend on its
     * argument only. A change that returns the state as it was stores nothing.
     *
     * <p>Fails with {@link dev.tether.protocol.session.SessionStoreException#isStateTooLarge()} when the new state
     * is over the bound, and with an {@link IllegalStateException} (its cause a state conflict) when the state was
     * changed by others {@link #MAX_STATE_ATTEMPTS} times in a row.
     *
     * @param change the new state, from a copy of the current one it may modify and return
     * @return the state as stored, with its version
     */
    Mono<SessionState> updateState(UnaryOperator<ObjectNode> change);
}
