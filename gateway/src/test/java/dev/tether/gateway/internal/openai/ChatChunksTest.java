package dev.tether.gateway.internal.openai;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tether.gateway.ReplyFailure;
import dev.tether.gateway.ReplyPart;
import dev.tether.protocol.ReplyError;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Server-sent events of a streamed chat completion, cut anywhere, read into reply parts. */
class ChatChunksTest {

    /** A stream as OpenAI sends it: role chunk, two tokens, the finish, the usage chunk, [DONE]. */
    private static final String STREAM = """
            data: {"id":"c1","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,\
            "delta":{"role":"assistant","content":""},"logprobs":null,"finish_reason":null}],"usage":null}

            data: {"id":"c1","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,\
            "delta":{"content":"Grüß"},"logprobs":null,"finish_reason":null}],"usage":null}

            : a comment line

            data: {"id":"c1","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,\
            "delta":{"content":" dich 👋"},"logprobs":null,"finish_reason":null}],"usage":null}

            data: {"id":"c1","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,\
            "delta":{},"logprobs":null,"finish_reason":"stop"}],"usage":null}

            data: {"id":"c1","object":"chat.completion.chunk","created":1,"model":"m","choices":[],\
            "usage":{"prompt_tokens":9,"completion_tokens":3,"total_tokens":12}}

            data: [DONE]

            """.replace("\n", "\r\n");

    private static List<ReplyPart> read(byte[] body, int pieceSize) {
        SseLines lines = new SseLines();
        ChatChunks chunks = new ChatChunks(new ObjectMapper());
        List<ReplyPart> parts = new ArrayList<>();
        for (int at = 0; at < body.length; at += pieceSize) {
            ByteBuf piece = Unpooled.wrappedBuffer(body, at, Math.min(pieceSize, body.length - at));
            lines.feed(piece).forEach(line -> parts.addAll(chunks.line(line)));
        }
        lines.end().forEach(line -> parts.addAll(chunks.line(line)));
        parts.addAll(chunks.end());
        assertThat(chunks.done()).isTrue();
        return parts;
    }

    @Test
    void tokensAndUsageComeOutWholeWhereverTheBodyIsCut() {
        byte[] body = STREAM.getBytes(StandardCharsets.UTF_8);
        List<ReplyPart> expected = List.of(ReplyPart.text("Grüß"), ReplyPart.text(" dich 👋"),
                ReplyPart.usage(9, 3));
        for (int pieceSize : new int[] {1, 2, 3, 7, 64, body.length}) {
            assertThat(read(body, pieceSize)).as("cut every %d bytes", pieceSize).isEqualTo(expected);
        }
    }

    @Test
    void anErrorEventFailsTheReplyAsBroken() {
        ChatChunks chunks = new ChatChunks(new ObjectMapper());
        chunks.line("data: {\"error\":{\"message\":\"model overloaded\",\"type\":\"server_error\"}}");

        assertThatThrownBy(() -> chunks.line(""))
                .isInstanceOfSatisfying(ReplyFailure.class, failure -> {
                    assertThat(failure.error().code()).isEqualTo(ReplyError.UPSTREAM_BROKEN);
                    assertThat(failure.error().message()).contains("model overloaded");
                });
    }

    @Test
    void anEventThatIsNotJsonFailsTheReplyAsBroken() {
        ChatChunks chunks = new ChatChunks(new ObjectMapper());
        chunks.line("data: {not json");

        assertThatThrownBy(() -> chunks.line("")).isInstanceOf(ReplyFailure.class);
    }
}
