package dev.tether.gateway.internal.openai;

import dev.tether.gateway.ReplyFailure;
import dev.tether.protocol.ReplyError;
import io.netty.buffer.ByteBuf;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Cuts a response body into lines as its buffers arrive, at {@code \n} (a {@code \r} before it dropped), decoding
 * each whole line as UTF-8, so that a character split between two buffers comes out whole. Not thread-safe: one per
 * response.
 */
final class SseLines {

    /** Longest line accepted: a chunk carries one token, and a server that sends more is not a chat server. */
    static final int MAX_LINE_BYTES = 1 << 20;

    private final ByteArrayOutputStream line = new ByteArrayOutputStream(256);

    /** The lines {@code buffer} completes; reads it without releasing it. */
    List<String> feed(ByteBuf buffer) {
        List<String> lines = new ArrayList<>(2);
        while (buffer.isReadable()) {
            int newline = buffer.indexOf(buffer.readerIndex(), buffer.writerIndex(), (byte) '\n');
            int end = newline < 0 ? buffer.writerIndex() : newline;
            int length = end - buffer.readerIndex();
            if (line.size() + length > MAX_LINE_BYTES) {
                throw new ReplyFailure(ReplyError.UPSTREAM_BROKEN,
                        "the model server sent a line longer than " + MAX_LINE_BYTES + " bytes");
            }
            byte[] piece = new byte[length];
            buffer.readBytes(piece);
            line.write(piece, 0, length);
            if (newline < 0) {
                break;
            }
            buffer.skipBytes(1);
            lines.add(take());
        }
        return lines;
    }

    /** The last line, if the body did not end with a newline; else nothing. */
    List<String> end() {
        return line.size() == 0 ? List.of() : List.of(take());
    }

    private String take() {
        byte[] bytes = line.toByteArray();
        line.reset();
        int length = bytes.length > 0 && bytes[bytes.length - 1] == '\r' ? bytes.length - 1 : bytes.length;
        return new String(bytes, 0, length, StandardCharsets.UTF_8);
    }
}
