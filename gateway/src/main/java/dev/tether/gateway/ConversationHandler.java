package dev.tether.gateway;

import dev.tether.protocol.ClientEvent;
import dev.tether.protocol.UserMessage;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Answers user messages: the application's part of a conversation.
 *
 * <p>The gateway calls {@link #reply} once per stored user message and appends each part to the session's log as
 * an {@code assistant_delta} (or {@code event}) before it is sent, then ends the reply with {@code assistant_done}:
 * {@code complete} when the flux completes, {@code failed} when it errors, {@code cancelled} when the client cancels
 * (the subscription is then disposed). The reply belongs to the session, not to a connection: it keeps running while
 * the client is away. Implementations must not block; use a scheduler for blocking work.
 *
 * <p>A flux that fails with a {@link ReplyFailure} ends the reply {@code failed} with that failure's code and message
 * in {@code assistant_done.error}; a {@link ReplyPart.Usage} part is not sent but carried by the reply's
 * {@code assistant_done.usage}. The conversation so far comes from {@link ConversationContext#history}.
 */
@FunctionalInterface
public interface ConversationHandler {

    /**
     * The reply to one user message, as a stream of parts.
     *
     * @param context the session, with its history
     * @param message the user message being answered; already stored
     */
    Flux<ReplyPart> reply(ConversationContext context, UserMessage message);

    /**
     * The rest of a reply whose node died while producing it, on the node that took it over: the parts after
     * {@code partialText}, appended to the same reply (its deltas so far are the partial text, its next ones come
     * from here), which then ends once, as {@link #reply} would end it, with {@code assistant_done.continued} counting
     * the takeovers. Called at most {@code --max-continuations} times per reply; beyond, the reply ends
     * {@code interrupted}.
     *
     * <p>By default a reply is not continued: the flux fails with {@link ReplyInterrupted#notContinued()}, and the
     * reply ends {@code interrupted}.
     *
     * @param context     the session, with its history
     * @param message     the user message being answered
     * @param partialText the reply's text as stored so far: its deltas, concatenated; may be empty
     */
    default Flux<ReplyPart> continueReply(ConversationContext context, UserMessage message, String partialText) {
        return Flux.error(ReplyInterrupted.notContinued());
    }

    /**
     * Called for every stored client {@code event}, at least once; by default ignores it.
     *
     * <p>The node that stored the event holds a lease on its handling until the returned Mono ends (renewed while it
     * runs); if that node dies first, the node serving the session calls this again with the same event once the
     * lease lapsed. So an event may be handled twice (also when its node only stalled past the lease): key what it
     * writes by {@link ClientEvent#cseq()}, unique in its session (in the state, or
     * {@link ConversationContext#appendEventOnce}'s key), and at-least-once becomes exactly-once in effect. An error
     * ends the event's handling as well: it is logged and counted, and the event is not handed over again.
     */
    default Mono<Void> onEvent(ConversationContext context, ClientEvent event) {
        return Mono.empty();
    }
}
