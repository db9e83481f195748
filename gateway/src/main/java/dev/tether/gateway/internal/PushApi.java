package dev.tether.gateway.internal;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tether.gateway.internal.ApiGuard.BodyTooLarge;
import dev.tether.protocol.FrameCodec;
import dev.tether.protocol.FrameException;
import dev.tether.protocol.ServerEvent;
import dev.tether.protocol.session.OnceAppend;
import dev.tether.protocol.session.SessionStore;
import dev.tether.protocol.session.SessionStoreException;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.time.Duration;
import org.reactivestreams.Publisher;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;
import reactor.netty.http.server.HttpServerRequest;
import reactor.netty.http.server.HttpServerResponse;

/**
 * The backend push API: {@value #PUSH_ROUTE}, which appends events to a session's log, and {@value #USER_PUSH_ROUTE},
 * which appends one to every live session of a user.
 */
final class PushApi {

    private static final Logger LOG = LoggerFactory.getLogger(PushApi.class);

    /** The backend push endpoint. */
    static final String PUSH_ROUTE = "/api/v1/sessions/{sessionId}/events";
    /** The push endpoint addressing a user ({@code sub}) rather than a session. */
    static final String USER_PUSH_ROUTE = "/api/v1/users/{sub}/events";
    /** Sessions of one user appended to at once. */
    private static final int USER_SESSIONS_AT_ONCE = 16;
    /** The header that makes a push idempotent. */
    static final String IDEMPOTENCY_KEY = "Idempotency-Key";
    /** The longest idempotency key: 200 characters. */
    static final int MAX_IDEMPOTENCY_KEY = 200;
    /** The longest user id accepted in the path, as long as a token's {@code sub} may be. */
    static final int MAX_SUB_LENGTH = TokenVerifier.MAX_SUB_LENGTH;

    private final SessionStore store;
    private final FrameCodec codec;
    private final ObjectMapper mapper;
    private final GatewayMetrics metrics;
    private final ApiGuard guard;
    /** The largest body accepted, in bytes: the largest frame; the event's frame is bounded by it too. */
    private final int limit;

    PushApi(SessionStore store, FrameCodec codec, GatewayMetrics metrics, ApiGuard guard) {
        this.store = store;
        this.codec = codec;
        this.mapper = codec.mapper();
        this.metrics = metrics;
        this.guard = guard;
        this.limit = codec.maxFrameBytes();
    }

    /**
     * {@code POST /api/v1/sessions/{sessionId}/events}: appends an {@code event} frame to a session's log on behalf
     * of a backend. 404 while no API key is configured (the endpoint does not exist), 401 for a missing or wrong
     * key, 429 when its address failed to authenticate too often ({@link ApiGuard#authorized}), 400 for a
     * malformed body or idempotency key, 404 for an unknown or expired session, 503 with Retry-After when the store
     * is unavailable, else 200 {@code {"seq": n, "duplicate": false}}.
     *
     * <p>With an {@code Idempotency-Key} header the event is appended at most once per key and session, so a backend
     * may send it again after a timeout or a node failure, to any node: the retry answers the first seq with
     * {@code "duplicate": true}. A key sent again with a different event is another request reusing it: 422.
     */
    Publisher<Void> push(HttpServerRequest request, HttpServerResponse response) {
        return Mono.from(guard.authorized(request, response, () -> pushRequest(request, response)))
                .doFinally(signal -> metrics.push(response.status().code()));
    }

