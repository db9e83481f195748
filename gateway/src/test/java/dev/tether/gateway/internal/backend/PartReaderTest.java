package dev.tether.gateway.internal.backend;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.TextNode;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class PartReaderTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    private static List<BackendPart> readInPieces(PartReader reader, String body, int piece) {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        List<BackendPart> parts = new ArrayList<>();
        for (int i = 0; i < bytes.length; i += piece) {
            parts.addAll(reader.feed(Arrays.copyOfRange(bytes, i, Math.min(bytes.length, i + piece))));
        }
        parts.addAll(reader.finish());
        return parts;
    }

    @Test
    void ndjsonReadsTheSamePartsWhateverTheChunkSizeEvenWithinAMultiByteCharacter() {
        String body = "{\"text\":\"caf\u00e9 \u20ac\"}\r\n\n{\"event\":{\"name\":\"e\",\"data\":\"d\"}}\n"
                + "{\"state\":{\"lang\":\"fr\"}}";
        for (int piece = 1; piece <= body.length(); piece++) {
            List<BackendPart> parts = readInPieces(PartReader.forContentType(JSON, "application/x-ndjson"), body,
                    piece);
            assertThat(parts).as("in pieces of " + piece).containsExactly(
                    new BackendPart.Text("caf\u00e9 \u20ac"),
                    new BackendPart.Event("e", TextNode.valueOf("d")),
                    new BackendPart.State(JSON.createObjectNode().put("lang", "fr")));
        }
    }

    @Test
    void serverSentEventsJoinTheirDataLinesAndSkipCommentsAndFields() {
        String body = ": keep-alive\n\nid: 1\nevent: part\ndata: {\"text\":\ndata: \"a\"}\n\ndata:{\"text\":\"b\"}\n";
        for (int piece = 1; piece <= body.length(); piece++) {
            assertThat(readInPieces(PartReader.forContentType(JSON, "text/event-stream; charset=utf-8"), body, piece))
                    .as("in pieces of " + piece)
                    .containsExactly(new BackendPart.Text("a"), new BackendPart.Text("b"));
        }
    }

    @Test
    void aLineLongerThanTheBoundFailsAsBrokenBeforeItIsAllBuffered() {
        PartReader reader = new PartReader(JSON, false, 64);
        reader.feed(("{\"text\":\"" + "x".repeat(50)).getBytes(StandardCharsets.UTF_8));

        assertThatThrownBy(() -> reader.feed("y".repeat(20).getBytes(StandardCharsets.UTF_8)))
                .isInstanceOfSatisfying(BackendException.class,
                        e -> assertThat(e.code()).isEqualTo(BackendException.BROKEN))
                .hasMessageContaining("longer than 64 bytes");
    }

    @Test
    void aLineOfExactlyTheBoundIsAccepted() {
        String line = "{\"text\":\"" + "x".repeat(64 - 12) + "\"}";
        assertThat(line.length()).isEqualTo(64 - 1);
        assertThat(new PartReader(JSON, false, 63).feed((line + "\n").getBytes(StandardCharsets.UTF_8)))
                .hasSize(1);
    }

    @Test
    void everyLineThatIsNotExactlyOnePartIsRejected() {
        for (String line : List.of("not json", "[1]", "{}", "{\"text\":1}", "{\"text\":\"a\",\"state\":{}}",
                "{\"event\":{\"data\":1}}", "{\"event\":{\"name\":\"\"}}", "{\"state\":[]}", "{\"other\":1}")) {
            PartReader reader = PartReader.forContentType(JSON, "application/x-ndjson");
            assertThatThrownBy(() -> reader.feed((line + "\n").getBytes(StandardCharsets.UTF_8)))
                    .as(line)
                    .isInstanceOfSatisfying(BackendException.class,
                            e -> assertThat(e.code()).isEqualTo(BackendException.BROKEN))
                    .hasMessageNotContaining(line);
        }
    }

    @Test
    void anEventWithoutDataCarriesNull() {
        assertThat(PartReader.forContentType(JSON, null).feed("{\"event\":{\"name\":\"x\"}}\n"
                .getBytes(StandardCharsets.UTF_8)))
                .containsExactly(new BackendPart.Event("x", JSON.nullNode()));
    }
}
