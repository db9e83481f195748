package dev.tether.gateway.internal.backend;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;

/**
 * Reads a backend's streamed answer as its bytes arrive, in either format: newline-delimited JSON, one part per line,
 * or server-sent events with a part's JSON in the {@code data:} lines of each event. A line may span any number of
 * chunks and is bounded by {@link #MAX_LINE_BYTES}; a line that is not a part fails with {@link BackendException}
 * ({@value BackendException#BROKEN}). Not thread-safe: one per response.
 */
final class PartReader {

    /** The longest line accepted, in bytes: 1 MiB. */
    static final int MAX_LINE_BYTES = 1 << 20;

    /** The media type of newline-delimited JSON. */
    static final String NDJSON = "application/x-ndjson";
    /** The media type of server-sent events. */
    static final String EVENT_STREAM = "text/event-stream";

    private final ObjectMapper mapper;
    private final boolean sse;
    private final int maxLineBytes;
    private byte[] line = new byte[256];
    private int length;
    /** The {@code data:} lines of the server-sent event being read, joined with newlines. */
    private final StringBuilder data = new StringBuilder();
    private boolean hasData;

    PartReader(ObjectMapper mapper, boolean sse, int maxLineBytes) {
        this.mapper = mapper;
        this.sse = sse;
        this.maxLineBytes = maxLineBytes;
    }

    /** A reader for a response of this {@code Content-Type}: server-sent events, else newline-delimited JSON. */
    static PartReader forContentType(ObjectMapper mapper, String contentType) {
        boolean sse = contentType != null && contentType.toLowerCase(Locale.ROOT).startsWith(EVENT_STREAM);
        return new PartReader(mapper, sse, MAX_LINE_BYTES);
    }

    /** The parts completed by these bytes, in order. */
    List<BackendPart> feed(byte[] bytes) {
        List<BackendPart> parts = new ArrayList<>();
        for (byte b : bytes) {
            if (b == '\n') {
                endLine(parts);
            } else {
                if (length == maxLineBytes) {
                    throw new BackendException(BackendException.BROKEN,
                            "the backend sent a line longer than " + maxLineBytes + " bytes");
                }
                if (length == line.length) {
                    line = Arrays.copyOf(line, Math.min(maxLineBytes, line.length * 2));
                }
                line[length++] = b;
            }
        }
        return parts;
    }

    /** The parts left when the body has ended: a last line without its newline, a last event without its blank line. */
    List<BackendPart> finish() {
        List<BackendPart> parts = new ArrayList<>();
        if (length > 0) {
            endLine(parts);
        }
        if (sse) {
            dispatch(parts);
        }
        return parts;
    }

    private void endLine(List<BackendPart> parts) {
        int end = length > 0 && line[length - 1] == '\r' ? length - 1 : length;
        length = 0;
        if (!sse) {
            if (!blank(end)) {
                parts.add(part(new String(line, 0, end, StandardCharsets.UTF_8)));
            }
            return;
        }
        String text = new String(line, 0, end, StandardCharsets.UTF_8);
        if (text.isEmpty()) {
            dispatch(parts);
        } else if (text.startsWith("data:")) {
            if (hasData) {
                data.append('\n');
            }
            data.append(text, text.startsWith("data: ") ? 6 : 5, text.length());
            hasData = true;
        }
        // Comments (":"), event names, ids and retry hints carry no part.
    }

    private void dispatch(List<BackendPart> parts) {
        if (hasData) {
            String json = data.toString();
            data.setLength(0);
            hasData = false;
            if (!json.isBlank()) {
                parts.add(part(json));
            }
        }
    }

    private boolean blank(int end) {
        for (int i = 0; i < end; i++) {
            if (line[i] != ' ' && line[i] != '\t') {
                return false;
            }
        }
        return true;
    }

    /** One part from its JSON: an object with exactly one of {@code text}, {@code event} and {@code state}. */
    BackendPart part(String json) {
        JsonNode node;
        try {
            node = mapper.readTree(json);
        } catch (JsonProcessingException e) {
            throw broken("a line that is not JSON", json);
        } catch (IOException e) {
            throw broken("a line that could not be read", json);
        }
        if (node == null || !node.isObject() || node.size() != 1) {
            throw broken("a line that is not an object with one of text, event and state", json);
        }
        Iterator<String> names = node.fieldNames();
        String name = names.next();
        JsonNode value = node.get(name);
        return switch (name) {
            case "text" -> {
                if (!value.isTextual()) {
                    throw broken("a text that is not a string", json);
                }
                yield new BackendPart.Text(value.textValue());
            }
            case "event" -> {
                JsonNode eventName = value.get("name");
                if (eventName == null || !eventName.isTextual() || eventName.textValue().isEmpty()) {
                    throw broken("an event without a name", json);
                }
                JsonNode eventData = value.get("data");
                yield new BackendPart.Event(eventName.textValue(),
                        eventData == null ? NullNode.getInstance() : eventData);
            }
            case "state" -> {
                if (!(value instanceof ObjectNode state)) {
                    throw broken("a state that is not an object", json);
                }
                yield new BackendPart.State(state);
            }
            default -> throw broken("a line that is not an object with one of text, event and state", json);
        };
    }

    private static BackendException broken(String what, String json) {
        // The line is the application's content: its length goes into the message, not its text.
        return new BackendException(BackendException.BROKEN,
                "the backend sent " + what + " (" + json.length() + " characters)");
    }
}
