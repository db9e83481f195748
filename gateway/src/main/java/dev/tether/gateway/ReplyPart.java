package dev.tether.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tether.protocol.TokenUsage;
import java.util.Objects;

/** One piece of a reply produced by a {@link ConversationHandler}. */
public sealed interface ReplyPart {

    /** A piece of text, sent as {@code assistant_delta}. */
    static ReplyPart text(String text) {
        return new Text(text);
    }

    /** An application event, sent as a sequenced {@code event}. */
    static ReplyPart event(String name, JsonNode data) {
        return new Event(name, data);
    }

    /**
     * What the reply cost, carried by its {@code assistant_done} rather than sent as a frame of its own; the last one
     * a reply emits counts.
     */
    static ReplyPart usage(long promptTokens, long completionTokens) {
        return new Usage(new TokenUsage(promptTokens, completionTokens));
    }

    /** Text for the person reading the reply. */
    record Text(String text) implements ReplyPart {
        public Text {
            Objects.requireNonNull(text, "text");
        }
    }

    /** A named event with JSON data, for the client application. */
    record Event(String name, JsonNode data) implements ReplyPart {
        public Event {
            Objects.requireNonNull(name, "name");
            if (name.isEmpty()) {
                throw new IllegalArgumentException("name must not be empty");
            }
        }
    }

    /** The tokens a reply cost, for its {@code assistant_done}. */
    record Usage(TokenUsage tokens) implements ReplyPart {
        public Usage {
            Objects.requireNonNull(tokens, "tokens");
        }
    }
}
