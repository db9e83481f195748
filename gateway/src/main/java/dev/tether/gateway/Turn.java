package dev.tether.gateway;

import java.util.Objects;

/**
 * One message of the conversation so far, as {@link ConversationContext#history} reads it from the session's log.
 *
 * @param role who said it
 * @param text what was said: a user message's text, or a reply's deltas joined
 */
public record Turn(Role role, String text) {

    /** Who said a {@link Turn}. */
    public enum Role {
        /** The person, through a {@code user_message}. */
        USER,
        /** The assistant, through a reply's {@code assistant_delta}s. */
        ASSISTANT
    }

    public Turn {
        Objects.requireNonNull(role, "role");
        Objects.requireNonNull(text, "text");
    }

    /** A user message. */
    public static Turn user(String text) {
        return new Turn(Role.USER, text);
    }

    /** A reply of the assistant. */
    public static Turn assistant(String text) {
        return new Turn(Role.ASSISTANT, text);
    }
}
