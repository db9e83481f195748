package dev.tether.gateway.internal;

import dev.tether.gateway.AdmissionOptions;
import dev.tether.gateway.AuthOptions;
import dev.tether.gateway.BackendOptions;
import dev.tether.gateway.ConnectionOptions;
import dev.tether.gateway.DrainOptions;
import dev.tether.gateway.HandlerOptions;
import dev.tether.gateway.HistoryLimits;
import dev.tether.gateway.LimitsOptions;
import dev.tether.gateway.LlmOptions;
import dev.tether.gateway.LogOptions;
import dev.tether.gateway.ProxyOptions;
import dev.tether.gateway.PushApiOptions;
import dev.tether.gateway.ReplyOptions;
import dev.tether.gateway.ResumeOptions;
import dev.tether.gateway.ServerOptions;
import dev.tether.gateway.StoreOptions;
import dev.tether.gateway.UiOptions;
import dev.tether.protocol.session.SessionLimits;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * Every setting of a gateway node an operator can give, in the order of the help. A new options record brings its
 * rows here; the README's configuration table lists the same flags, which a test checks. May change without notice.
 */
final class GatewayFlags {

    static final List<Flag<?>> ALL = List.of(
            Flag.text("host", "HOST", "interface to bind", ServerOptions.DEFAULT_HOST,
                    (b, v) -> b.server(o -> o.host(v))),
            Flag.integer("port", "PORT", "TCP port, 0 for any free port", ServerOptions.DEFAULT_PORT,
                    (b, v) -> b.server(o -> o.port(v))),
            Flag.optionalInteger("management-port", "PORT", "port of /metrics and /health for operators; when "
                    + "set, /metrics leaves the public port", (b, v) -> b.server(o -> o.managementPort(v))),
            Flag.text("path", "PATH", "WebSocket path", ServerOptions.DEFAULT_PATH,
                    (b, v) -> b.server(o -> o.path(v))),
            Flag.onOff("ui", "the chat page at / (static files in the jar); production deployments usually turn "
                    + "it off", UiOptions.defaults().enabled(), (b, v) -> b.ui(o -> o.enabled(v))),
            Flag.text("node-id", "ID", "this node's id", "random",
                    (b, v) -> b.server(o -> o.nodeId(v))),
            Flag.duration("drain-delay", "on SIGTERM, how long the node reports not ready (/health 503) before "
                    + "it closes its first connection, so the load balancer stops sending it new ones",
                    DrainOptions.DEFAULT_DELAY, (b, v) -> b.drain(o -> o.delay(v))),
            Flag.duration("drain-time", "on SIGTERM, the time over which the connections are closed with 1012, "
                    + "evenly spread; 0 closes them all at once, as does a second SIGTERM",
                    DrainOptions.DEFAULT_TIME, (b, v) -> b.drain(o -> o.time(v))),
            Flag.duration("shutdown-timeout", "how long a graceful shutdown waits, after its last close, for "
                    + "connections to go and replies in progress to end",
                    ServerOptions.DEFAULT_SHUTDOWN_TIMEOUT, (b, v) -> b.server(o -> o.shutdownTimeout(v))),
            new Flag<>("log-format", "text|json", "log lines as text, or one JSON object each (with node, session "
                    + "and connection ids as fields) for log collectors", LogOptions.Format.class,
                    GatewayFlags::logFormat, LogOptions.DEFAULT_FORMAT.name().toLowerCase(Locale.ROOT),
                    (b, v) -> b.logs(o -> o.format(v))),
            Flag.text("log-level", "LEVEL", "level of the gateway's own log lines: error, warn, info, debug or trace",
                    LogOptions.DEFAULT_LEVEL, (b, v) -> b.logs(o -> o.level(v))),
            Flag.duration("request-timeout", "time a TCP connection has to send a complete HTTP request (headers "
                    + "and body, or the WebSocket upgrade); beyond it, the connection is closed",
                    ServerOptions.DEFAULT_REQUEST_TIMEOUT, (b, v) -> b.server(o -> o.requestTimeout(v))),
            Flag.integer("max-header", "BYTES", "largest HTTP request line plus headers; larger is answered 431 "
                    + "or 414", ServerOptions.DEFAULT_MAX_HEADER_BYTES, (b, v) -> b.server(o -> o.maxHeaderBytes(v))),
            Flag.duration("heartbeat", "ping interval; a silent connection is closed after 1.5x",
                    ConnectionOptions.DEFAULT_HEARTBEAT, (b, v) -> b.connections(o -> o.heartbeat(v))),
            Flag.duration("hello-timeout", "time a new connection has to send hello; beyond it, 1013",
                    ConnectionOptions.DEFAULT_HELLO_TIMEOUT, (b, v) -> b.connections(o -> o.helloTimeout(v))),
            Flag.duration("handshake-timeout", "time from hello to welcome, admission queue included; beyond "
                    + "it, 1013",
                    ConnectionOptions.DEFAULT_HANDSHAKE_TIMEOUT, (b, v) -> b.connections(o -> o.handshakeTimeout(v))),
            Flag.integer("max-frame", "BYTES", "largest accepted frame; larger closes with 1009",
                    ConnectionOptions.DEFAULT_MAX_FRAME_BYTES, (b, v) -> b.connections(o -> o.maxFrameBytes(v))),
            Flag.integer("max-pending-frames", "FRAMES", "frames waiting to be written to one slow client before it "
                    + "is closed with 1013 (it resumes from the log)", ConnectionOptions.DEFAULT_MAX_PENDING_FRAMES,
                    (b, v) -> b.connections(o -> o.maxPendingFrames(v))),
            Flag.integer("max-pending-bytes", "BYTES", "bytes of frames waiting to be written to one slow client "
                    + "before it is closed with 1013 (it resumes from the log)",
                    (int) ConnectionOptions.DEFAULT_MAX_PENDING_BYTES,
                    (b, v) -> b.connections(o -> o.maxPendingBytes(v))),
            Flag.integer("bad-frame-limit", "COUNT", "bad frames within the bad-frame window that close a connection "
                    + "with 1008", ConnectionOptions.DEFAULT_BAD_FRAME_LIMIT,
                    (b, v) -> b.connections(o -> o.badFrameLimit(v))),
            Flag.duration("bad-frame-window", "window in which bad frames are counted",
                    ConnectionOptions.DEFAULT_BAD_FRAME_WINDOW, (b, v) -> b.connections(o -> o.badFrameWindow(v))),
            Flag.duration("grace", "how long a disconnected session is kept", SessionLimits.DEFAULT_GRACE,
                    (b, v) -> b.sessionLimits(o -> o.grace(v))),
            Flag.duration("unused-grace", "how long a disconnected session that was never used (nothing stored, never "
                    + "resumed) is kept; the shorter of this and --grace applies", SessionLimits.DEFAULT_UNUSED_GRACE,
                    (b, v) -> b.sessionLimits(o -> o.unusedGrace(v))),
            Flag.integer("history", "FRAMES", "frames kept per session", SessionLimits.DEFAULT_HISTORY_FRAMES,
                    (b, v) -> b.sessionLimits(o -> o.historyFrames(v))),
            Flag.integer("history-bytes", "BYTES", "bytes of frames, and as many of client messages, kept per "
                    + "session", (int) SessionLimits.DEFAULT_HISTORY_BYTES,
                    (b, v) -> b.sessionLimits(o -> o.historyBytes(v))),
            Flag.duration("history-age", "age limit of kept frames", SessionLimits.DEFAULT_HISTORY_MAX_AGE,
                    (b, v) -> b.sessionLimits(o -> o.historyMaxAge(v))),
            Flag.integer("max-state-bytes", "BYTES", "largest state of a session (a JSON object, counted in UTF-8)",
                    SessionLimits.DEFAULT_MAX_STATE_BYTES, (b, v) -> b.sessionLimits(o -> o.maxStateBytes(v))),
            Flag.integer("max-awaiting-hello", "COUNT", "connections upgraded that have not sent hello yet; more "
                    + "are refused with 1013", AdmissionOptions.DEFAULT_MAX_AWAITING_HELLO,
                    (b, v) -> b.admission(o -> o.maxAwaitingHello(v))),
            Flag.integer("max-handshakes", "COUNT", "handshakes in progress at once (hello to welcome); more "
                    + "wait in a queue", AdmissionOptions.DEFAULT_MAX_HANDSHAKES,
                    (b, v) -> b.admission(o -> o.maxHandshakes(v))),
            Flag.integer("handshake-queue", "COUNT", "connections that may wait for a handshake place; more are "
                    + "refused with 1013 and a retry-after hint", AdmissionOptions.DEFAULT_HANDSHAKE_QUEUE,
                    (b, v) -> b.admission(o -> o.handshakeQueue(v))),
            Flag.duration("handshake-queue-wait", "longest wait for a handshake place before a refusal",
                    AdmissionOptions.DEFAULT_HANDSHAKE_QUEUE_WAIT, (b, v) -> b.admission(o -> o.handshakeQueueWait(v))),
            Flag.duration("handshake-retry-after", "least retry-after hint of a refused handshake (each refusal "
                    + "hints between this and twice this)", AdmissionOptions.DEFAULT_HANDSHAKE_RETRY_AFTER,
                    (b, v) -> b.admission(o -> o.handshakeRetryAfter(v))),
            Flag.integer("failed-resume-limit", "COUNT", "failed resumes (session not found, wrong token) from one "
                    + "client address within the window before its resumes are closed with 1008 for the cool-down",
                    ResumeOptions.DEFAULT_FAILED_RESUME_LIMIT, (b, v) -> b.resumes(o -> o.failedResumeLimit(v))),
            Flag.duration("failed-resume-window", "window in which failed resumes are counted",
                    ResumeOptions.DEFAULT_FAILED_RESUME_WINDOW, (b, v) -> b.resumes(o -> o.failedResumeWindow(v))),
            Flag.duration("failed-resume-cooldown", "how long an address over the failed-resume limit has its "
                    + "resumes refused", ResumeOptions.DEFAULT_FAILED_RESUME_COOLDOWN,
                    (b, v) -> b.resumes(o -> o.failedResumeCooldown(v))),
            Flag.integer("failed-resume-addresses", "COUNT", "client addresses the failed-resume limit, and the "
                    + "handshake rate per address, each remember at once; the least recently heard is forgotten first", ResumeOptions.DEFAULT_TRACKED_ADDRESSES,
                    (b, v) -> b.resumes(o -> o.trackedAddresses(v))),
            Flag.text("trusted-proxies", "CIDR,...", "proxies (CIDR blocks or addresses, comma-separated) whose "
                    + "forwarding header and PROXY protocol header are believed: the client's address is the first "
                    + "hop that is not one, from the right", "none",
                    (b, v) -> b.proxy(o -> o.trustedProxies(v))),
            Flag.text("client-address-header", "NAME", "header in which proxies append the client's address; "
                    + "X-Forwarded-For when --trusted-proxies is given; without --trusted-proxies its last entry is "
                    + "believed from any peer (only when clients cannot reach the node directly)", "none",
                    (b, v) -> b.proxy(o -> o.clientAddressHeader("none".equalsIgnoreCase(v) ? "" : v))),
            Flag.onOff("proxy-protocol", "every connection starts with a PROXY protocol header (v1 or v2, as "
                    + "HAProxy's send-proxy sends it), believed from --trusted-proxies only",
                    ProxyOptions.defaults().proxyProtocol(), (b, v) -> b.proxy(o -> o.proxyProtocol(v))),
            Flag.text("allowed-origins", "ORIGIN,...", "origins whose pages may connect, such as "
                    + "https://chat.example.com; an upgrade with another Origin is answered 403", "any",
                    (b, v) -> b.limits(o -> o.allowedOrigins(v))),
            Flag.integer("address-handshake-rate", "PER_SECOND", "WebSocket upgrades per second from one client "
                    + "address (a token bucket); more are closed with 1013 and a retry-after hint; 0 for no limit", 0,
                    (b, v) -> b.limits(o -> o.addressHandshakeRate(v))),
            Flag.integer("address-handshake-burst", "COUNT", "upgrades one client address may make at once after a "
                    + "pause", LimitsOptions.DEFAULT_ADDRESS_HANDSHAKE_BURST,
                    (b, v) -> b.limits(o -> o.addressHandshakeBurst(v))),
            Flag.integer("max-connections-per-address", "COUNT", "connections open at once from one client address "
                    + "on a node; more are closed with 1013 and a retry-after hint; 0 for no limit", 0,
                    (b, v) -> b.limits(o -> o.maxConnectionsPerAddress(v))),
            Flag.integer("failed-auth-limit", "COUNT", "connections from one client address per minute whose token is "
                    + "refused (4001) before its connections are closed with 1008 for the cool-down",
                    LimitsOptions.DEFAULT_FAILED_AUTH_LIMIT, (b, v) -> b.limits(o -> o.failedAuthLimit(v))),
            Flag.duration("failed-auth-cooldown", "how long an address over the failed-auth limit is refused",
                    LimitsOptions.DEFAULT_FAILED_AUTH_COOLDOWN, (b, v) -> b.limits(o -> o.failedAuthCooldown(v))),
            Flag.integer("max-connections-per-user", "COUNT", "connections of one authenticated user open at once "
                    + "on a node; more are closed with 1013 and a retry-after hint; 0 for no limit", 0,
                    (b, v) -> b.limits(o -> o.maxConnectionsPerUser(v))),
            Flag.integer("user-sessions-per-minute", "COUNT", "new sessions one authenticated user may start per "
                    + "minute on a node; more are closed with 1013 and a retry-after hint; 0 for no limit", 0,
                    (b, v) -> b.limits(o -> o.userSessionsPerMinute(v))),
            Flag.integer("user-messages-per-minute", "COUNT", "user messages one user (or, without --auth, one "
                    + "session) may send per minute on a node; more are answered rate_limited with a retry-after, "
                    + "not stored; 0 for no limit", 0, (b, v) -> b.limits(o -> o.userMessagesPerMinute(v))),
            Flag.integer("max-ignored-rate-limits", "COUNT", "messages a connection may send while told to wait "
                    + "(rate_limited) before it is closed with 1008", LimitsOptions.DEFAULT_MAX_IGNORED_RATE_LIMITS,
                    (b, v) -> b.limits(o -> o.maxIgnoredRateLimits(v))),
            Flag.duration("reply-lease", "lease on a reply being produced or a client event being handled; a reply "
                    + "whose node died is ended interrupted after it, an event is handled by another node",
                    ReplyOptions.DEFAULT_LEASE, (b, v) -> b.replies(o -> o.lease(v))),
            Flag.duration("max-reply-pause", "how long a reply waits for an unreachable store before it ends failed",
                    ReplyOptions.DEFAULT_MAX_PAUSE, (b, v) -> b.replies(o -> o.maxPause(v))),
            Flag.duration("node-ttl", "how long a node's liveness record lasts unless refreshed (a third of it); "
                    + "the replies of a node whose record lapsed are taken over by another node and continued",
                    ReplyOptions.DEFAULT_NODE_TTL, (b, v) -> b.replies(o -> o.nodeTtl(v))),
            Flag.integer("max-continuations", "COUNT", "times a reply may be taken over from a dead node and "
                    + "continued; once more, it ends interrupted", ReplyOptions.DEFAULT_MAX_CONTINUATIONS,
                    (b, v) -> b.replies(o -> o.maxContinuations(v))),
            Flag.text("handler", "NAME", "conversation handler", HandlerOptions.DEFAULT_NAME,
                    (b, v) -> b.handler(o -> o.name(v))),
            Flag.duration("echo-delay", "pause before each word of the echo handler",
                    HandlerOptions.DEFAULT_ECHO_DELAY, (b, v) -> b.handler(o -> o.echoDelay(v))),
            Flag.text("backend-url", "URL", "the application's backend of --handler http: every user message and "
                    + "client event is posted to it", "none", (b, v) -> b.backend(o -> o.url(v))),
            Flag.text("backend-secret", "SECRET", "secret (at least 32 bytes) of the X-Tether-Signature HMAC on each "
                    + "backend call; prefer the variable TETHER_BACKEND_SECRET", "none",
                    (b, v) -> b.backend(o -> o.secret(v))),
            Flag.duration("backend-timeout", "how long a backend call may take to send its first part",
                    BackendOptions.DEFAULT_TIMEOUT, (b, v) -> b.backend(o -> o.timeout(v))),
            Flag.integer("backend-retries", "COUNT", "retries of a backend call that failed before its first part "
                    + "(connection error, 429, 5xx)", BackendOptions.DEFAULT_RETRIES,
                    (b, v) -> b.backend(o -> o.retries(v))),
            Flag.integer("backend-max-history", "MESSAGES", "history messages sent with each user message",
                    BackendOptions.DEFAULT_MAX_HISTORY, (b, v) -> b.backend(o -> o.maxHistory(v))),
            Flag.integer("backend-max-history-chars", "CHARS", "history characters sent with each user message",
                    BackendOptions.DEFAULT_MAX_HISTORY_CHARS, (b, v) -> b.backend(o -> o.maxHistoryChars(v))),
            Flag.text("llm-url", "URL", "base URL of an OpenAI-compatible server for --handler openai, such as "
                    + "http://127.0.0.1:11434/v1", "none", (b, v) -> b.llm(o -> o.url(v))),
            Flag.text("llm-model", "NAME", "model name sent to the server", "none", (b, v) -> b.llm(o -> o.model(v))),
            Flag.text("llm-api-key", "KEY", "API key sent as Authorization: Bearer; prefer the variable, which "
                    + "no process listing shows", "none", (b, v) -> b.llm(o -> o.apiKey(v))),
            Flag.text("llm-system", "TEXT|@FILE", "system prompt, or @path of a file holding it", "none",
                    (b, v) -> b.llm(o -> o.system(systemPrompt(v)))),
            Flag.integer("llm-max-history", "TURNS", "turns of the conversation sent with each message",
                    HistoryLimits.DEFAULT_MAX_MESSAGES, (b, v) -> b.llm(o -> o.maxHistory(v))),
            Flag.integer("llm-max-history-chars", "CHARS", "characters of the conversation sent with each message",
                    HistoryLimits.DEFAULT_MAX_CHARS, (b, v) -> b.llm(o -> o.maxHistoryChars(v))),
            Flag.duration("llm-first-token-timeout", "longest wait for the first token, retries included; then "
                    + "the reply ends failed (upstream_timeout)", LlmOptions.DEFAULT_FIRST_TOKEN_TIMEOUT,
                    (b, v) -> b.llm(o -> o.firstTokenTimeout(v))),
            Flag.integer("llm-retries", "COUNT", "retries before the first token after a connection error, 429 or "
                    + "5xx (honouring Retry-After)", LlmOptions.DEFAULT_RETRIES, (b, v) -> b.llm(o -> o.retries(v))),
            Flag.integer("llm-max-connections", "COUNT", "connections to the server at most; more requests wait",
                    LlmOptions.DEFAULT_MAX_CONNECTIONS, (b, v) -> b.llm(o -> o.maxConnections(v))),
            Flag.text("llm-continue", "MODE", "how a reply taken over from a dead node is continued: prefill (the "
                    + "partial reply as the last assistant message, for the model to complete), instruct (the same "
                    + "and a user message asking to go on without repeating), off (ends interrupted)",
                    LlmOptions.DEFAULT_CONTINUE.flagName(),
                    (b, v) -> b.llm(o -> o.continueMode(LlmOptions.Continue.fromFlag(v)))),
            Flag.repeated("llm-param", "NAME=VALUE", "request field, repeatable, such as temperature=0.2 or "
                    + "max_tokens=512; numbers, booleans and JSON are sent typed", (b, v) -> b.llm(o -> o.param(v))),
            new Flag<>("store", "memory|redis", "session store", StoreOptions.Kind.class, GatewayFlags::storeKind,
                    StoreOptions.DEFAULT_KIND.name().toLowerCase(Locale.ROOT), (b, v) -> b.store(o -> o.kind(v))),
            Flag.text("redis-uri", "URI", "Redis for --store redis: redis://host:port, or "
                    + "redis-cluster://host:port,host:port for a Redis Cluster", StoreOptions.DEFAULT_REDIS_URI,
                    (b, v) -> b.store(o -> o.redisUri(v))),
            Flag.duration("redis-timeout", "timeout of one Redis command", StoreOptions.DEFAULT_REDIS_TIMEOUT,
                    (b, v) -> b.store(o -> o.redisTimeout(v))),
            new Flag<>("auth", "none|jwt", "who may connect: none asks nobody; jwt asks every connection for a "
                    + "JSON Web Token (in hello, or an Authorization: Bearer header) and closes 4001 without a "
                    + "valid one", AuthOptions.Mode.class, GatewayFlags::authMode,
                    AuthOptions.defaults().mode().name().toLowerCase(Locale.ROOT), (b, v) -> b.auth(o -> o.mode(v))),
            Flag.text("jwt-secret", "SECRET", "HS256 secret (at least 32 bytes) of --auth jwt; prefer the variable "
                    + "TETHER_JWT_SECRET", "none", (b, v) -> b.auth(o -> o.secret(v))),
            Flag.text("jwt-jwks-url", "URL", "JWKS URL of the RS256 and ES256 keys of --auth jwt, fetched again on "
                    + "an unknown key id", "none", (b, v) -> b.auth(o -> o.jwksUrl(v))),
            Flag.text("jwt-issuer", "ISS", "iss every token must carry", "any", (b, v) -> b.auth(o -> o.issuer(v))),
            Flag.text("jwt-audience", "AUD", "aud every token must include", "any",
                    (b, v) -> b.auth(o -> o.audience(v))),
            Flag.duration("jwt-clock-skew", "tolerance on a token's exp and nbf", AuthOptions.DEFAULT_CLOCK_SKEW,
                    (b, v) -> b.auth(o -> o.clockSkew(v))),
            Flag.text("api-key", "KEY", "API key of POST /api/v1/sessions/{id}/events and GET/PUT "
                    + "/api/v1/sessions/{id}/state (the endpoints answer 404 without one)", "none",
                    (b, v) -> b.pushApi(PushApiOptions.withApiKey(v))));

