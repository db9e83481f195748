package dev.tether.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tether.gateway.testing.BackendServer;
import dev.tether.gateway.testing.BackendServer.Call;
import dev.tether.gateway.testing.GatewayExtension;
import dev.tether.gateway.testing.TestSocket;
import dev.tether.protocol.AssistantDelta;
import dev.tether.protocol.AssistantDone;
import dev.tether.protocol.Cancel;
import dev.tether.protocol.ClientEvent;
import dev.tether.protocol.DoneReason;
import dev.tether.protocol.Hello;
import dev.tether.protocol.Sequenced;
import dev.tether.protocol.ServerAck;
import dev.tether.protocol.ServerEvent;
import dev.tether.protocol.UserMessage;
import dev.tether.protocol.Welcome;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import java.util.stream.Collectors;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** {@code --handler http} against a real HTTP backend of the test's, scripted per test. */
class HttpHandlerIT {

    private static final String SECRET = "backend-secret-0123456789-abcdef-XYZ";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration NO_PAUSE = Duration.ZERO;

    @RegisterExtension
    final GatewayExtension gateway = new GatewayExtension();

    private final BackendServer backend = new BackendServer();

    @AfterEach
    void stopBackend() {
        backend.close();
    }

    private TestSocket start(UnaryOperator<BackendOptions.Builder> options) {
        gateway.start(c -> c.handler(h -> h.name("http"))
                .backend(b -> options.apply(b.url(backend.url()).secret(SECRET))));
        TestSocket socket = gateway.connect();
        socket.send(Hello.fresh());
        welcome = socket.next(Welcome.class);
        return socket;
    }

    private Welcome welcome;

    private static List<Sequenced> reply(TestSocket socket) {
        return socket.collectUntil(Sequenced.class, AssistantDone.class::isInstance);
    }

    private static String text(List<Sequenced> frames) {
        return frames.stream().filter(AssistantDelta.class::isInstance).map(f -> ((AssistantDelta) f).text())
                .collect(Collectors.joining());
    }

    private static DoneReason reason(List<Sequenced> frames) {
        return ((AssistantDone) frames.getLast()).reason();
    }

    /** The text of the reply to "go", which must complete. */
    private static String completeReplyToGo(TestSocket socket) {
        socket.send(new UserMessage(1, "go"));
        List<Sequenced> reply = reply(socket);
        assertThat(reason(reply)).isEqualTo(DoneReason.COMPLETE);
        return text(reply);
    }

    /** The code of the error a failed reply ended with. */
    private static String failure(List<Sequenced> frames) {
        AssistantDone done = (AssistantDone) frames.getLast();
        assertThat(done.reason()).isEqualTo(DoneReason.FAILED);
        assertThat(done.error()).as("the error told").isNotNull();
        assertThat(done.error().message()).as("nothing of the backend's address or body")
                .doesNotContain("127.0.0.1").doesNotContain("bad request").doesNotContain("down");
        return done.error().code();
    }

