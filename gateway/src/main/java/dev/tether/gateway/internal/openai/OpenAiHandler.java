package dev.tether.gateway.internal.openai;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tether.gateway.ConversationContext;
import dev.tether.gateway.ConversationHandler;
import dev.tether.gateway.LlmOptions;
import dev.tether.gateway.ReplyFailure;
import dev.tether.gateway.ReplyInterrupted;
import dev.tether.gateway.ReplyPart;
import dev.tether.gateway.Turn;
import dev.tether.gateway.internal.RetryAfter;
import dev.tether.protocol.Durations;
import dev.tether.protocol.ReplyError;
import dev.tether.protocol.UserMessage;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.netty.channel.ChannelOption;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.netty.ByteBufFlux;
import reactor.netty.Connection;
import reactor.netty.http.client.HttpClient;
import reactor.netty.http.client.HttpClientResponse;
import reactor.netty.http.client.PrematureCloseException;
import reactor.netty.resources.ConnectionProvider;
import reactor.util.retry.Retry;

/**
 * Streams each reply from an OpenAI-compatible chat server: {@code POST {url}/chat/completions} with the system
 * prompt, the conversation from the session log and the new message, {@code "stream": true}, read as server-sent
 * events without blocking, over a bounded pool of connections.
 *
 * <p>Failures are told, never hidden: before the first token a connection error, 429 or 5xx is tried again with
 * backoff (at least the server's {@code Retry-After}), up to {@link LlmOptions#retries()} times; any other status is
 * not. After the first token nothing is tried again, since that would repeat text: a broken stream ends the reply
 * {@code failed} with {@code upstream_broken}, its text so far kept. Cancelling the reply (the client's
 * {@code cancel}) cancels the exchange, which closes its connection: the server sees it and stops generating.
 */