    private Publisher<Void> pushRequest(HttpServerRequest request, HttpServerResponse response) {
        String sessionId = request.param("sessionId");
        String idempotencyKey = request.requestHeaders().get(IDEMPOTENCY_KEY);
        if (idempotencyKey != null && !validIdempotencyKey(idempotencyKey)) {
            return badIdempotencyKey(response);
        }
        return ApiGuard.body(request, limit)
                .flatMap(body -> {
                    ServerEvent event;
                    try {
                        event = parseEvent(body);
                        // The frame as the store will hold it: escapes and the seq make it larger than the body.
                        codec.check(event);
                    } catch (IllegalArgumentException e) {
                        return respond(response, HttpResponseStatus.BAD_REQUEST, "bad_request", e.getMessage());
                    } catch (FrameException e) {
                        return e.isTooLarge()
                                ? respond(response, HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE, "too_large",
                                        e.getMessage())
                                : respond(response, HttpResponseStatus.BAD_REQUEST, "bad_request", e.getMessage());
                    }
                    Mono<OnceAppend> appended = idempotencyKey == null
                            ? store.append(sessionId, event).map(stored -> new OnceAppend(stored.seq(), false))
                            : store.appendOnce(sessionId, idempotencyKey, event);
                    return appended
                            .flatMap(stored -> {
                                ObjectNode json = mapper.createObjectNode();
                                json.put("seq", stored.seq());
                                json.put("duplicate", stored.duplicate());
                                return ServerHandle.sendJson(response, HttpResponseStatus.OK, json);
                            })
                            .onErrorResume(e -> {
                                if (SessionStoreException.isNotFound(e)) {
                                    return respond(response, HttpResponseStatus.NOT_FOUND, "not_found",
                                            "no session " + shown(sessionId) + " (unknown or expired)");
                                }
                                if (SessionStoreException.isKeyReused(e)) {
                                    return respond(response, HttpResponseStatus.UNPROCESSABLE_ENTITY,
                                            "idempotency_key_reused", "this Idempotency-Key was first used with a"
                                                    + " different event; use a new key for a new event");
                                }
                                if (e instanceof SessionStoreException store && store.isRetryable()) {
                                    StoreHealth.log(LOG, e, "push to session {} failed", LogFields.session(sessionId));
                                    response.header(HttpHeaderNames.RETRY_AFTER,
                                            Long.toString(seconds(Closes.STORE_RETRY_AFTER)));
                                    // Unknown: the event may or may not have been stored (a timed-out append).
                                    return respond(response, HttpResponseStatus.SERVICE_UNAVAILABLE,
                                            "store_unavailable", SessionStoreException.isNotApplied(e)
                                                    ? "the session store is unavailable; the event was not stored"
                                                    : "the session store did not answer; the event may or may"
                                                            + " not have been stored");
                                }
                                return Mono.error(e);
                            });
                })
                .onErrorResume(BodyTooLarge.class, e -> respond(response,
                        HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE, "too_large",
                        "the body is larger than the frame limit of " + limit + " bytes"))
                .onErrorResume(e -> !(e instanceof BodyTooLarge), e -> {
                    LOG.warn("push to session {} failed", LogFields.session(sessionId), e);
                    return respond(response, HttpResponseStatus.INTERNAL_SERVER_ERROR, "internal",
                            "internal error");
                });
    }

    /**
     * {@code POST /api/v1/users/{sub}/events}: appends the event to every live session of the user {@code sub}
     * (URL-encoded in the path), as {@link #push} does to one. Answers 200 with the sessions reached, such as
     * {@code {"count": 2, "sessions": [{"sessionId": "…", "seq": 7, "duplicate": false}, …]}}, none when the user
     * has no live session; the same errors as {@link #push} otherwise. A session that ends meanwhile is left out.
     * With an {@code Idempotency-Key}, each session takes the event at most once under it, so a retry after a 503
     * completes the sessions the first call missed without repeating it in the others.
     */
    Publisher<Void> pushToUser(HttpServerRequest request, HttpServerResponse response) {
        return Mono.from(guard.authorized(request, response, () -> pushToUserRequest(request, response)))
                .doFinally(signal -> metrics.push(response.status().code()));
    }

