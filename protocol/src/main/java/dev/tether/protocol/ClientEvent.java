package dev.tether.protocol;

import com.fasterxml.jackson.databind.JsonNode;

/** An application-defined event from the client, stored in the session log like a user message. */
public record ClientEvent(long cseq, String name, JsonNode data) implements ClientMessage {

    public static final String TYPE = "event";

    @Override
    public String type() {
        return TYPE;
    }

    @Override
    public ClientEvent withCseq(long cseq) {
        return new ClientEvent(cseq, name, data);
    }
}