    /** HMAC-SHA256 of the body, computed here apart from the gateway's code. */
    private static String expectedSignature(byte[] body) throws Exception {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(SECRET.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
        return "sha256=" + HexFormat.of().formatHex(mac.doFinal(body));
    }

    @Test
    void ndjsonLinesBecomeTheReplyAndTheCallIsSignedWithItsIdempotencyKey() throws Exception {
        backend.then(BackendServer.ndjson(Duration.ofMillis(10), "{\"text\":\"Hello\"}", "{\"text\":\", world\"}",
                "{\"event\":{\"name\":\"card\",\"data\":{\"n\":1}}}", "{\"state\":{\"lang\":\"fr\"}}"));
        TestSocket socket = start(b -> b);

        socket.send(new UserMessage(1, "hi there"));
        socket.next(ServerAck.class);
        List<Sequenced> reply = reply(socket);

        assertThat(text(reply)).isEqualTo("Hello, world");
        assertThat(reply).filteredOn(ServerEvent.class::isInstance).singleElement()
                .isEqualTo(new ServerEvent(3, "card", JSON.readTree("{\"n\":1}")));
        assertThat(reason(reply)).isEqualTo(DoneReason.COMPLETE);
        Call call = backend.nextCall();
        assertThat(call.header("X-Tether-Signature")).isEqualTo(expectedSignature(call.body()));
        assertThat(call.header("Idempotency-Key")).isEqualTo(welcome.sessionId() + ":1");
        assertThat(call.header("Content-Type")).isEqualTo("application/json");
        JsonNode body = call.json();
        assertThat(body.get("sessionId").asText()).isEqualTo(welcome.sessionId());
        assertThat(body.get("replyTo").asLong()).isEqualTo(1);
        assertThat(body.get("text").asText()).isEqualTo("hi there");
        assertThat(body.get("history").isArray()).isTrue();
        assertThat(body.get("history")).isEmpty();
        assertThat(body.get("state").isObject()).isTrue();
    }

    @Test
    void historyCarriesTheEarlierTurnsOldestFirstWithinTheBounds() throws Exception {
        backend.then(BackendServer.ndjson(NO_PAUSE, "{\"text\":\"one\"}"))
                .then(BackendServer.ndjson(NO_PAUSE, "{\"text\":\"two\"}"))
                .then(BackendServer.ndjson(NO_PAUSE, "{\"text\":\"three\"}"));
        TestSocket socket = start(b -> b.maxHistory(3));
        for (int cseq = 1; cseq <= 3; cseq++) {
            socket.send(new UserMessage(cseq, "q" + cseq));
            socket.next(ServerAck.class);
            reply(socket);
        }

        backend.nextCall();
        assertThat(backend.nextCall().json().get("history")).isEqualTo(JSON.readTree(
                "[{\"role\":\"user\",\"content\":\"q1\"},{\"role\":\"assistant\",\"content\":\"one\"}]"));
        assertThat(backend.nextCall().json().get("history")).as("the newest 3 of 4").isEqualTo(JSON.readTree(
                "[{\"role\":\"assistant\",\"content\":\"one\"},{\"role\":\"user\",\"content\":\"q2\"},"
                        + "{\"role\":\"assistant\",\"content\":\"two\"}]"));
    }

    @Test
    void serverSentEventsWithTheSameJsonAreAccepted() {
        backend.then(BackendServer.chunks("text/event-stream", Duration.ofMillis(10),
                ": a comment\n\n", "event: part\ndata: {\"text\":\"a\"}\n\n", "data: {\"text\":\"b\"}\r\n\r\n"));

        assertThat(completeReplyToGo(start(b -> b))).isEqualTo("ab");
    }

    @Test
    void aLineSplitAcrossChunksIsReadWhole() {
        backend.then(BackendServer.chunks("application/x-ndjson", Duration.ofMillis(30),
                "{\"te", "xt\":\"h\u00e9\"}\n{\"text\"", ":\" there\"}", "\n"));

        assertThat(completeReplyToGo(start(b -> b))).isEqualTo("h\u00e9 there");
    }

    @Test
    void aClientErrorStatusFailsTheReplyWithoutRetrying() {
        backend.then(BackendServer.status(400, Map.of(), "bad request"));
        TestSocket socket = start(b -> b.retries(2));

        socket.send(new UserMessage(1, "go"));
        List<Sequenced> reply = reply(socket);

        assertThat(failure(reply)).isEqualTo("upstream_rejected");
        assertThat(backend.calls()).hasSize(1);
    }

    @Test
    void unavailableBeforeTheFirstPartIsRetriedHonouringRetryAfterWithTheSameKeyAndBody() {
        backend.then(BackendServer.status(503, Map.of("Retry-After", "1"), "busy"))
                .then(BackendServer.ndjson(NO_PAUSE, "{\"text\":\"fine\"}"));
        TestSocket socket = start(b -> b.retries(1));

        socket.send(new UserMessage(1, "go"));
        List<Sequenced> reply = reply(socket);

        assertThat(text(reply)).isEqualTo("fine");
        assertThat(reason(reply)).isEqualTo(DoneReason.COMPLETE);
        List<Call> calls = backend.calls();
        assertThat(calls).hasSize(2);
        assertThat(calls.get(1).header("Idempotency-Key")).isEqualTo(calls.get(0).header("Idempotency-Key"));
        assertThat(calls.get(1).body()).isEqualTo(calls.get(0).body());
        assertThat(Duration.ofNanos(calls.get(1).receivedNanos() - calls.get(0).receivedNanos()))
                .as("the wait Retry-After asked for").isGreaterThanOrEqualTo(Duration.ofSeconds(1));
    }

    @Test
    void retriesThatRunOutFailTheReply() {
        backend.then(BackendServer.status(500, Map.of(), "down"))
                .then(BackendServer.status(502, Map.of(), "down"));
        TestSocket socket = start(b -> b.retries(1));

        socket.send(new UserMessage(1, "go"));

        assertThat(failure(reply(socket))).isEqualTo("upstream_unavailable");
        assertThat(backend.calls()).hasSize(2);
    }

    @Test
    void anUnreachableBackendFailsTheReplyAsUnavailableAfterItsRetries() {
        gateway.start(c -> c.handler(h -> h.name("http"))
                .backend(b -> b.url("http://127.0.0.1:" + closedPort() + "/tether").secret(SECRET).retries(1)));
        TestSocket socket = gateway.connect();
        socket.send(Hello.fresh());
        socket.next(Welcome.class);

        socket.send(new UserMessage(1, "go"));

        assertThat(failure(reply(socket))).isEqualTo("upstream_unavailable");
    }

    private static int closedPort() {
        try (java.net.ServerSocket socket = new java.net.ServerSocket(0, 1,
                java.net.InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    void noFirstPartWithinTheTimeoutFailsTheReply() {
        backend.then(BackendServer.hanging());
        TestSocket socket = start(b -> b.timeout(Duration.ofSeconds(1)).retries(0));

        socket.send(new UserMessage(1, "go"));

        assertThat(failure(reply(socket))).isEqualTo("upstream_timeout");
        assertThat(backend.nextAbort(TestSocket.TIMEOUT)).as("the slow call was abandoned").isNotNull();
    }

    @Test
    void aStreamCutAfterItsFirstPartFailsKeepingTheTextAndIsNotTriedAgain() {
        backend.then(BackendServer.cut("{\"text\":\"partial\"}\n"))
                .then(BackendServer.ndjson(NO_PAUSE, "{\"text\":\"repeated\"}"));
        TestSocket socket = start(b -> b.retries(2));

        socket.send(new UserMessage(1, "go"));
        List<Sequenced> reply = reply(socket);

        assertThat(text(reply)).isEqualTo("partial");
        assertThat(failure(reply)).isEqualTo("upstream_broken");
        assertThat(backend.calls()).hasSize(1);
    }

    @Test
    void aMalformedLineFailsTheReply() {
        backend.then(BackendServer.ndjson(NO_PAUSE, "{\"text\":\"ok\"}", "{\"txet\":\"typo\"}",
                "{\"text\":\"never\"}"));
        TestSocket socket = start(b -> b);

        socket.send(new UserMessage(1, "go"));
        List<Sequenced> reply = reply(socket);

        assertThat(text(reply)).isEqualTo("ok");
        assertThat(failure(reply)).isEqualTo("upstream_broken");
    }

    @Test
    void cancelAbortsTheBackendCallWithin500Milliseconds() {
        backend.then(BackendServer.hanging("{\"text\":\"thinking\"}\n"));
        TestSocket socket = start(b -> b);
        socket.send(new UserMessage(1, "go"));
        socket.next(ServerAck.class);
        assertThat(socket.next(AssistantDelta.class).text()).isEqualTo("thinking");

        long cancelled = System.nanoTime();
        socket.send(new Cancel(2, 1));
        Long aborted = backend.nextAbort(TestSocket.TIMEOUT);

        assertThat(aborted).as("the backend saw its call closed").isNotNull();
        assertThat(Duration.ofNanos(aborted - cancelled)).isLessThan(Duration.ofMillis(500));
        List<Sequenced> rest = socket.collectUntil(Sequenced.class, AssistantDone.class::isInstance);
        assertThat(reason(rest)).isEqualTo(DoneReason.CANCELLED);
    }

    @Test
    void aClientThatDisconnectsDoesNotAbortTheBackendCall() {
        backend.then(BackendServer.ndjson(Duration.ofMillis(400), "{\"text\":\"a\"}", "{\"text\":\"b\"}",
                "{\"text\":\"c\"}", "{\"text\":\"d\"}"));
        TestSocket socket = start(b -> b);
        socket.send(new UserMessage(1, "go"));
        socket.next(ServerAck.class);
        socket.next(AssistantDelta.class);

        socket.abort();

        assertThat(backend.nextAbort(Duration.ofSeconds(2))).as("no abort").isNull();
        TestSocket again = gateway.connect();
        again.send(Hello.resume(new Hello.Resume(welcome.sessionId(), welcome.token(), welcome.epoch(), 0)));
        again.next(Welcome.class);
        List<Sequenced> reply = reply(again);
        assertThat(text(reply)).isEqualTo("abcd");
        assertThat(reason(reply)).isEqualTo(DoneReason.COMPLETE);
    }

    @Test
    void aClientEventIsForwardedOnceEvenWhenTheFirstCallFailsAndItsAnswerIsLogged() throws Exception {
        backend.then(BackendServer.status(503, Map.of(), "busy"))
                .then(BackendServer.ndjson(NO_PAUSE, "{\"event\":{\"name\":\"digits\",\"data\":\"12\"}}"));
        TestSocket socket = start(b -> b.retries(2));

        socket.send(new ClientEvent(1, "key", JSON.readTree("{\"digit\":\"2\"}")));
        socket.next(ServerAck.class);
        ServerEvent answer = socket.next(ServerEvent.class);

        assertThat(answer.name()).isEqualTo("digits");
        assertThat(answer.data().asText()).isEqualTo("12");
        List<Call> calls = backend.calls();
        assertThat(calls).hasSize(2);
        for (Call call : calls) {
            assertThat(call.header("Idempotency-Key")).isEqualTo(welcome.sessionId() + ":e1");
            assertThat(call.header("X-Tether-Signature")).isEqualTo(expectedSignature(call.body()));
            JsonNode body = call.json();
            assertThat(body.get("cseq").asLong()).isEqualTo(1);
            assertThat(body.get("event")).isEqualTo(JSON.readTree("{\"name\":\"key\",\"data\":{\"digit\":\"2\"}}"));
        }
        assertThat(gateway.store().read(welcome.sessionId(), 0).collectList().block(TestSocket.TIMEOUT))
                .as("the answer's event, once").hasSize(1);
    }

    @Test
    void aClientEventTheBackendRefusesIsLoggedAndCountedNotDroppedSilently() throws Exception {
        backend.then(BackendServer.status(422, Map.of(), "no"));
        TestSocket socket = start(b -> b.retries(2));

        socket.send(new ClientEvent(1, "key", JSON.readTree("{\"digit\":\"2\"}")));
        socket.next(ServerAck.class);

        dev.tether.testkit.Eventually.await("the failure counted", TestSocket.TIMEOUT,
                () -> metrics().contains("tether_handler_events_failed_total{node=\"test-node\"} 1.0"));
        assertThat(backend.calls()).as("a refusal is not retried").hasSize(1);
    }

    private String metrics() {
        return reactor.netty.http.client.HttpClient.create()
                .get()
                .uri("http://127.0.0.1:" + gateway.gateway().port() + "/metrics")
                .responseContent().aggregate().asString()
                .block(TestSocket.TIMEOUT);
    }

    @Test
    void aStateLineReplacesTheSessionsStateAndTheNextCallCarriesIt() throws Exception {
        backend.then(BackendServer.ndjson(NO_PAUSE, "{\"text\":\"OK\"}", "{\"state\":{\"lang\":\"fr\"}}"))
                .then(BackendServer.ndjson(NO_PAUSE, "{\"state\":{\"lang\":\"de\",\"step\":2}}"));
        TestSocket socket = start(b -> b);

        socket.send(new UserMessage(1, "/lang fr"));
        assertThat(text(reply(socket))).isEqualTo("OK");
        assertThat(backend.nextCall().json().get("state")).as("no state yet").isEqualTo(JSON.readTree("{}"));
        assertThat(gateway.store().readState(welcome.sessionId()).block(TestSocket.TIMEOUT).value())
                .isEqualTo(JSON.readTree("{\"lang\":\"fr\"}"));

        socket.send(new ClientEvent(2, "step", JSON.readTree("2")));
        socket.next(ServerAck.class);

        assertThat(backend.nextCall().json().get("state")).isEqualTo(JSON.readTree("{\"lang\":\"fr\"}"));
        dev.tether.testkit.Eventually.await("the event's answer stored its state", TestSocket.TIMEOUT,
                () -> gateway.store().readState(welcome.sessionId()).block(TestSocket.TIMEOUT).value()
                        .equals(JSON.createObjectNode().put("lang", "de").put("step", 2)));
    }

    @Test
    void aStateOverTheSessionsBoundFailsTheReply() {
        String large = "x".repeat(200);
        backend.then(BackendServer.ndjson(NO_PAUSE, "{\"text\":\"before\"}",
                "{\"state\":{\"big\":\"" + large + "\"}}", "{\"text\":\"after\"}"));
        gateway.start(c -> c.handler(h -> h.name("http"))
                .sessionLimits(l -> l.maxStateBytes(128))
                .backend(b -> b.url(backend.url()).secret(SECRET)));
        TestSocket socket = gateway.connect();
        socket.send(Hello.fresh());
        socket.next(Welcome.class);

        socket.send(new UserMessage(1, "go"));
        List<Sequenced> reply = reply(socket);

        assertThat(text(reply)).isEqualTo("before");
        assertThat(failure(reply)).isEqualTo("upstream_broken");
    }
}
