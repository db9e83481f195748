package dev.tether.gateway.internal;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tether.gateway.GatewayConfig;
import dev.tether.protocol.session.SessionTokens;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.io.ByteArrayOutputStream;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.function.Supplier;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.netty.http.server.HttpServerRequest;
import reactor.netty.http.server.HttpServerResponse;

/**
 * The API key check of the backend APIs ({@link PushApi}, {@link StateApi}), with one limit on failed
 * authentications per client address across them, and their JSON error answers.
 */
final class ApiGuard {

    /** Failed authentications a client address may have per {@link #AUTH_FAILURE_WINDOW}: 10. */
    static final int AUTH_FAILURE_LIMIT = 10;
    /** The window in which failed authentications are counted: 1 minute. */
    static final Duration AUTH_FAILURE_WINDOW = Duration.ofMinutes(1);
    /** How long every request of an address over the limit is refused: 1 minute. */
    static final Duration AUTH_FAILURE_COOLDOWN = Duration.ofMinutes(1);
    /** Client addresses whose failures are remembered at once, the least recently heard forgotten first: 10,000. */
    static final int AUTH_FAILURE_ADDRESSES = 10_000;
    /** The longest session id echoed in a message: generated ids have 22 characters. */
    private static final int MAX_SHOWN_ID = 64;

    private final ObjectMapper mapper;
    /** The API key's digest; {@code null} while the APIs are off. */
    private final byte[] apiKeyDigest;
    private final AddressFailures authFailures;
    private final ClientAddress clientAddress;

    ApiGuard(GatewayConfig config, ClientAddress clientAddress, ObjectMapper mapper, Scheduler scheduler) {
        this.mapper = mapper;
        this.apiKeyDigest = config.pushApi().apiKey().map(SessionTokens::digest).orElse(null);
        this.authFailures = new AddressFailures(AUTH_FAILURE_LIMIT, AUTH_FAILURE_WINDOW, AUTH_FAILURE_COOLDOWN,
                AUTH_FAILURE_ADDRESSES, scheduler);
        this.clientAddress = clientAddress;
    }

    /**
     * Runs {@code handler} for a request that carries the API key; otherwise answers 404 while no API key is
     * configured (the APIs do not exist), 401 for a missing or wrong key, and 429 with Retry-After for every request
     * from an address that had more than {@link #AUTH_FAILURE_LIMIT} failed authentications within
     * {@link #AUTH_FAILURE_WINDOW}, for {@link #AUTH_FAILURE_COOLDOWN}.
     */
    Publisher<Void> authorized(HttpServerRequest request, HttpServerResponse response,
                               Supplier<Publisher<Void>> handler) {
        if (apiKeyDigest == null) {
            return respond(response, HttpResponseStatus.NOT_FOUND, "not_found",
                    "the backend API is off: the gateway has no API key");
        }
        String address = clientAddress.of(request);
        Duration coolingDown = authFailures.coolingDown(address);
        if (!coolingDown.isZero()) {
            // Every request, the right key too: else a guesser would learn which guess was right at full speed.
            return tooManyFailures(response, coolingDown);
        }
        if (!carriesKey(request.requestHeaders().get(HttpHeaderNames.AUTHORIZATION))) {
            Duration cooldown = authFailures.failed(address);
            if (!cooldown.isZero()) {
                return tooManyFailures(response, cooldown);
            }
            response.header(HttpHeaderNames.WWW_AUTHENTICATE, "Bearer");
            return respond(response, HttpResponseStatus.UNAUTHORIZED, "unauthorized",
                    "a valid Authorization: Bearer <api key> header is required");
        }
        return handler.get();
    }

    /** Answers {@code status} with the JSON {@code {"error": error, "reason": reason}}. */
    Mono<Void> respond(HttpServerResponse response, HttpResponseStatus status, String error, String reason) {
        ObjectNode json = mapper.createObjectNode();
        json.put("error", error);
        json.put("reason", reason);
        return ServerHandle.sendJson(response, status, json);
    }

    private Mono<Void> tooManyFailures(HttpServerResponse response, Duration wait) {
        response.header(HttpHeaderNames.RETRY_AFTER, Long.toString(seconds(wait)));
        return respond(response, HttpResponseStatus.TOO_MANY_REQUESTS, "too_many_requests",
                "too many failed authentications from this address; try again later");
    }

    /** The request's body, or {@link BodyTooLarge} as soon as it is over {@code limit} bytes. */
    static Mono<byte[]> body(HttpServerRequest request, int limit) {
        return request.receive().asByteArray()
                .reduce(new ByteArrayOutputStream(), (body, bytes) -> {
                    if (body.size() + bytes.length > limit) {
                        throw new BodyTooLarge();
                    }
                    body.write(bytes, 0, bytes.length);
                    return body;
                })
                .map(ByteArrayOutputStream::toByteArray);
    }

    /** A Retry-After value: whole seconds, rounded up, at least one. */
    static long seconds(Duration wait) {
        return Math.max(1, (wait.toMillis() + 999) / 1000);
    }

    /** A session id as a message may show it: a long one is described by its length, not echoed. */
    static String shown(String sessionId) {
        return sessionId.length() <= MAX_SHOWN_ID ? sessionId : "id of " + sessionId.length() + " characters";
    }

    /** Whether {@code header} carries the API key; compared as digests, in time that does not depend on it. */
    private boolean carriesKey(String header) {
        String prefix = "Bearer ";
        if (header == null || header.length() <= prefix.length()
                || !header.regionMatches(true, 0, prefix, 0, prefix.length())) {
            return false;
        }
        return MessageDigest.isEqual(SessionTokens.digest(header.substring(prefix.length()).trim()), apiKeyDigest);
    }

    /** A request body over its limit. */
    static final class BodyTooLarge extends RuntimeException {
        BodyTooLarge() {
            super("body too large", null, false, false);
        }
    }
}
