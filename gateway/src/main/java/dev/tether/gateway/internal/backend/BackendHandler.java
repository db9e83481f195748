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
import java.util.List;
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
 * {@code Idempotency-Key: <sessionId>:<replyTo>}; an event as {@code {sessionId, cseq, event: {name, data}, state}}
 * with {@code Idempotency-Key: <sessionId>:e<cseq>}. The parts of an event's answer are appended to the log in the
 * order the backend sent them, each at most once (keyed by the event's cseq and the part's number), so an answer
 * read again after a retry does not repeat them.
 */
final class BackendHandler implements ConversationHandler, AutoCloseable {

    private final BackendClient client;
    private final ObjectMapper mapper;
    private final HistoryLimits history;

    BackendHandler(BackendOptions options, ObjectMapper mapper, Scheduler scheduler) {
        this.client = new BackendClient(options, mapper, scheduler);
        this.mapper = Objects.requireNonNull(mapper, "mapper");
        this.history = options.history();
    }

    @Override
    public Flux<ReplyPart> reply(ConversationContext context, UserMessage message) {
        return context.history(message.cseq(), history)
                .map(turns -> {
                    ObjectNode body = mapper.createObjectNode()
                            .put("sessionId", context.sessionId())
                            .put("replyTo", message.cseq())
                            .put("text", message.text());
                    ArrayNode history = body.putArray("history");
                    for (Turn turn : turns) {
                        history.addObject().put("role", turn.role().name().toLowerCase(Locale.ROOT))
                                .put("content", turn.text());
                    }
                    body.set("state", mapper.createObjectNode());
                    return bytes(body);
                })
                .flatMapMany(body -> client.call(context.sessionId() + ":" + message.cseq(), body))
                .concatMapIterable(part -> {
                    ReplyPart reply = BackendPart.toReplyPart(part);
                    return reply == null ? List.of() : List.of(reply);
                })
                .onErrorMap(BackendException.class, BackendException::toReplyFailure);
    }

    @Override
    public Mono<Void> onEvent(ConversationContext context, ClientEvent event) {
        ObjectNode body = mapper.createObjectNode()
                .put("sessionId", context.sessionId())
                .put("cseq", event.cseq());
        body.putObject("event").put("name", event.name()).set("data", event.data());
        body.set("state", mapper.createObjectNode());
        String key = context.sessionId() + ":e" + event.cseq();
        return client.call(key, bytes(body))
                .index()
                .concatMap(indexed -> switch (indexed.getT2()) {
                    case BackendPart.Event part -> context.appendEventOnce(
                            "tether:backend:e" + event.cseq() + ":" + indexed.getT1(), part.name(), part.data());
                    case BackendPart.Text text -> {
                        // Text outside a reply has no reply to belong to: it is dropped, not stored as a delta.
                        yield Mono.<Long>empty();
                    }
                    case BackendPart.State state -> Mono.<Long>empty();
                })
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