    private Publisher<Void> pushToUserRequest(HttpServerRequest request, HttpServerResponse response) {
        // A path segment: a plus sign is itself, not a space as in a query.
        String sub = QueryStringDecoder.decodeComponent(request.param("sub").replace("+", "%2B"));
        String idempotencyKey = request.requestHeaders().get(IDEMPOTENCY_KEY);
        if (idempotencyKey != null && !validIdempotencyKey(idempotencyKey)) {
            return badIdempotencyKey(response);
        }
        if (sub.isBlank() || sub.length() > MAX_SUB_LENGTH) {
            return respond(response, HttpResponseStatus.BAD_REQUEST, "bad_request", "the user must be 1 to "
                    + MAX_SUB_LENGTH + " characters");
        }
        return ApiGuard.body(request, limit)
                .flatMap(body -> {
                    ServerEvent event;
                    try {
                        event = parseEvent(body);
                        codec.check(event);
                    } catch (IllegalArgumentException e) {
                        return respond(response, HttpResponseStatus.BAD_REQUEST, "bad_request", e.getMessage());
                    } catch (FrameException e) {
                        return e.isTooLarge()
                                ? respond(response, HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE, "too_large",
                                        e.getMessage())
                                : respond(response, HttpResponseStatus.BAD_REQUEST, "bad_request", e.getMessage());
                    }
                    return store.sessionsOf(sub)
                            .flatMapSequential(id -> (idempotencyKey == null
                                            ? store.append(id, event).map(stored -> new OnceAppend(stored.seq(), false))
                                            : store.appendOnce(id, idempotencyKey, event))
                                    .map(stored -> {
                                        ObjectNode reached = mapper.createObjectNode();
                                        reached.put("sessionId", id);
                                        reached.put("seq", stored.seq());
                                        reached.put("duplicate", stored.duplicate());
                                        return reached;
                                    })
                                    // Ended between the listing and the append: not a live session any more.
                                    .onErrorResume(SessionStoreException::isNotFound, e -> Mono.empty()),
                                    USER_SESSIONS_AT_ONCE)
                            .collectList()
                            .flatMap(reached -> {
                                ObjectNode json = mapper.createObjectNode();
                                json.put("count", reached.size());
                                json.putArray("sessions").addAll(reached);
                                return ServerHandle.sendJson(response, HttpResponseStatus.OK, json);
                            })
                            .onErrorResume(e -> {
                                if (SessionStoreException.isKeyReused(e)) {
                                    return respond(response, HttpResponseStatus.UNPROCESSABLE_ENTITY,
                                            "idempotency_key_reused", "this Idempotency-Key was first used with a"
                                                    + " different event; use a new key for a new event");
                                }
                                if (e instanceof SessionStoreException failure && failure.isRetryable()) {
                                    StoreHealth.log(LOG, e, "push to the sessions of a user failed");
                                    response.header(HttpHeaderNames.RETRY_AFTER,
                                            Long.toString(seconds(Closes.STORE_RETRY_AFTER)));
                                    return respond(response, HttpResponseStatus.SERVICE_UNAVAILABLE,
                                            "store_unavailable", "the session store did not answer; the event may"
                                                    + " have reached some of the user's sessions (send it again with"
                                                    + " the same Idempotency-Key)");
                                }
                                return Mono.error(e);
                            });
                })
                .onErrorResume(BodyTooLarge.class, e -> respond(response,
                        HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE, "too_large",
                        "the body is larger than the frame limit of " + limit + " bytes"))
                .onErrorResume(e -> !(e instanceof BodyTooLarge), e -> {
                    LOG.warn("push to the sessions of a user failed", e);
                    return respond(response, HttpResponseStatus.INTERNAL_SERVER_ERROR, "internal",
                            "internal error");
                });
    }

    private static long seconds(Duration wait) {
        return ApiGuard.seconds(wait);
    }

    private Mono<Void> badIdempotencyKey(HttpServerResponse response) {
        return respond(response, HttpResponseStatus.BAD_REQUEST, "bad_request", "Idempotency-Key must be 1 to "
                + MAX_IDEMPOTENCY_KEY + " visible ASCII characters");
    }

    private static boolean validIdempotencyKey(String key) {
        if (key.isEmpty() || key.length() > MAX_IDEMPOTENCY_KEY) {
            return false;
        }
        for (int i = 0; i < key.length(); i++) {
            char c = key.charAt(i);
            if (c < 0x21 || c > 0x7e) {
                return false;
            }
        }
        return true;
    }

    private static String shown(String sessionId) {
        return ApiGuard.shown(sessionId);
    }

    private ServerEvent parseEvent(byte[] body) {
        JsonNode json;
        try {
            // Read as bytes, so that the parser refuses invalid UTF-8 rather than a decoder replacing it.
            json = mapper.readTree(body);
        } catch (JsonProcessingException e) {
            // The codec's parser quotes at most a few characters of the body in its messages.
            throw new IllegalArgumentException("the body is not JSON in UTF-8: " + e.getOriginalMessage());
        } catch (java.io.IOException e) {
            throw new IllegalArgumentException("the body is not JSON in UTF-8");
        }
        if (json == null || !json.isObject()) {
            throw new IllegalArgumentException("the body must be a JSON object like {\"name\": ..., \"data\": ...}");
        }
        JsonNode name = json.get("name");
        if (name == null || !name.isTextual() || name.textValue().isBlank()) {
            throw new IllegalArgumentException("name must be a non-empty string");
        }
        JsonNode data = json.get("data");
        return ServerEvent.of(name.textValue(), data == null ? mapper.nullNode() : data);
    }

    private Mono<Void> respond(HttpServerResponse response, HttpResponseStatus status, String error,
                               String reason) {
        return guard.respond(response, status, error, reason);
    }
}
