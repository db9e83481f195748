package dev.tether.e2e.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tether.testkit.Eventually;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One gateway node running as its own JVM process ({@code dev.tether.gateway.Main}), started by
 * {@link GatewayProcesses}. Its output goes to a log file under {@code target/gateway-logs}.
 */
public final class GatewayNode {

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private static final ObjectMapper JSON = new ObjectMapper();

    private final String nodeId;
    private final int port;
    private final Process process;
    private final Path log;

    GatewayNode(String nodeId, int port, Process process, Path log) {
        this.nodeId = nodeId;
        this.port = port;
        this.process = process;
        this.log = log;
    }

    public String nodeId() {
        return nodeId;
    }

    public int port() {
        return port;
    }

    /** The WebSocket endpoint. */
    public URI wsUri() {
        return URI.create("ws://127.0.0.1:" + port + "/ws");
    }

    /** The base HTTP URI, for {@code /health} and the push API. */
    public URI httpUri(String path) {
        return URI.create("http://127.0.0.1:" + port + path);
    }

    public Path log() {
        return log;
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    /** SIGKILL: no close frames, no goodbye to Redis, nothing flushed. Waits until the process is gone. */
    public void kill() {
        process.destroyForcibly();
        await(Duration.ofSeconds(20));
    }

    /** SIGSTOP: the process freezes (as in a long GC pause), holding its sockets open and answering nothing. */
    public void freeze() {
        signal("STOP");
    }

    /** SIGCONT: a frozen process goes on where it stopped, unaware of the time that passed. */
    public void thaw() {
        signal("CONT");
    }

    private void signal(String name) {
        try {
            Process kill = new ProcessBuilder("kill", "-" + name, Long.toString(process.pid())).inheritIO().start();
            if (!kill.waitFor(10, TimeUnit.SECONDS) || kill.exitValue() != 0) {
                throw new IllegalStateException("kill -" + name + " " + process.pid() + " failed");
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot signal the gateway process", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** SIGTERM: the gateway's graceful shutdown (1012 to its clients). Waits until the process is gone. */
    public void terminate() {
        process.destroy();
        await(Duration.ofSeconds(30));
        if (process.isAlive()) {
            kill();
        }
    }

    private void await(Duration timeout) {
        try {
            process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** The {@code /health} status code, or -1 when the node does not answer. */
    public int healthStatus() {
        try {
            return get("/health").statusCode();
        } catch (IOException e) {
            return -1;
        }
    }

    /** The {@code /health} body. */
    public JsonNode health() throws IOException {
        return JSON.readTree(get("/health").body());
    }

    /** Waits until {@code /health} answers 200; fails early if the process exits. */
    public GatewayNode awaitReady(Duration timeout) {
        awaitHealth(200, timeout);
        return this;
    }

    /** Waits until {@code /health} answers {@code status} (-1: not answering at all). */
    public void awaitHealth(int status, Duration timeout) {
        AtomicInteger last = new AtomicInteger(-1);
        try {
            Eventually.await("/health answering " + status, timeout, Duration.ofMillis(50), () -> {
                if (!process.isAlive() && status != -1) {
                    throw new IllegalStateException("gateway " + nodeId + " exited with " + process.exitValue()
                            + "; see " + log + "\n" + tail());
                }
                last.set(healthStatus());
                return last.get() == status;
            });
        } catch (AssertionError e) {
            throw new AssertionError("gateway " + nodeId + ": /health did not answer " + status + " within "
                    + timeout + " (last " + last + "); see " + log + "\n" + tail(), e);
        }
    }

    /** POSTs a JSON body with an optional bearer token. */
    public HttpResponse<String> post(String path, String bearer, String body) throws IOException {
        HttpRequest.Builder request = HttpRequest.newBuilder(httpUri(path))
                .timeout(Duration.ofSeconds(10))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (bearer != null) {
            request.header("Authorization", "Bearer " + bearer);
        }
        return send(request.build());
    }

    /** GETs {@code path} with a bearer token. */
    public HttpResponse<String> get(String path, String bearer) throws IOException {
        return send(HttpRequest.newBuilder(httpUri(path)).timeout(Duration.ofSeconds(10))
                .header("Authorization", "Bearer " + bearer).GET().build());
    }

    private HttpResponse<String> get(String path) throws IOException {
        return send(HttpRequest.newBuilder(httpUri(path)).timeout(Duration.ofSeconds(3)).GET().build());
    }

    private static HttpResponse<String> send(HttpRequest request) throws IOException {
        try {
            return HTTP.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
    }

    /** The last lines of the node's log, for failure messages. */
    public String tail() {
        try {
            var lines = Files.readAllLines(log);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()));
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }

    @Override
    public String toString() {
        return "GatewayNode[" + nodeId + " on " + port + (process.isAlive() ? "" : ", dead") + "]";
    }
}
