package dev.tether.gateway.internal;

import dev.tether.protocol.ClientFrame;
import dev.tether.protocol.ErrorCode;
import dev.tether.protocol.ErrorFrame;
import dev.tether.protocol.FrameCodec;
import dev.tether.protocol.FrameException;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;

/** A data frame from a client, decoded: the frame, or the error that answers it. */
record Received(ClientFrame frame, ErrorFrame error) {

    /** Decodes at once: Reactor Netty releases the frame's buffer after the caller returns. */
    static Received decode(FrameCodec codec, WebSocketFrame frame) {
        if (!(frame instanceof TextWebSocketFrame text)) {
            return new Received(null, new ErrorFrame(ErrorCode.UNSUPPORTED_FRAME,
                    "only text frames are accepted, got " + frame.getClass().getSimpleName()));
        }
        try {
            return new Received(codec.decodeClient(text.text()), null);
        } catch (FrameException e) {
            return new Received(null, e.toErrorFrame());
        }
    }
}
