package dev.tether.gateway;

import dev.tether.protocol.ClientMessage;
import dev.tether.protocol.Sequenced;
import reactor.core.publisher.Flux;

/** The session a {@link ConversationHandler} is answering in, with its retained history. */
public interface ConversationContext {

    /** The session's id. */
    String sessionId();

    /** The retained client messages (user messages, cancels, events), in cseq order. */
    Flux<ClientMessage> clientMessages();

    /** The retained sequenced server frames (the assistant's deltas, dones and events), in seq order. */
    Flux<Sequenced> frames();
}
