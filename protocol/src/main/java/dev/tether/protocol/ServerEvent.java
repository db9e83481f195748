package dev.tether.protocol;

import com.fasterxml.jackson.databind.JsonNode;

/** An application-defined event from the server side, for example pushed by a backend. */
public record ServerEvent(long seq, String name, JsonNode data) implements Sequenced {

    public static final String TYPE = "event";

    /** An event not yet appended to a log. */
    public static ServerEvent of(String name, JsonNode data) {
        return new ServerEvent(UNASSIGNED, name, data);
    }

    @Override
    public String type() {
        return TYPE;
    }

    @Override
    public ServerEvent withSeq(long seq) {
        return new ServerEvent(seq, name, data);
    }
}
