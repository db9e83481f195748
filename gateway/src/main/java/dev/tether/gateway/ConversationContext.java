package dev.tether.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tether.protocol.ClientMessage;
import dev.tether.protocol.Sequenced;
import java.util.List;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/** The session a {@link ConversationHandler} is answering in, with its retained history. */
public interface ConversationContext {

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
}
