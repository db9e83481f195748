package dev.tether.gateway.internal;

import dev.tether.gateway.LimitsOptions;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.util.Base64;
import java.util.List;
import java.util.function.BiFunction;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Mono;
import reactor.netty.http.server.HttpServerRequest;
import reactor.netty.http.server.HttpServerResponse;
import reactor.netty.http.server.WebsocketServerSpec;
import reactor.netty.http.websocket.WebsocketInbound;
import reactor.netty.http.websocket.WebsocketOutbound;

/**
 * The WebSocket endpoint's upgrade request, checked against RFC 6455 §4.2.1 before it is handed to Netty's
 * handshaker, which would otherwise fall back to pre-RFC drafts for a request without a version or a key: 400 for a
 * request that is not a valid opening handshake, 426 with the version spoken here for another protocol version,
 * 403 for a page of an origin not allowed.
 */
final class Upgrades {

    /** The only WebSocket version spoken: RFC 6455's. */
    static final String VERSION = "13";
    /** A Sec-WebSocket-Key is 16 random bytes in Base64. */
    private static final int KEY_BYTES = 16;

    private Upgrades() {
    }

    /** What handles an upgraded connection: Reactor Netty's WebSocket handler, told the client's address. */
    @FunctionalInterface
    interface Handler {
        Publisher<Void> handle(String clientAddress, WebsocketInbound in, WebsocketOutbound out);
    }

    /**
     * The endpoint's handler: upgrades a valid opening handshake to {@code handler}, answers any other itself, and
     * answers 403 to a page of an origin {@code limits} does not allow.
     */
    static BiFunction<HttpServerRequest, HttpServerResponse, Publisher<Void>> endpoint(
            Handler handler, WebsocketServerSpec spec, LimitsOptions limits, ClientAddress addresses,
            GatewayMetrics metrics) {
        return (request, response) -> {
            HttpHeaders headers = request.requestHeaders();
            if (!headers.containsValue(HttpHeaderNames.CONNECTION, HttpHeaderValues.UPGRADE, true)
                    || !headers.containsValue(HttpHeaderNames.UPGRADE, HttpHeaderValues.WEBSOCKET, true)) {
                return refuse(response, HttpResponseStatus.BAD_REQUEST, "not a WebSocket upgrade request");
            }
            String version = headers.get(HttpHeaderNames.SEC_WEBSOCKET_VERSION);
            if (version == null) {
                return refuse(response, HttpResponseStatus.BAD_REQUEST, "Sec-WebSocket-Version is missing");
            }
            if (!VERSION.equals(version.trim())) {
                response.header(HttpHeaderNames.SEC_WEBSOCKET_VERSION, VERSION);
                return refuse(response, HttpResponseStatus.UPGRADE_REQUIRED,
                        "WebSocket version " + VERSION + " only");
            }
            if (!isValidKey(headers.getAll(HttpHeaderNames.SEC_WEBSOCKET_KEY))) {
                return refuse(response, HttpResponseStatus.BAD_REQUEST,
                        "Sec-WebSocket-Key must be one Base64 value of 16 bytes");
            }
            String origin = headers.get(HttpHeaderNames.ORIGIN);
            if (origin != null && !limits.allowsOrigin(origin)) {
                // Before the upgrade: a browser then reports a failed connection, and the page learns nothing more.
                metrics.refused(GatewayMetrics.Refusal.ORIGIN);
                return refuse(response, HttpResponseStatus.FORBIDDEN, "origin not allowed");
            }
            String address = addresses.of(request);
            return response.sendWebsocket((in, out) -> handler.handle(address, in, out), spec);
        };
    }

    private static boolean isValidKey(List<String> keys) {
        if (keys.size() != 1) {
            return false;
        }
        try {
            return Base64.getDecoder().decode(keys.get(0).trim()).length == KEY_BYTES;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    private static Mono<Void> refuse(HttpServerResponse response, HttpResponseStatus status, String why) {
        return response.status(status)
                .header(HttpHeaderNames.CONTENT_TYPE, "text/plain; charset=utf-8")
                .header(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE)
                .sendString(Mono.just(why + "\n"))
                .then();
    }
}
