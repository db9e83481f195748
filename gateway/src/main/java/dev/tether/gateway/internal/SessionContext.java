package dev.tether.gateway.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tether.gateway.ConversationContext;
import dev.tether.gateway.HistoryLimits;
import dev.tether.gateway.Turn;
import dev.tether.protocol.AssistantDelta;
import dev.tether.protocol.AssistantDone;
import dev.tether.protocol.ClientMessage;
import dev.tether.protocol.Sequenced;
import dev.tether.protocol.ServerEvent;
import dev.tether.protocol.UserMessage;
import dev.tether.protocol.session.OnceAppend;
import dev.tether.protocol.session.SessionState;
import dev.tether.protocol.session.SessionStore;
import dev.tether.protocol.session.SessionStoreException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.UnaryOperator;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.util.retry.Retry;

/**
 * A session as its handler sees it, read from the session store alone, so that every node sees the same; its state
 * changed there by compare-and-set.
 */
final class SessionContext implements ConversationContext {

    /** Reads of the log tried again when it was trimmed between finding its start and reading from there. */
    private static final int TRIMMED_RETRIES = 3;

    private final SessionStore store;
    private final String sessionId;

    SessionContext(SessionStore store, String sessionId) {
        this.store = store;
        this.sessionId = sessionId;
    }

    @Override
    public String sessionId() {
        return sessionId;
    }

    @Override
    public Flux<ClientMessage> clientMessages() {
        return store.readClient(sessionId, 0);
    }

    @Override
    public Flux<Sequenced> frames() {
        return Flux.defer(() -> store.find(sessionId)
                        .flatMapMany(record -> store.read(sessionId, record.firstSeq() - 1)))
                .retryWhen(Retry.max(TRIMMED_RETRIES).filter(SessionStoreException::isHistoryTruncated));
    }

    @Override
    public Mono<SessionState> state() {
        return store.readState(sessionId);
    }

    @Override
    public Mono<SessionState> updateState(UnaryOperator<ObjectNode> change) {
        Objects.requireNonNull(change, "change");
        return Mono.defer(() -> store.readState(sessionId).flatMap(current -> {
                    ObjectNode next = Objects.requireNonNull(change.apply(current.value()),
                            "a state change returned null");
                    return next.equals(current.value())
                            ? Mono.just(current)
                            : store.writeState(sessionId, current.version(), next);
                }))
                // A conflict means another writer got in between: their write is in, so read it and apply again.
                .retryWhen(Retry.max(MAX_STATE_ATTEMPTS - 1)
                        .filter(SessionStoreException::isStateConflict)
                        .onRetryExhaustedThrow((spec, signal) -> new IllegalStateException("the state of session "
                                + sessionId + " was changed by others " + MAX_STATE_ATTEMPTS
                                + " times in a row while updating it; gave up", signal.failure())));
    }

    @Override
    public Mono<List<Turn>> history(long beforeCseq, HistoryLimits limits) {
        Objects.requireNonNull(limits, "limits");
        return Mono.zip(clientMessages().collectList(), frames().collectList())
                .map(both -> newest(turns(both.getT1(), both.getT2(), beforeCseq), limits));
    }

    @Override
    public Mono<Long> appendEventOnce(String key, String name, JsonNode data) {
        return store.appendOnce(sessionId, key, ServerEvent.of(name, data)).map(OnceAppend::seq);
    }

    /** Every turn before {@code beforeCseq}, oldest first. */
    static List<Turn> turns(List<ClientMessage> messages, List<Sequenced> frames, long beforeCseq) {
        Map<Long, StringBuilder> replies = new HashMap<>();
        // When the log was trimmed, the first reply it still has may have lost its beginning: leave it out.
        long cut = frames.isEmpty() || frames.get(0).seq() == 1 ? -1 : replyOf(frames.get(0));
        for (Sequenced frame : frames) {
            if (frame instanceof AssistantDelta delta && delta.replyTo() != cut) {
                replies.computeIfAbsent(delta.replyTo(), replyTo -> new StringBuilder()).append(delta.text());
            }
        }
        List<Turn> turns = new ArrayList<>();
        for (ClientMessage message : messages) {
            if (message instanceof UserMessage user && user.cseq() < beforeCseq) {
                turns.add(Turn.user(user.text()));
                StringBuilder reply = replies.get(user.cseq());
                if (reply != null && !reply.isEmpty()) {
                    turns.add(Turn.assistant(reply.toString()));
                }
            }
        }
        return turns;
    }

    /** The newest turns that fit the limits, oldest first. */
    static List<Turn> newest(List<Turn> turns, HistoryLimits limits) {
        ArrayDeque<Turn> kept = new ArrayDeque<>();
        long chars = 0;
        for (int i = turns.size() - 1; i >= 0 && kept.size() < limits.maxMessages(); i--) {
            Turn turn = turns.get(i);
            chars += turn.text().length();
            if (chars > limits.maxChars()) {
                break;
            }
            kept.addFirst(turn);
        }
        return List.copyOf(kept);
    }

    private static long replyOf(Sequenced frame) {
        return switch (frame) {
            case AssistantDelta delta -> delta.replyTo();
            case AssistantDone done -> done.replyTo();
            default -> -1;
        };
    }
}