    private GatewayFlags() {
    }

    /** The system prompt given as text, or read from the file after an {@code @}. */
    private static String systemPrompt(String text) {
        if (!text.startsWith("@")) {
            return text;
        }
        Path file = Path.of(text.substring(1));
        try {
            return Files.readString(file, StandardCharsets.UTF_8).strip();
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read the system prompt from " + file + ": " + e, e);
        }
    }

    private static AuthOptions.Mode authMode(String text) {
        return switch (text.trim().toLowerCase(Locale.ROOT)) {
            case "none" -> AuthOptions.Mode.NONE;
            case "jwt" -> AuthOptions.Mode.JWT;
            default -> throw new IllegalArgumentException("expected none or jwt, got \"" + text + "\"");
        };
    }

    private static LogOptions.Format logFormat(String text) {
        return switch (text.trim().toLowerCase(Locale.ROOT)) {
            case "text" -> LogOptions.Format.TEXT;
            case "json" -> LogOptions.Format.JSON;
            default -> throw new IllegalArgumentException("expected text or json, got \"" + text + "\"");
        };
    }

    private static StoreOptions.Kind storeKind(String text) {
        return switch (text.trim().toLowerCase(Locale.ROOT)) {
            case "memory" -> StoreOptions.Kind.MEMORY;
            case "redis" -> StoreOptions.Kind.REDIS;
            default -> throw new IllegalArgumentException("expected memory or redis, got \"" + text + "\"");
        };
    }
}
