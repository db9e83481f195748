package dev.tether.gateway.internal;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CorruptedWebSocketFrameException;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PongWebSocketFrame;
import io.netty.handler.codec.http.websocketx.Utf8FrameValidator;
import io.netty.handler.codec.http.websocketx.WebSocket13FrameDecoder;
import io.netty.handler.codec.http.websocketx.WebSocketCloseStatus;
import io.netty.handler.codec.http.websocketx.WebSocketDecoderConfig;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrameDecoder;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * What belongs to the WebSocket layer beneath the protocol: pings and pongs, and RFC 6455 as written on each upgraded
 * connection. The frame decoder Reactor Netty installs allows the reserved bits
 * (it allows extensions, although none is negotiated here), does not check that text is UTF-8, and answers a close
 * frame with a bad code or reason by dropping the TCP connection. Installed in its place: reserved bits and malformed
 * close frames fail the connection with 1002, text that is not UTF-8 with 1007.
 */
final class WebSocketLayer {

    private WebSocketLayer() {
    }

    /**
     * Replaces the connection's frame decoder. Called as the connection is handed over after the upgrade, before
     * anything is read from it: a client sends no frame before the 101 response, so the old decoder holds no bytes.
     */
    static void install(ChannelPipeline pipeline, int maxFrameBytes) {
        ChannelHandlerContext old = pipeline.context(WebSocketFrameDecoder.class);
        if (old == null) {
            return;
        }
        WebSocketDecoderConfig config = WebSocketDecoderConfig.newBuilder()
                .expectMaskedFrames(true)
                .allowExtensions(false)
                .allowMaskMismatch(false)
                .maxFramePayloadLength(maxFrameBytes)
                .closeOnProtocolViolation(true)
                .build();
        pipeline.replace(old.name(), old.name(), new Decoder(config));
        pipeline.addAfter(old.name(), "tether-utf8", new Utf8FrameValidator(true));
    }

    /**
     * Answers a WebSocket ping and drops a pong (unsolicited ones are allowed, RFC 6455 §5.5.3); {@code true} for the
     * data frames that carry the protocol.
     */
    static boolean isData(WebSocketFrame frame, Channel channel) {
        if (frame instanceof PingWebSocketFrame ping) {
            channel.writeAndFlush(new PongWebSocketFrame(ping.content().retainedDuplicate()));
            return false;
        }
        return !(frame instanceof PongWebSocketFrame);
    }

    /** Whether RFC 6455 §7.4 lets a peer send this close code. */
    static boolean isValidCloseCode(int code) {
        return code >= 1000 && code <= 1003 || code >= 1007 && code <= 1014 || code >= 3000 && code <= 4999;
    }

    private static final class Decoder extends WebSocket13FrameDecoder {

        Decoder(WebSocketDecoderConfig config) {
            super(config);
        }

        /** Fails the connection with 1002, close frame and all, instead of the decoder's silent drop. */
        @Override
        protected void checkCloseFrameBody(ChannelHandlerContext ctx, ByteBuf body) {
            String violation = violation(body);
            if (violation != null) {
                ctx.writeAndFlush(new CloseWebSocketFrame(WebSocketCloseStatus.PROTOCOL_ERROR, violation))
                        .addListener(ChannelFutureListener.CLOSE);
                throw new CorruptedWebSocketFrameException(WebSocketCloseStatus.PROTOCOL_ERROR, violation);
            }
        }

        private static String violation(ByteBuf body) {
            if (body == null || !body.isReadable()) {
                return null;
            }
            if (body.readableBytes() == 1) {
                return "close frame with a 1-byte body";
            }
            int code = body.getUnsignedShort(body.readerIndex());
            if (!isValidCloseCode(code)) {
                return "invalid close code " + code;
            }
            try {
                StandardCharsets.UTF_8.newDecoder()
                        .onMalformedInput(CodingErrorAction.REPORT)
                        .onUnmappableCharacter(CodingErrorAction.REPORT)
                        .decode(body.nioBuffer(body.readerIndex() + 2, body.readableBytes() - 2));
            } catch (CharacterCodingException e) {
                return "close reason is not UTF-8";
            }
            return null;
        }
    }
}
