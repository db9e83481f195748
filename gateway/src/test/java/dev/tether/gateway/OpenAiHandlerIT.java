package dev.tether.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tether.gateway.testing.GatewayExtension;
import dev.tether.gateway.testing.OpenAiUpstream;
import dev.tether.gateway.testing.OpenAiUpstream.Answer;
import dev.tether.gateway.testing.TestSocket;
import dev.tether.protocol.AssistantDelta;
import dev.tether.protocol.AssistantDone;
import dev.tether.protocol.Cancel;
import dev.tether.protocol.DoneReason;
import dev.tether.protocol.Hello;
import dev.tether.protocol.ReplyError;
import dev.tether.protocol.Sequenced;
import dev.tether.protocol.ServerAck;
import dev.tether.protocol.TokenUsage;
import dev.tether.protocol.UserMessage;
import dev.tether.protocol.Welcome;
import dev.tether.testkit.Eventually;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The {@code openai} handler against a real OpenAI-compatible server of ours ({@link OpenAiUpstream}), through a
 * real gateway: what the server receives, how its failures are told, and that stop is not drop.
 */
class OpenAiHandlerIT {

    private static final String API_KEY = "sk-test-secret-key-0123456789";

    private final OpenAiUpstream upstream = OpenAiUpstream.start();

    @RegisterExtension
    final GatewayExtension gateway = new GatewayExtension(c -> c
            .handler(h -> h.name(ConversationHandlers.OPENAI))
            .llm(l -> l.url(upstream.baseUrl()).model("tiny-model").apiKey(API_KEY).system("Be brief.")
                    .param("temperature=0.2").param("max_tokens=64").param("stop=END")
                    .firstTokenTimeout(Duration.ofSeconds(5))));

    @AfterEach
    void stopUpstream() {
        upstream.close();
    }

    private static String text(List<? extends Sequenced> frames) {
        return frames.stream().filter(AssistantDelta.class::isInstance).map(f -> ((AssistantDelta) f).text())
                .collect(Collectors.joining());
    }

    private TestSocket session() {
        TestSocket socket = gateway.connect();
        socket.send(Hello.fresh());
        socket.next(Welcome.class);
        return socket;
    }

    private static List<Sequenced> ask(TestSocket socket, long cseq, String text) {
        socket.send(new UserMessage(cseq, text));
        socket.next(ServerAck.class);
        return socket.collectUntil(Sequenced.class, AssistantDone.class::isInstance);
    }

    @Test
    void theServerReceivesTheModelSystemPromptHistoryInOrderAndTypedParams() {
        upstream.script(Answer.tokens("Hel", "lo", "!"), Answer.tokens("Fine."));
        TestSocket socket = session();

        List<Sequenced> first = ask(socket, 1, "hi");
        List<Sequenced> second = ask(socket, 2, "how are you?");

        assertThat(text(first)).isEqualTo("Hello!");
        assertThat(first.getLast()).isEqualTo(new AssistantDone(first.getLast().seq(), 1, DoneReason.COMPLETE, null,
                new TokenUsage(10, 3)));
        assertThat(text(second)).isEqualTo("Fine.");
        List<OpenAiUpstream.Request> requests = upstream.requests();
        assertThat(requests).hasSize(2);
        OpenAiUpstream.Request request = requests.get(1);
        assertThat(request.body().path("model").asText()).isEqualTo("tiny-model");
        assertThat(request.messages()).containsExactly(
                "system: Be brief.", "user: hi", "assistant: Hello!", "user: how are you?");
        assertThat(request.body().path("stream").asBoolean()).isTrue();
        assertThat(request.body().path("stream_options").path("include_usage").asBoolean()).isTrue();
        assertThat(request.body().path("temperature").isNumber()).isTrue();
        assertThat(request.body().path("temperature").asDouble()).isEqualTo(0.2);
        assertThat(request.body().path("max_tokens").isInt()).isTrue();
        assertThat(request.body().path("max_tokens").asInt()).isEqualTo(64);
        assertThat(request.body().path("stop").asText()).isEqualTo("END");
        assertThat(request.authorization()).isEqualTo("Bearer " + API_KEY);
    }

    @Test
    void unavailableAnswersAreRetriedBeforeTheFirstTokenHonouringRetryAfter() {
        upstream.script(Answer.status(503, null), Answer.status(429, 1), Answer.tokens("at", " last"));
        TestSocket socket = session();

        List<Sequenced> reply = ask(socket, 1, "hi");

        assertThat(text(reply)).isEqualTo("at last");
        assertThat(((AssistantDone) reply.getLast()).reason()).isEqualTo(DoneReason.COMPLETE);
        List<OpenAiUpstream.Request> requests = upstream.requests();
        assertThat(requests).hasSize(3);
        assertThat(requests.get(2).receivedNanos() - requests.get(1).receivedNanos())
                .as("the third try waited for Retry-After: 1").isGreaterThanOrEqualTo(Duration.ofSeconds(1).toNanos());
    }

    @Test
    void aStreamBrokenAfterTheFirstTokenIsNeverRestartedAndKeepsItsText() {
        upstream.script(Answer.tokens("one", " two", " three").cutAfter(2));
        TestSocket socket = session();

        List<Sequenced> reply = ask(socket, 1, "count");

        assertThat(text(reply)).isEqualTo("one two");
        AssistantDone done = (AssistantDone) reply.getLast();
        assertThat(done.reason()).isEqualTo(DoneReason.FAILED);
        assertThat(done.error().code()).isEqualTo(ReplyError.UPSTREAM_BROKEN);
        assertThat(upstream.requests()).as("not tried again: that would repeat text").hasSize(1);
    }

