package dev.tether.gateway.internal.openai;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tether.gateway.ReplyFailure;
import dev.tether.gateway.ReplyPart;
import dev.tether.protocol.ReplyError;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads the server-sent events of a streamed chat completion, one line at a time: {@code data: {...}} lines carry
 * {@code chat.completion.chunk} objects, whose {@code choices[0].delta.content} is the next text and whose
 * {@code usage}, in the last chunk before {@code data: [DONE]}, what the request cost. Not thread-safe: one per
 * response.
 */
final class ChatChunks {

    /** The payload of the event that ends the stream. */
    static final String DONE = "[DONE]";

    private final ObjectMapper json;
    private final StringBuilder data = new StringBuilder();
    private boolean hasData;
    private boolean done;
    private boolean finished;

    ChatChunks(ObjectMapper json) {
        this.json = json;
    }

    /** The parts that one line of the body completes; fails with a {@link ReplyFailure} on an error event. */
    List<ReplyPart> line(String line) {
        if (line.isEmpty()) {
            return dispatch();
        }
        if (line.startsWith(":")) {
            return List.of();
        }
        int colon = line.indexOf(':');
        String field = colon < 0 ? line : line.substring(0, colon);
        if (!field.equals("data")) {
            // event:, id:, retry: carry nothing a chat completion needs.
            return List.of();
        }
        String value = colon < 0 ? "" : line.substring(colon + 1);
        if (value.startsWith(" ")) {
            value = value.substring(1);
        }
        if (hasData) {
            data.append('\n');
        }
        data.append(value);
        hasData = true;
        return List.of();
    }

    /** The parts of an event the body ended without the blank line after it. */
    List<ReplyPart> end() {
        return dispatch();
    }

    /** Whether {@code data: [DONE]} arrived, or a chunk gave a finish reason. */
    boolean complete() {
        return done || finished;
    }

    /** Whether {@code data: [DONE]} arrived. */
    boolean done() {
        return done;
    }

    private List<ReplyPart> dispatch() {
        if (!hasData) {
            return List.of();
        }
        String payload = data.toString();
        data.setLength(0);
        hasData = false;
        if (payload.equals(DONE)) {
            done = true;
            return List.of();
        }
        JsonNode chunk;
        try {
            chunk = json.readTree(payload);
        } catch (JsonProcessingException e) {
            throw new ReplyFailure(ReplyError.UPSTREAM_BROKEN, "the model server sent an event that is not JSON");
        }
        if (chunk == null || !chunk.isObject()) {
            throw new ReplyFailure(ReplyError.UPSTREAM_BROKEN, "the model server sent an event that is not an object");
        }
        JsonNode error = chunk.get("error");
        if (error != null && !error.isNull()) {
            JsonNode message = error.get("message");
            throw new ReplyFailure(ReplyError.UPSTREAM_BROKEN, "the model server failed: "
                    + OpenAiHandler.excerpt(message != null && message.isTextual() ? message.textValue()
                    : error.toString()));
        }
        List<ReplyPart> parts = new ArrayList<>(2);
        JsonNode choice = chunk.path("choices").path(0);
        JsonNode content = choice.path("delta").path("content");
        if (content.isTextual() && !content.textValue().isEmpty()) {
            parts.add(ReplyPart.text(content.textValue()));
        }
        JsonNode finish = choice.path("finish_reason");
        if (finish.isTextual()) {
            finished = true;
        }
        JsonNode usage = chunk.get("usage");
        if (usage != null && usage.isObject()) {
            long prompt = usage.path("prompt_tokens").asLong(0);
            long completion = usage.path("completion_tokens").asLong(0);
            if (prompt >= 0 && completion >= 0) {
                parts.add(ReplyPart.usage(prompt, completion));
            }
        }
        return parts;
    }
}
