package dev.tether.gateway.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;
import reactor.netty.http.server.HttpServerRequest;
import reactor.netty.http.server.HttpServerResponse;

/**
 * An OpenAI-compatible chat server for tests: a real HTTP server on a loopback port that answers
 * {@code POST /v1/chat/completions} the way the OpenAI API streams, byte for byte: {@code text/event-stream}, one
 * {@code data: {chat.completion.chunk}} event per token, a chunk with the finish reason, the usage chunk (empty
 * {@code choices}) and {@code data: [DONE]}. Each request takes the next scripted {@link Answer} (the last one
 * repeats). It records every request and the ones the client aborted (closed before the answer ended), with when.
 */
public final class OpenAiUpstream implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();
    /** Wait between the last token sent and the cut of a stream cut mid-way. */
    private static final Duration CUT_PAUSE = Duration.ofMillis(100);

    private final DisposableServer server;
    private final ConcurrentLinkedQueue<Answer> script = new ConcurrentLinkedQueue<>();
    private volatile Answer last = Answer.tokens("ok");
    private final List<Request> requests = new CopyOnWriteArrayList<>();
    private final AtomicInteger ids = new AtomicInteger();

    /** One request as received, with when each token was handed to the connection ({@link System#nanoTime()}). */
    public record Request(int number, JsonNode body, String authorization, long receivedNanos,
                          AtomicBoolean aborted, long[] abortedNanos, List<Long> tokensSentNanos) {

        /** Whether the client closed the connection before the answer ended. */
        public boolean wasAborted() {
            return aborted.get();
        }

        /** When the client aborted it ({@link System#nanoTime()}), or 0. */
        public long abortedAt() {
            return abortedNanos[0];
        }

        /** The messages sent, as {@code role: content}. */
        public List<String> messages() {
            List<String> messages = new ArrayList<>();
            body.path("messages").forEach(m -> messages.add(m.path("role").asText() + ": "
                    + m.path("content").asText()));
            return messages;
        }
    }

    /**
     * What the server does with one request.
     *
     * @param status     the status; 200 streams {@code tokens}
     * @param retryAfter the {@code Retry-After} header in seconds, or null
     * @param tokens     the tokens streamed
     * @param firstDelay wait before the first token
     * @param delay      wait between tokens
     * @param cutAfter   tokens after which the connection is closed mid-stream, or -1 to finish
     * @param usage      prompt and completion tokens of the usage chunk, or null for none
     * @param completes  the answer a {@link #completing} model gives, continuations included, or null
     */
    public record Answer(int status, Integer retryAfter, List<String> tokens, Duration firstDelay, Duration delay,
                         int cutAfter, int[] usage, String completes) {

        public Answer(int status, Integer retryAfter, List<String> tokens, Duration firstDelay, Duration delay,
                      int cutAfter, int[] usage) {
            this(status, retryAfter, tokens, firstDelay, delay, cutAfter, usage, null);
        }

        /**
         * A model that answers {@code text}, word by word, {@code delay} apart, and completes it: a request whose
         * messages end with the assistant's partial answer (prefilled, perhaps followed by a user's instruction to
         * continue) gets the rest of {@code text} after it. A partial answer that is not the start of {@code text} is
         * refused with 400, so a test sees a continuation request that is wrong.
         */
        public static Answer completing(String text, Duration delay) {
            return new Answer(200, null, words(text), delay, delay, -1, new int[] {10, words(text).size()}, text);
        }

        /** This answer for {@code request}: the rest after a partial answer, for a {@link #completing} model. */
        Answer forRequest(JsonNode body) {
            if (completes == null) {
                return this;
            }
            String partial = partialAnswer(body);
            if (partial == null) {
                return this;
            }
            if (!completes.startsWith(partial)) {
                return status(400, null);
            }
            List<String> rest = words(completes.substring(partial.length()));
            return new Answer(200, null, rest, firstDelay, delay, cutAfter, new int[] {10, rest.size()}, completes);
        }

        /** The assistant's partial answer a request ends with, or null when it asks for a new answer. */
        static String partialAnswer(JsonNode body) {
            JsonNode messages = body.path("messages");
            int last = messages.size() - 1;
            if (last >= 0 && messages.get(last).path("role").asText().equals("user")
                    && messages.get(last).path("content").asText().startsWith("Continue your previous answer")) {
                last--;
            }
            if (last < 0 || !messages.get(last).path("role").asText().equals("assistant")) {
                return null;
            }
            return messages.get(last).path("content").asText();
        }

        private static List<String> words(String text) {
            List<String> words = new ArrayList<>();
            java.util.regex.Matcher matcher = java.util.regex.Pattern.compile("\\s*\\S+|\\s+$").matcher(text);
            while (matcher.find()) {
                words.add(matcher.group());
            }
            return words;
        }

        /** Streams these tokens at once, then the usage chunk (10 prompt tokens, one per token) and [DONE]. */
        public static Answer tokens(String... tokens) {
            return new Answer(200, null, List.of(tokens), Duration.ZERO, Duration.ZERO, -1,
                    new int[] {10, tokens.length});
        }

        /** Answers {@code status} with an OpenAI error body, and {@code Retry-After} when given. */
        public static Answer status(int status, Integer retryAfter) {
            return new Answer(status, retryAfter, List.of(), Duration.ZERO, Duration.ZERO, -1, null);
        }

        public Answer firstDelay(Duration firstDelay) {
            return new Answer(status, retryAfter, tokens, firstDelay, delay, cutAfter, usage);
        }

        public Answer delay(Duration delay) {
            return new Answer(status, retryAfter, tokens, firstDelay, delay, cutAfter, usage);
        }

        /** Closes the connection after {@code count} tokens, without the end of the stream. */
        public Answer cutAfter(int count) {
            return new Answer(status, retryAfter, tokens, firstDelay, delay, count, usage);
        }
    }

    private OpenAiUpstream() {
        this.server = HttpServer.create()
                .host("127.0.0.1")
                .port(0)
                .route(routes -> routes.post("/v1/chat/completions", this::answer))
                .bindNow(Duration.ofSeconds(10));
    }

    public static OpenAiUpstream start() {
        return new OpenAiUpstream();
    }

    /** The base URL, as {@code --llm-url} takes it. */
    public String baseUrl() {
        return "http://127.0.0.1:" + server.port() + "/v1";
    }

    /** The answers to the next requests, in order; the last one also answers every later request. */
    public OpenAiUpstream script(Answer... answers) {
        for (Answer answer : answers) {
            script.add(answer);
        }
        return this;
    }

    /** Every request received, in order. */
    public List<Request> requests() {
        return List.copyOf(requests);
    }

    private Publisher<Void> answer(HttpServerRequest request, HttpServerResponse response) {
        return request.receive().aggregate().asString(StandardCharsets.UTF_8).flatMap(text -> {
            Answer polled = script.poll();
            Answer scripted = polled != null ? polled : last;
            if (polled != null && script.isEmpty()) {
                last = polled;
            }
            Request received;
            try {
                received = new Request(requests.size() + 1, JSON.readTree(text),
                        request.requestHeaders().get("Authorization"), System.nanoTime(), new AtomicBoolean(),
                        new long[1], new CopyOnWriteArrayList<>());
            } catch (Exception e) {
                return response.status(400).sendString(Mono.just("not JSON")).then();
            }
            Answer answer = scripted.forRequest(received.body());
            requests.add(received);
            AtomicBoolean finished = new AtomicBoolean();
            request.withConnection(connection -> connection.onDispose(() -> {
                if (!finished.get() && received.aborted.compareAndSet(false, true)) {
                    received.abortedNanos[0] = System.nanoTime();
                }
            }));
            if (answer.status() != 200) {
                if (answer.retryAfter() != null) {
                    response.header("Retry-After", Integer.toString(answer.retryAfter()));
                }
                finished.set(true);
                return response.status(HttpResponseStatus.valueOf(answer.status()))
                        .header("Content-Type", "application/json")
                        .sendString(Mono.just("{\"error\":{\"message\":\"scripted " + answer.status()
                                + "\",\"type\":\"server_error\",\"param\":null,\"code\":null}}"))
                        .then();
            }
            return response.status(200)
                    .header("Content-Type", "text/event-stream; charset=utf-8")
                    .header("Cache-Control", "no-cache")
                    .sendString(events(answer, received, response, finished))
                    .then()
                    .doOnSuccess(ignored -> finished.set(true));
        });
    }

    private Flux<String> events(Answer answer, Request request, HttpServerResponse response,
                                AtomicBoolean finished) {
        String model = request.body().path("model").asText();
        String id = "chatcmpl-tether" + ids.incrementAndGet();
        List<Flux<String>> parts = new ArrayList<>();
        parts.add(Flux.just(event(chunk(id, model, JSON.createObjectNode().put("role", "assistant").put("content", ""),
                null))));
        for (int i = 0; i < answer.tokens().size(); i++) {
            if (i == answer.cutAfter()) {
                // A pause first, so that the tokens before the cut are flushed to the client.
                parts.add(Mono.delay(CUT_PAUSE)
                        .then(Mono.<String>fromRunnable(() -> response.withConnection(c -> c.channel().close())))
                        .thenMany(Flux.never()));
                return Flux.concat(parts);
            }
            Duration wait = i == 0 ? answer.firstDelay() : answer.delay();
            String token = answer.tokens().get(i);
            Flux<String> event = Flux.just(event(chunk(id, model, JSON.createObjectNode().put("content", token),
                    null))).doOnNext(sent -> request.tokensSentNanos().add(System.nanoTime()));
            parts.add(wait.isZero() ? event : event.delaySubscription(wait));
        }
        parts.add(Flux.just(event(chunk(id, model, JSON.createObjectNode(), "stop"))));
        if (answer.usage() != null) {
            ObjectNode usage = chunk(id, model, null, null);
            usage.putArray("choices");
            usage.putObject("usage").put("prompt_tokens", answer.usage()[0])
                    .put("completion_tokens", answer.usage()[1])
                    .put("total_tokens", answer.usage()[0] + answer.usage()[1]);
            parts.add(Flux.just(event(usage)));
        }
        parts.add(Flux.just("data: [DONE]\n\n"));
        return Flux.concat(parts).doOnComplete(() -> finished.set(true));
    }

    private static ObjectNode chunk(String id, String model, ObjectNode delta, String finishReason) {
        ObjectNode chunk = JSON.createObjectNode();
        chunk.put("id", id).put("object", "chat.completion.chunk").put("created", 1_700_000_000L)
                .put("model", model).put("system_fingerprint", "fp_tether");
        if (delta != null) {
            ObjectNode choice = chunk.putArray("choices").addObject();
            choice.put("index", 0).set("delta", delta);
            choice.putNull("logprobs");
            if (finishReason == null) {
                choice.putNull("finish_reason");
            } else {
                choice.put("finish_reason", finishReason);
            }
            chunk.putNull("usage");
        }
        return chunk;
    }

    private static String event(ObjectNode chunk) {
        return "data: " + chunk + "\n\n";
    }

    @Override
    public void close() {
        server.disposeNow(Duration.ofSeconds(10));
    }
}