    @Test
    void aStreamBrokenBeforeTheFirstTokenIsTriedAgain() {
        upstream.script(Answer.tokens("lost").cutAfter(0), Answer.tokens("kept"));
        TestSocket socket = session();

        List<Sequenced> reply = ask(socket, 1, "hi");

        assertThat(text(reply)).isEqualTo("kept");
        assertThat(upstream.requests()).hasSize(2);
    }

    @Test
    void aRejectedRequestIsNotRetriedAndTheClientIsToldWhy() {
        upstream.script(Answer.status(400, null));
        TestSocket socket = session();

        AssistantDone done = (AssistantDone) ask(socket, 1, "hi").getLast();

        assertThat(done.reason()).isEqualTo(DoneReason.FAILED);
        assertThat(done.error().code()).isEqualTo(ReplyError.UPSTREAM_REJECTED);
        assertThat(done.error().message()).contains("400").doesNotContain(API_KEY);
        assertThat(upstream.requests()).hasSize(1);
    }

    @Test
    void retriesRunOutAsUnavailable() {
        upstream.script(Answer.status(500, null));
        TestSocket socket = session();

        AssistantDone done = (AssistantDone) ask(socket, 1, "hi").getLast();

        assertThat(done.error().code()).isEqualTo(ReplyError.UPSTREAM_UNAVAILABLE);
        assertThat(upstream.requests()).as("the first try and two retries").hasSize(3);
    }

    @Test
    void aSlowFirstTokenTimesOutAndTheRequestIsAborted() {
        upstream.script(Answer.tokens("late").firstDelay(Duration.ofSeconds(30)));
        TestSocket socket = session();

        AssistantDone done = (AssistantDone) ask(socket, 1, "hi").getLast();

        assertThat(done.error().code()).isEqualTo(ReplyError.UPSTREAM_TIMEOUT);
        Eventually.await("the request aborted", TestSocket.TIMEOUT, () -> upstream.requests().getFirst().wasAborted());
    }

    @Test
    void cancelAbortsTheUpstreamRequestWithin500MillisAndKeepsThePartialText() {
        upstream.script(Answer.tokens("a", "b", "c", "d", "e", "f", "g", "h", "i", "j")
                .delay(Duration.ofMillis(500)));
        TestSocket socket = session();
        socket.send(new UserMessage(1, "long story"));
        socket.next(ServerAck.class);
        AssistantDelta firstDelta = socket.next(AssistantDelta.class);

        long cancelled = System.nanoTime();
        socket.send(new Cancel(2, 1));
        List<Sequenced> rest = socket.collectUntil(Sequenced.class, AssistantDone.class::isInstance);

        assertThat(rest.getLast()).isInstanceOf(AssistantDone.class);
        assertThat(((AssistantDone) rest.getLast()).reason()).isEqualTo(DoneReason.CANCELLED);
        assertThat(firstDelta.text() + text(rest)).startsWith("a");
        OpenAiUpstream.Request request = upstream.requests().getFirst();
        Eventually.await("the request aborted", TestSocket.TIMEOUT, request::wasAborted);
        assertThat(Duration.ofNanos(request.abortedAt() - cancelled)).as("cancel to the upstream's close")
                .isLessThan(Duration.ofMillis(500));
    }

    @Test
    void aClientThatDisconnectsCancelsNothing() {
        upstream.script(Answer.tokens("x", "y", "z").delay(Duration.ofMillis(200)));
        TestSocket socket = gateway.connect();
        socket.send(Hello.fresh());
        String sessionId = socket.next(Welcome.class).sessionId();
        socket.send(new UserMessage(1, "go on without me"));
        socket.next(ServerAck.class);
        socket.next(AssistantDelta.class);

        socket.abort();

        Eventually.await("the reply's end in the log", TestSocket.TIMEOUT,
                () -> gateway.store().read(sessionId, 0).collectList().block(TestSocket.TIMEOUT).getLast()
                        instanceof AssistantDone);
        List<Sequenced> log = gateway.store().read(sessionId, 0).collectList().block(TestSocket.TIMEOUT);
        assertThat(text(log)).isEqualTo("xyz");
        assertThat(((AssistantDone) log.getLast()).reason()).isEqualTo(DoneReason.COMPLETE);
        assertThat(upstream.requests().getFirst().wasAborted()).isFalse();
    }

    @Test
    void metricsCountTokensByKindTimeToFirstTokenAndRequestsByOutcomeAndStatus() throws Exception {
        upstream.script(Answer.status(503, null), Answer.tokens("a", "b"));
        TestSocket socket = session();
        ask(socket, 1, "hi");

        String metrics = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                        gateway.healthUri().resolve("/metrics")).build(), HttpResponse.BodyHandlers.ofString()).body();

        assertThat(metrics).containsPattern("tether_llm_tokens_total\\{[^}]*kind=\"prompt\"[^}]*} 10\\.0")
                .containsPattern("tether_llm_tokens_total\\{[^}]*kind=\"completion\"[^}]*} 2\\.0")
                .containsPattern("tether_llm_first_token_seconds_count\\{[^}]*} 1")
                .containsPattern("tether_llm_requests_total\\{[^}]*outcome=\"failed\",status=\"503\"[^}]*} 1\\.0")
                .containsPattern("tether_llm_requests_total\\{[^}]*outcome=\"complete\",status=\"200\"[^}]*} 1\\.0");
    }

    @Test
    void theApiKeyIsNeverInHealth() throws Exception {
        HttpResponse<String> health = HttpClient.newHttpClient().send(
                HttpRequest.newBuilder(gateway.healthUri()).build(), HttpResponse.BodyHandlers.ofString());

        assertThat(health.body()).doesNotContain(API_KEY);
        assertThat(gateway.gateway().toString()).doesNotContain(API_KEY);
    }
}
