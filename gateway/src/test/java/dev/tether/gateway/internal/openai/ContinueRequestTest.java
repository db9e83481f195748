package dev.tether.gateway.internal.openai;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tether.gateway.LlmOptions;
import dev.tether.gateway.Turn;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import reactor.core.scheduler.Schedulers;

/** The request that continues a reply taken over from a dead node, in each {@code --llm-continue} mode. */
class ContinueRequestTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    private static List<String> messages(LlmOptions.Continue mode, String partial) throws Exception {
        LlmOptions options = LlmOptions.builder().url("http://127.0.0.1:1/v1").model("m").system("Be brief.")
                .continueMode(mode).build();
        try (OpenAiHandler handler = new OpenAiHandler(options, Schedulers.immediate())) {
            JsonNode body = JSON.readTree(handler.body(List.of(Turn.user("hi"), Turn.assistant("Hello!")),
                    "count to five", partial));
            List<String> messages = new ArrayList<>();
            body.path("messages").forEach(m -> messages.add(m.path("role").asText() + ": "
                    + m.path("content").asText()));
            assertThat(body.path("stream").asBoolean()).isTrue();
            return messages;
        }
    }

    @Test
    void prefillSendsThePartialReplyAsTheLastAssistantMessage() throws Exception {
        assertThat(messages(LlmOptions.Continue.PREFILL, "one, two,")).containsExactly("system: Be brief.",
                "user: hi", "assistant: Hello!", "user: count to five", "assistant: one, two,");
    }

    @Test
    void instructAddsAUserMessageAskingToGoOnWithoutRepeating() throws Exception {
        assertThat(messages(LlmOptions.Continue.INSTRUCT, "one, two,")).containsExactly("system: Be brief.",
                "user: hi", "assistant: Hello!", "user: count to five", "assistant: one, two,",
                "user: " + OpenAiHandler.CONTINUE_INSTRUCTION);
    }

    @Test
    void aReplyWithNoTextYetIsAskedForAgainFromTheStart() throws Exception {
        assertThat(messages(LlmOptions.Continue.PREFILL, "")).containsExactly("system: Be brief.", "user: hi",
                "assistant: Hello!", "user: count to five");
    }
}
