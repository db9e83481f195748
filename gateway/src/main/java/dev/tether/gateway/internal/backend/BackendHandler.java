package dev.tether.gateway.internal.backend;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tether.gateway.BackendOptions;
import dev.tether.gateway.ConversationContext;
import dev.tether.gateway.ConversationHandler;
import dev.tether.gateway.HistoryLimits;
import dev.tether.gateway.ReplyPart;
import dev.tether.gateway.Turn;
import dev.tether.protocol.ClientEvent;
import dev.tether.protocol.UserMessage;
import dev.tether.protocol.session.SessionStoreException;
import java.util.Locale;
import java.util.Objects;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;

/**
 * The {@code http} handler: each stored user message and client event is posted to the application's backend, and
 * the parts of its streamed answer become the reply (for a message) or events in the log (for an event).
 *
 * <p>A message is posted as {@code {sessionId, replyTo, text, history, state}} with
 * {@code Idempotency-Key: <sessionId>:<replyTo>} (a reply taken over from a dead node posts the same with
 * {@code continueFrom}, its text so far); an event as {@code {sessionId, cseq, event: {name, data}, state}}
 * with {@code Idempotency-Key: <sessionId>:e<cseq>}. The parts of an event's answer are appended to the log in the
 * order the backend sent them, each at most once (keyed by the event's cseq and the part's number), so an answer
 * read again after a retry does not repeat them.
 */
final class BackendHandler implements ConversationHandler, AutoCloseable {

    private final BackendClient client;
    private final ObjectMapper mapper;
    private final HistoryLimits history;
    private final SessionQueues events = new SessionQueues();

    BackendHandler(BackendOptions options, ObjectMapper mapper, Scheduler scheduler) {
        this.client = new BackendClient(options, mapper, scheduler);
        this.mapper = Objects.requireNonNull(mapper, "mapper");
        this.history = options.history();
    }

    @Override
    public Flux<ReplyPart> reply(ConversationContext context, UserMessage message) {
        return call(context, message, null, context.sessionId() + ":" + message.cseq());
    }

    /**
     * The rest of a reply taken over from a dead node: the message's call again, with {@code continueFrom} the reply's
     * text so far; the backend decides how to go on (a backend that ignores the field answers from the start, and the
     * text repeats). Its {@code Idempotency-Key} is {@code <sessionId>:<replyTo>:from<chars>}, the length of that
     * text, so that a backend keeping answers by key does not answer it with the first call's answer.
     */
    @Override
    public Flux<ReplyPart> continueReply(ConversationContext context, UserMessage message, String partialText) {
        return call(context, message, partialText,
                context.sessionId() + ":" + message.cseq() + ":from" + partialText.length());
    }

    private Flux<ReplyPart> call(ConversationContext context, UserMessage message, String continueFrom, String key) {
        return Mono.zip(context.history(message.cseq(), history), context.state())
                .map(both -> {
                    ObjectNode body = mapper.createObjectNode()
                            .put("sessionId", context.sessionId())
                            .put("replyTo", message.cseq())
                            .put("text", message.text());
                    ArrayNode turns = body.putArray("history");
                    for (Turn turn : both.getT1()) {
                        turns.addObject().put("role", turn.role().name().toLowerCase(Locale.ROOT))
                                .put("content", turn.text());
                    }
                    body.set("state", both.getT2().value());
                    if (continueFrom != null) {
                        body.put("continueFrom", continueFrom);
                    }
                    return bytes(body);
                })
                .flatMapMany(body -> client.call(key, body))
                // One part at a time: a state line is stored before the parts after it are read.
                .concatMap(part -> switch (part) {
                    case BackendPart.Text text -> Mono.just(ReplyPart.text(text.text()));
                    case BackendPart.Event event -> Mono.just(ReplyPart.event(event.name(), event.data()));
                    case BackendPart.State state -> replaceState(context, state).then(Mono.<ReplyPart>empty());
                }, 1)
                .onErrorMap(BackendException.class, BackendException::toReplyFailure);
    }

    /**
     * Forwards a client event once its session's earlier events have been answered: each call carries the state the
     * answers before it left (keypad digits typed one by one, say), and the answers' events are logged in order.
     */
    @Override
    public Mono<Void> onEvent(ConversationContext context, ClientEvent event) {
        return events.enqueue(context.sessionId(), forward(context, event));
    }

    private Mono<Void> forward(ConversationContext context, ClientEvent event) {
        String key = context.sessionId() + ":e" + event.cseq();
        return context.state()
                .map(state -> {
                    ObjectNode body = mapper.createObjectNode()
                            .put("sessionId", context.sessionId())
                            .put("cseq", event.cseq());
                    body.putObject("event").put("name", event.name()).set("data", event.data());
                    body.set("state", state.value());
                    return bytes(body);
                })
                .flatMapMany(body -> client.call(key, body))
                .index()
                .concatMap(indexed -> switch (indexed.getT2()) {
                    case BackendPart.Event part -> context.appendEventOnce(
                            "tether:backend:e" + event.cseq() + ":" + indexed.getT1(), part.name(), part.data())
                            .then();
                    // Text outside a reply has no reply to belong to: it is skipped, not stored as a delta.
                    case BackendPart.Text text -> Mono.<Void>empty();
                    // Replacing the state with the same value again (the answer read again after a retry) is harmless.
                    case BackendPart.State state -> replaceState(context, state);
                }, 1)
                .then();
    }

    /** Replaces the session's state with the one the backend sent. */
    private static Mono<Void> replaceState(ConversationContext context, BackendPart.State state) {
        return context.updateState(current -> state.state().deepCopy())
                .onErrorMap(SessionStoreException::isStateTooLarge, e -> new BackendException(
                        BackendException.BROKEN, "the backend sent a state larger than the session's bound", e))
                .then();
    }

    private byte[] bytes(ObjectNode body) {
        try {
            return mapper.writeValueAsBytes(body);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a JSON tree could not be written", e);
        }
    }

    @Override
    public void close() {
        client.close();
    }
}
