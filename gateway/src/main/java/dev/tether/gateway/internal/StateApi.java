package dev.tether.gateway.internal;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tether.gateway.internal.ApiGuard.BodyTooLarge;
import dev.tether.protocol.session.SessionState;
import dev.tether.protocol.session.SessionStore;
import dev.tether.protocol.session.SessionStoreException;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.io.IOException;
import org.reactivestreams.Publisher;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;
import reactor.netty.http.server.HttpServerRequest;
import reactor.netty.http.server.HttpServerResponse;

/**
 * The backend state API: {@code GET} and {@code PUT} {@value #STATE_ROUTE}, with which other backends read and set
 * a session's state ({@link SessionState}), behind the same API key as the push API ({@link ApiGuard}).
 */
final class StateApi {

    private static final Logger LOG = LoggerFactory.getLogger(StateApi.class);

    /** The state endpoint. */
    static final String STATE_ROUTE = "/api/v1/sessions/{sessionId}/state";
    /**
     * How many times the state bound a body may be, plus {@link #BODY_SLACK}: the state is bounded as compact JSON,
     * and a body may spell it with spaces and escapes.
     */
    static final int BODY_FACTOR = 4;
    /** What a body may have beyond {@link #BODY_FACTOR} times the state bound: 1 KiB. */
    static final int BODY_SLACK = 1024;

    private final SessionStore store;
    private final int maxStateBytes;
    private final ObjectMapper mapper;
    private final ApiGuard guard;

    StateApi(SessionStore store, int maxStateBytes, ObjectMapper mapper, ApiGuard guard) {
        this.store = store;
        this.maxStateBytes = maxStateBytes;
        this.mapper = mapper;
        this.guard = guard;
    }

    /**
     * {@code GET}: 200 {@code {"version": n, "state": {...}}} (version 0 and {@code {}} before the state was ever
     * written), with the version as the ETag; 404 for an unknown or expired session; the API key's answers as
     * {@link ApiGuard#authorized}; 503 with Retry-After when the store is unavailable.
     */
    Publisher<Void> read(HttpServerRequest request, HttpServerResponse response) {
        return guard.authorized(request, response, () -> {
            String sessionId = request.param("sessionId");
            return store.readState(sessionId)
                    .flatMap(state -> answer(response, state))
                    .onErrorResume(e -> failed(response, sessionId, e));
        });
    }

    /**
     * {@code PUT}, body {@code {"state": {...}}}: replaces the state and answers like {@link #read} with the new
     * version. With {@code If-Match: <version>} only if the state is at that version (a compare-and-set), else 412
     * with the current version; 400 for a body that is not such an object or an If-Match that is not a version; 413
     * for a state over {@code --max-state-bytes}; 404 for an unknown or expired session.
     */
    Publisher<Void> write(HttpServerRequest request, HttpServerResponse response) {
        return guard.authorized(request, response, () -> {
            String sessionId = request.param("sessionId");
            long ifVersion;
            try {
                ifVersion = ifVersion(request.requestHeaders().get(HttpHeaderNames.IF_MATCH));
            } catch (IllegalArgumentException e) {
                return guard.respond(response, HttpResponseStatus.BAD_REQUEST, "bad_request", e.getMessage());
            }
            int limit = BODY_FACTOR * maxStateBytes + BODY_SLACK;
            return ApiGuard.body(request, limit)
                    .flatMap(body -> {
                        ObjectNode state;
                        try {
                            state = parseState(body);
                        } catch (IllegalArgumentException e) {
                            return guard.respond(response, HttpResponseStatus.BAD_REQUEST, "bad_request",
                                    e.getMessage());
                        }
                        return store.writeState(sessionId, ifVersion, state)
                                .flatMap(written -> answer(response, written))
                                .onErrorResume(e -> failed(response, sessionId, e));
                    })
                    .onErrorResume(BodyTooLarge.class, e -> guard.respond(response,
                            HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE, "too_large",
                            "the body is larger than " + limit + " bytes"));
        });
    }

    /** The version an If-Match header asks for, bare or quoted as an entity tag; any version without one. */
    static long ifVersion(String header) {
        if (header == null) {
            return SessionState.ANY_VERSION;
        }
        String value = header.trim();
        if (value.length() >= 2 && value.startsWith("\"") && value.endsWith("\"")) {
            value = value.substring(1, value.length() - 1);
        }
        try {
            long version = Long.parseLong(value);
            if (version >= 0) {
                return version;
            }
        } catch (NumberFormatException e) {
            // Answered below, as for a negative number.
        }
        throw new IllegalArgumentException("If-Match must be a state version, a whole number >= 0");
    }

    private ObjectNode parseState(byte[] body) {
        JsonNode json;
        try {
            // Read as bytes, so that the parser refuses invalid UTF-8 rather than a decoder replacing it.
            json = mapper.readTree(body);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("the body is not JSON in UTF-8: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new IllegalArgumentException("the body is not JSON in UTF-8");
        }
        if (json == null || !json.isObject() || !(json.get("state") instanceof ObjectNode state)) {
            throw new IllegalArgumentException("the body must be a JSON object like {\"state\": {...}}, the state an"
                    + " object");
        }
        return state;
    }

    private Mono<Void> answer(HttpServerResponse response, SessionState state) {
        ObjectNode json = mapper.createObjectNode();
        json.put("version", state.version());
        json.set("state", state.value());
        response.header(HttpHeaderNames.ETAG, "\"" + state.version() + "\"");
        return ServerHandle.sendJson(response, HttpResponseStatus.OK, json);
    }

    private Mono<Void> failed(HttpServerResponse response, String sessionId, Throwable e) {
        if (SessionStoreException.isNotFound(e)) {
            return guard.respond(response, HttpResponseStatus.NOT_FOUND, "not_found",
                    "no session " + ApiGuard.shown(sessionId) + " (unknown or expired)");
        }
        if (SessionStoreException.isStateConflict(e)) {
            // The current version, so that the caller can read-modify-write again without another GET.
            return store.readState(sessionId)
                    .flatMap(current -> {
                        response.header(HttpHeaderNames.ETAG, "\"" + current.version() + "\"");
                        return guard.respond(response, HttpResponseStatus.PRECONDITION_FAILED, "version_mismatch",
                                "the state is at version " + current.version() + ", not the one in If-Match");
                    })
                    .onErrorResume(again -> failed(response, sessionId, again));
        }
        if (SessionStoreException.isStateTooLarge(e)) {
            return guard.respond(response, HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE, "too_large", e.getMessage());
        }
        if (e instanceof SessionStoreException failure && failure.isRetryable()) {
            StoreHealth.log(LOG, e, "state of session {} not served", LogFields.session(sessionId));
            response.header(HttpHeaderNames.RETRY_AFTER, Long.toString(ApiGuard.seconds(Closes.STORE_RETRY_AFTER)));
            return guard.respond(response, HttpResponseStatus.SERVICE_UNAVAILABLE, "store_unavailable",
                    SessionStoreException.isNotApplied(e) ? "the session store is unavailable; nothing was written"
                            : "the session store did not answer; a write may or may not have been stored");
        }
        LOG.warn("state of session {} not served", LogFields.session(sessionId), e);
        return guard.respond(response, HttpResponseStatus.INTERNAL_SERVER_ERROR, "internal", "internal error");
    }
}
