package dev.tether.e2e.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.LongNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tether.gateway.ConversationContext;
import dev.tether.gateway.ConversationHandler;
import dev.tether.gateway.ConversationHandlerProvider;
import dev.tether.gateway.GatewayConfig;
import dev.tether.gateway.ReplyPart;
import dev.tether.protocol.ClientEvent;
import dev.tether.protocol.ClientMessage;
import dev.tether.protocol.UserMessage;
import java.time.Duration;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * {@code --handler keypad}: a phone keypad collecting a number in the session's state. Each {@code key} event
 * ({@code {"key": "7"}}) stores its digit in the state under its cseq, so that the same event handled twice, on any
 * node, counts once, and events handled out of order still read in order; the user message {@code #} is answered
 * with the number typed before it, once every key event before it is in the state. A key event whose data names a
 * node ({@code {"key": "5", "stallOn": "a"}}) stalls there: node a logs a {@value #STALLED_EVENT} event and never
 * finishes handling it, as if it hung or died mid-call; any other node handles it as usual. Found by the gateway
 * processes of the end-to-end tests through {@link java.util.ServiceLoader}, since they run on the test classpath.
 */
public final class KeypadHandlerProvider implements ConversationHandlerProvider {

    /** The handler's name. */
    public static final String NAME = "keypad";
    /** The event that carries one key. */
    public static final String KEY_EVENT = "key";
    /** The event a node logs when it starts stalling on a key event, with the key event's cseq as data. */
    public static final String STALLED_EVENT = "stalled";

    /** How long the answer waits for key events before it to be in the state: far beyond a healthy handling. */
    private static final Duration KEYS_WAIT = Duration.ofSeconds(20);
    private static final Duration POLL = Duration.ofMillis(50);

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public ConversationHandler create(GatewayConfig config) {
        return new Keypad(config.server().nodeId());
    }

    private static final class Keypad implements ConversationHandler {

        private final String nodeId;

        Keypad(String nodeId) {
            this.nodeId = nodeId;
        }

        @Override
        public Mono<Void> onEvent(ConversationContext context, ClientEvent event) {
            JsonNode key = event.data() == null ? null : event.data().get("key");
            if (!KEY_EVENT.equals(event.name()) || key == null || !key.isTextual()) {
                return Mono.empty();
            }
            if (nodeId.equals(event.data().path("stallOn").asText())) {
                return context.appendEventOnce("keypad:stalled:" + event.cseq(), STALLED_EVENT,
                        LongNode.valueOf(event.cseq())).then(Mono.never());
            }
            return context.updateState(state -> {
                // Keyed by cseq: writing it again changes nothing, so a redelivered event counts once.
                ObjectNode keys = state.get("keys") instanceof ObjectNode stored ? stored : state.putObject("keys");
                keys.put(Long.toString(event.cseq()), key.textValue());
                return state;
            }).then();
        }

        @Override
        public Flux<ReplyPart> reply(ConversationContext context, UserMessage message) {
            if (!"#".equals(message.text().trim())) {
                return Flux.just(ReplyPart.text("type digits as key events, then send #"));
            }
            return context.clientMessages()
                    .filter(m -> m instanceof ClientEvent e && KEY_EVENT.equals(e.name())
                            && m.cseq() < message.cseq())
                    .map(ClientMessage::cseq)
                    .collect(Collectors.toSet())
                    .flatMap(expected -> keysOnceStored(context, expected))
                    .map(keys -> ReplyPart.text(String.join("", keys.values())))
                    .flux();
        }

        /** The keys in the state, in cseq order, once all of {@code expected} are there. */
        private static Mono<Map<Long, String>> keysOnceStored(ConversationContext context, Set<Long> expected) {
            return Flux.interval(Duration.ZERO, POLL)
                    .concatMap(tick -> context.state())
                    .map(state -> keys(state.value()))
                    .filter(keys -> keys.keySet().containsAll(expected))
                    .next()
                    .timeout(KEYS_WAIT, Mono.error(() -> new IllegalStateException("key events " + expected
                            + " are not all in the state after " + KEYS_WAIT.toSeconds() + "s")));
        }

        private static Map<Long, String> keys(ObjectNode state) {
            Map<Long, String> keys = new TreeMap<>();
            JsonNode stored = state.path("keys");
            for (Iterator<Map.Entry<String, JsonNode>> it = stored.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> entry = it.next();
                keys.put(Long.parseLong(entry.getKey()), entry.getValue().asText());
            }
            return keys;
        }
    }
}
