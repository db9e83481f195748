package dev.tether.gateway.internal.backend;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/** One line of a backend's answer: text, an event, or the session's new state. */
sealed interface BackendPart {

    /** {@code {"text": "..."}}: a piece of the reply, an {@code assistant_delta}. */
    record Text(String text) implements BackendPart {
    }

    /** {@code {"event": {"name": "...", "data": ...}}}: a sequenced {@code event}. */
    record Event(String name, JsonNode data) implements BackendPart {
    }

    /** {@code {"state": {...}}}: replaces the session's state. */
    record State(ObjectNode state) implements BackendPart {
    }
}