final class OpenAiHandler implements ConversationHandler, MeterBinder, AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(OpenAiHandler.class);

    /** First wait before a request is tried again. */
    static final Duration RETRY_MIN = Duration.ofMillis(250);
    /** Longest wait between two tries, unless the server asks for longer. */
    static final Duration RETRY_MAX = Duration.ofSeconds(5);
    /** Longest {@code Retry-After} honoured; a server asking for more is treated as unavailable. */
    static final Duration MAX_RETRY_AFTER = Duration.ofSeconds(30);
    /** Longest wait for a connection to the server. */
    static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(10);
    /** Characters of a server's error kept for the reply's error message. */
    static final int EXCERPT_CHARS = 300;

    private final LlmOptions options;
    private final String endpoint;
    private final Scheduler scheduler;
    private final ConnectionProvider pool;
    private final HttpClient http;
    private final ObjectMapper json = new ObjectMapper();
    private final LlmMetrics metrics = new LlmMetrics();

    OpenAiHandler(LlmOptions options, Scheduler scheduler) {
        this.options = options;
        this.endpoint = options.url() + "/chat/completions";
        this.scheduler = scheduler;
        this.pool = ConnectionProvider.builder("tether-llm")
                .maxConnections(options.maxConnections())
                .pendingAcquireTimeout(options.firstTokenTimeout())
                .maxIdleTime(Duration.ofSeconds(30))
                .build();
        String authorization = options.apiKey() == null ? null : "Bearer " + options.apiKey();
        this.http = HttpClient.create(pool)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) CONNECT_TIMEOUT.toMillis())
                .headers(headers -> {
                    headers.set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON);
                    headers.set(HttpHeaderNames.ACCEPT, "text/event-stream");
                    if (authorization != null) {
                        headers.set(HttpHeaderNames.AUTHORIZATION, authorization);
                    }
                });
    }

    @Override
    public Flux<ReplyPart> reply(ConversationContext context, UserMessage message) {
        return context.history(message.cseq(), options.historyLimits())
                .flatMapMany(history -> stream(context.sessionId(), message.cseq(), body(history, message.text())));
    }

    /**
     * The rest of a reply taken over from a dead node: the same request, with the reply's text so far as the final
     * assistant message for the model to complete ({@code prefill}), followed by a short instruction to go on
     * ({@code instruct}); {@code off} ends the reply {@code interrupted}. A reply that had no text yet is asked for
     * again from the start.
     */
    @Override
    public Flux<ReplyPart> continueReply(ConversationContext context, UserMessage message, String partialText) {
        if (options.continueMode() == LlmOptions.Continue.OFF) {
            return Flux.error(ReplyInterrupted.notContinued());
        }
        return context.history(message.cseq(), options.historyLimits())
                .flatMapMany(history -> stream(context.sessionId(), message.cseq(),
                        body(history, message.text(), partialText)));
    }

    /** The instruction {@code --llm-continue instruct} sends after the partial reply. */
    static final String CONTINUE_INSTRUCTION = "Continue your previous answer exactly where it stopped, without "
            + "repeating any of it.";

    /** The request: the model, the system prompt, the history, the new message, streaming with usage, the params. */
    String body(List<Turn> history, String text) {
        return body(history, text, "");
    }

    /** The request, ending with the reply's text so far ({@code partial}, empty for none) to be continued. */
    String body(List<Turn> history, String text, String partial) {
        ObjectNode body = json.createObjectNode();
        body.put("model", options.model());
        ArrayNode messages = body.putArray("messages");
        if (!options.system().isEmpty()) {
            messages.addObject().put("role", "system").put("content", options.system());
        }
        for (Turn turn : history) {
            messages.addObject().put("role", turn.role() == Turn.Role.USER ? "user" : "assistant")
                    .put("content", turn.text());
        }
        messages.addObject().put("role", "user").put("content", text);
        if (!partial.isEmpty()) {
            messages.addObject().put("role", "assistant").put("content", partial);
            if (options.continueMode() == LlmOptions.Continue.INSTRUCT) {
                messages.addObject().put("role", "user").put("content", CONTINUE_INSTRUCTION);
            }
        }
        body.put("stream", true);
        body.putObject("stream_options").put("include_usage", true);
        options.params().forEach(body::set);
        return body.toString();
    }

    private Flux<ReplyPart> stream(String sessionId, long replyTo, String body) {
        return Flux.defer(() -> {
            long start = now();
            AtomicBoolean started = new AtomicBoolean();
            AtomicInteger tries = new AtomicInteger();
            return Flux.defer(() -> exchange(body, tries.incrementAndGet() <= options.retries(), started))
                    .retryWhen(Retry.backoff(options.retries(), RETRY_MIN)
                            .maxBackoff(RETRY_MAX)
                            .scheduler(scheduler)
                            .filter(e -> !started.get() && retryable(e))
                            .doBeforeRetry(signal -> LOG.info("retrying the model server for cseq {} in session {} "
                                    + "after: {}", replyTo, sessionId, signal.failure().getMessage()))
                            .onRetryExhaustedThrow((spec, signal) -> signal.failure()))
                    .doOnNext(part -> {
                        if (part instanceof ReplyPart.Text && started.compareAndSet(false, true)) {
                            metrics.firstToken(now() - start);
                        } else if (part instanceof ReplyPart.Usage usage) {
                            metrics.tokens(usage.tokens().promptTokens(), usage.tokens().completionTokens());
                        }
                    })
                    .timeout(Mono.delay(options.firstTokenTimeout(), scheduler), part -> Mono.never())
                    .onErrorMap(e -> {
                        ReplyFailure failure = told(e, started.get(), tries.get());
                        LOG.warn("reply to cseq {} in session {} failed: {}", replyTo, sessionId,
                                failure.getMessage());
                        return failure;
                    });
        });
    }

    /** One HTTP exchange; waits for the server's {@code Retry-After} before failing when it will be tried again. */
    private Flux<ReplyPart> exchange(String body, boolean willRetry, AtomicBoolean started) {
        AtomicInteger status = new AtomicInteger();
        return http.post()
                .uri(endpoint)
                .send(ByteBufFlux.fromString(Mono.just(body), StandardCharsets.UTF_8, io.netty.buffer.ByteBufAllocator.DEFAULT))
                .responseConnection((response, connection) -> {
                    status.set(response.status().code());
                    return read(response, connection);
                })
                .onErrorResume(UpstreamStatus.class, e -> {
                    Duration wait = e.retryAfter();
                    if (willRetry && !started.get() && retryable(e) && wait != null) {
                        return Mono.delay(wait, scheduler).then(Mono.error(e));
                    }
                    return Mono.error(e);
                })
                .doOnComplete(() -> metrics.request("complete", status.get()))
                .doOnError(e -> metrics.request("failed", status.get()))
                .doOnCancel(() -> metrics.request("cancelled", status.get()));
    }

    private Flux<ReplyPart> read(HttpClientResponse response, Connection connection) {
        int status = response.status().code();
        if (status != 200) {
            Duration retryAfter = RetryAfter.parse(response.responseHeaders().get("Retry-After"));
            return connection.inbound().receive().asString(StandardCharsets.UTF_8)
                    .reduce(new StringBuilder(), (text, piece) -> text.length() < EXCERPT_CHARS ? text.append(piece)
                            : text)
                    .defaultIfEmpty(new StringBuilder())
                    .flatMapMany(text -> Flux.error(new UpstreamStatus(status, retryAfter, excerpt(text.toString()))));
        }
        SseLines lines = new SseLines();
        ChatChunks chunks = new ChatChunks(json);
        return connection.inbound().receive()
                .concatMapIterable(buffer -> lines.feed(buffer).stream().flatMap(line -> chunks.line(line).stream())
                        .toList())
                .concatWith(Flux.defer(() -> {
                    List<ReplyPart> tail = lines.end().stream().flatMap(line -> chunks.line(line).stream()).toList();
                    List<ReplyPart> last = chunks.end();
                    if (!chunks.complete()) {
                        return Flux.error(new ReplyFailure(ReplyError.UPSTREAM_BROKEN,
                                "the model server's stream ended before [DONE]"));
                    }
                    return Flux.concat(Flux.fromIterable(tail), Flux.fromIterable(last));
                }));
    }

    /** Whether trying again may help: the server was unreachable, dropped the connection, or said so. */
    private static boolean retryable(Throwable e) {
        if (e instanceof UpstreamStatus status) {
            return status.retryable() && (status.retryAfter() == null
                    || status.retryAfter().compareTo(MAX_RETRY_AFTER) <= 0);
        }
        return e instanceof IOException || e instanceof PrematureCloseException
                || e instanceof io.netty.channel.ConnectTimeoutException;
    }

    /** The failure told to the client for {@code e}. */
    private ReplyFailure told(Throwable e, boolean started, int tries) {
        if (e instanceof ReplyFailure failure) {
            return failure;
        }
        if (e instanceof TimeoutException) {
            return new ReplyFailure(ReplyError.UPSTREAM_TIMEOUT, "no first token from the model server within "
                    + Durations.format(options.firstTokenTimeout()), e);
        }
        if (started) {
            return new ReplyFailure(ReplyError.UPSTREAM_BROKEN, "the model server's stream broke: " + describe(e), e);
        }
        if (e instanceof UpstreamStatus status && !status.retryable()) {
            return new ReplyFailure(ReplyError.UPSTREAM_REJECTED, status.getMessage(), e);
        }
        return new ReplyFailure(ReplyError.UPSTREAM_UNAVAILABLE, describe(e) + " (" + tries
                + (tries == 1 ? " try)" : " tries)"), e);
    }

    private static String describe(Throwable e) {
        if (e instanceof UpstreamStatus) {
            return e.getMessage();
        }
        String message = e.getMessage();
        return excerpt(e.getClass().getSimpleName() + (message == null ? "" : ": " + message));
    }

    /** The beginning of {@code text}, on one line. */
    static String excerpt(String text) {
        String line = text.strip().replaceAll("\\s+", " ");
        return line.length() <= EXCERPT_CHARS ? line : line.substring(0, EXCERPT_CHARS) + "...";
    }

    private long now() {
        return scheduler.now(TimeUnit.NANOSECONDS);
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        metrics.bindTo(registry);
    }

    /** Closes the connection pool. */
    @Override
    public void close() {
        pool.dispose();
    }
}
