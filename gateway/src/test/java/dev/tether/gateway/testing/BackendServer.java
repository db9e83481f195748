package dev.tether.gateway.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;
import reactor.netty.http.server.HttpServerResponse;

/**
 * An application backend for tests: a real HTTP server on a free loopback port that records every call it gets and
 * answers each with the next scripted response, byte for byte as a backend would. It notes every call whose
 * connection was closed by the client before the answer was complete.
 */
public final class BackendServer implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** One call as the backend received it. */
    public record Call(Map<String, String> headers, byte[] body, long receivedNanos) {

        /** A header's value, by case-insensitive name. */
        public String header(String name) {
            return headers.get(name.toLowerCase());
        }

        public JsonNode json() {
            try {
                return JSON.readTree(body);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    /** How the backend answers one call. */
    @FunctionalInterface
    public interface Script {
        Publisher<Void> answer(Call call, HttpServerResponse response);
    }

    private final BlockingQueue<Call> calls = new LinkedBlockingQueue<>();
    private final List<Call> allCalls = new java.util.concurrent.CopyOnWriteArrayList<>();
    private final ConcurrentLinkedDeque<Script> scripts = new ConcurrentLinkedDeque<>();
    private final BlockingQueue<Long> aborts = new LinkedBlockingQueue<>();
    private final DisposableServer server;

    public BackendServer() {
        server = HttpServer.create()
                .host("127.0.0.1")
                .port(0)
                .handle((request, response) -> request.receive().aggregate().asByteArray()
                        .defaultIfEmpty(new byte[0])
                        .flatMap(body -> {
                            Map<String, String> headers = new TreeMap<>();
                            request.requestHeaders().forEach(h -> headers.put(h.getKey().toLowerCase(),
                                    h.getValue()));
                            Call call = new Call(headers, body, System.nanoTime());
                            allCalls.add(call);
                            calls.add(call);
                            Script script = scripts.poll();
                            if (script == null) {
                                return response.status(500).sendString(Mono.just("no script left")).then();
                            }
                            AtomicBoolean answered = new AtomicBoolean();
                            response.withConnection(connection -> connection.onDispose(() -> {
                                if (!answered.get()) {
                                    aborts.add(System.nanoTime());
                                }
                            }));
                            return Mono.from(script.answer(call, response))
                                    .doOnSuccess(done -> answered.set(true))
                                    .doOnCancel(() -> aborts.add(System.nanoTime()));
                        }))
                .bindNow();
    }

    /** Answers the next call with {@code script}, after those queued before it. */
    public BackendServer then(Script script) {
        scripts.add(script);
        return this;
    }

    public URI url() {
        return URI.create("http://127.0.0.1:" + server.port() + "/tether");
    }

    /** The next call received, waiting for it up to {@link TestSocket#TIMEOUT}. */
    public Call nextCall() {
        try {
            Call call = calls.poll(TestSocket.TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            if (call == null) {
                throw new AssertionError("the backend got no call within " + TestSocket.TIMEOUT);
            }
            return call;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /** Every call received so far. */
    public List<Call> calls() {
        return new ArrayList<>(allCalls);
    }

    /** When the next abort was seen ({@link System#nanoTime()}), waiting for it up to {@code timeout}; or null. */
    public Long nextAbort(Duration timeout) {
        try {
            return aborts.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /** Answers 200 with these chunks of {@code contentType}, each flushed on its own, {@code pause} apart. */
    public static Script chunks(String contentType, Duration pause, String... chunks) {
        return (call, response) -> response.status(200)
                .header("Content-Type", contentType)
                .sendString(Flux.fromArray(chunks).delayElements(pause), java.nio.charset.StandardCharsets.UTF_8)
                .then();
    }

    /** Answers 200 with newline-delimited JSON, one line per chunk. */
    public static Script ndjson(Duration pause, String... lines) {
        String[] chunks = new String[lines.length];
        for (int i = 0; i < lines.length; i++) {
            chunks[i] = lines[i] + "\n";
        }
        return chunks("application/x-ndjson", pause, chunks);
    }

    /** Answers {@code status} with a plain-text body and these headers. */
    public static Script status(int status, Map<String, String> headers, String body) {
        return (call, response) -> {
            headers.forEach(response::header);
            return response.status(status).sendString(Mono.just(body)).then();
        };
    }

    /** Sends these chunks of newline-delimited JSON, then never anything more. */
    public static Script hanging(String... chunks) {
        return (call, response) -> response.status(200)
                .header("Content-Type", "application/x-ndjson")
                .sendString(Flux.fromArray(chunks).concatWith(Flux.never()))
                .then();
    }

    /**
     * Sends these chunks of newline-delimited JSON (chunked, as a stream), then closes the connection a moment later
     * with the body unfinished.
     */
    public static Script cut(String... chunks) {
        return (call, response) -> {
            Mono.delay(Duration.ofMillis(200))
                    .subscribe(tick -> response.withConnection(connection -> connection.dispose()));
            return response.status(200)
                    .header("Content-Type", "application/x-ndjson")
                    .sendString(Flux.fromArray(chunks).concatWith(Flux.never()))
                    .then();
        };
    }

    @Override
    public void close() {
        server.disposeNow(Duration.ofSeconds(5));
    }
}
