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
import dev.tether.protocol.Sequenced;
import dev.tether.protocol.ServerAck;
import dev.tether.protocol.UserMessage;
import dev.tether.protocol.Welcome;
import dev.tether.session.redis.testkit.RedisExtension;
import dev.tether.testkit.Eventually;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Two gateway nodes on one Redis with the {@code openai} handler: the conversation a model receives is the session's,
 * whichever node stored each message, and a cancel sent to one node stops the reply the other produces.
 */
class OpenAiOnRedisIT {

    @RegisterExtension
    static final RedisExtension redis = RedisExtension.standalone();

    private final OpenAiUpstream upstream = OpenAiUpstream.start();
    private final List<GatewayHandle> nodes = new ArrayList<>();
    private final List<TestSocket> sockets = new ArrayList<>();

    @AfterEach
    void stop() {
        sockets.forEach(TestSocket::close);
        nodes.forEach(node -> {
            node.dispose();
            node.onDispose().block(TestSocket.TIMEOUT);
        });
        upstream.close();
    }

    private GatewayHandle node(String nodeId) {
        GatewayConfig config = GatewayExtension.testConfig()
                .server(s -> s.nodeId(nodeId))
                .store(s -> s.kind(StoreOptions.Kind.REDIS).redisUri(redis.uris().getFirst()))
                .handler(h -> h.name(ConversationHandlers.OPENAI))
                .llm(l -> l.url(upstream.baseUrl()).model("tiny-model").system("Be brief."))
                .build();
        GatewayHandle node = TetherGateway.start(config).block(TestSocket.TIMEOUT);
        nodes.add(node);
        // The Redis store connects in the background; the node is ready once /health says so.
        HttpClient http = HttpClient.newHttpClient();
        HttpRequest health = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + node.port() + "/health")).build();
        Eventually.await(nodeId + " ready", TestSocket.TIMEOUT, () -> {
            try {
                return http.send(health, HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
            } catch (java.io.IOException e) {
                return false;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        });
        return node;
    }

    private TestSocket connect(GatewayHandle node) {
        TestSocket socket = TestSocket.connect("ws://127.0.0.1:" + node.port() + node.path());
        sockets.add(socket);
        return socket;
    }

    /** A session started on a new node "node-a", which stored {@code text} as cseq 1. */
    private record Asked(TestSocket socket, Welcome welcome) {
    }

    private Asked askOnNewNode(String text) {
        TestSocket socket = connect(node("node-a"));
        socket.send(Hello.fresh());
        Welcome welcome = socket.next(Welcome.class);
        socket.send(new UserMessage(1, text));
        socket.next(ServerAck.class);
        return new Asked(socket, welcome);
    }

    private static Hello resume(Welcome welcome, long lastSeq) {
        return Hello.resume(new Hello.Resume(welcome.sessionId(), welcome.token(), welcome.epoch(), lastSeq));
    }

    @Test
    void theHistoryIsTheSessionsWhicheverNodeStoredEachMessage() {
        upstream.script(Answer.tokens("Paris", "."), Answer.tokens("About two million."));
        GatewayHandle b = node("node-b");
        Asked asked = askOnNewNode("Capital of France?");
        TestSocket onA = asked.socket();
        Welcome welcome = asked.welcome();
        List<Sequenced> first = onA.collectUntil(Sequenced.class, AssistantDone.class::isInstance);
        onA.abort();

        TestSocket onB = connect(b);
        onB.send(resume(welcome, first.getLast().seq()));
        assertThat(onB.next(Welcome.class).resumed()).isTrue();
        onB.send(new UserMessage(2, "How many people live there?"));
        onB.next(ServerAck.class);
        List<Sequenced> second = onB.collectUntil(Sequenced.class, AssistantDone.class::isInstance);

        assertThat(((AssistantDone) second.getLast()).reason()).isEqualTo(DoneReason.COMPLETE);
        assertThat(upstream.requests().get(1).messages()).containsExactly("system: Be brief.",
                "user: Capital of France?", "assistant: Paris.", "user: How many people live there?");
    }

    @Test
    void aCancelSentToOneNodeAbortsTheUpstreamOfTheNodeProducingTheReply() {
        upstream.script(Answer.tokens("a", "b", "c", "d", "e", "f", "g", "h").delay(Duration.ofMillis(500)));
        GatewayHandle b = node("node-b");
        Asked asked = askOnNewNode("a long story");
        TestSocket onA = asked.socket();
        Welcome welcome = asked.welcome();
        AssistantDelta first = onA.next(AssistantDelta.class);
        onA.abort();

        TestSocket onB = connect(b);
        onB.send(resume(welcome, first.seq()));
        onB.next(Welcome.class);
        long cancelled = System.nanoTime();
        onB.send(new Cancel(2, 1));
        List<Sequenced> rest = onB.collectUntil(Sequenced.class, AssistantDone.class::isInstance);

        assertThat(((AssistantDone) rest.getLast()).reason()).isEqualTo(DoneReason.CANCELLED);
        OpenAiUpstream.Request request = upstream.requests().getFirst();
        Eventually.await("the request aborted", TestSocket.TIMEOUT, request::wasAborted);
        assertThat(Duration.ofNanos(request.abortedAt() - cancelled)).as("cancel on node-b to node-a's upstream close")
                .isLessThan(Duration.ofMillis(500));
        assertThat(upstream.requests()).hasSize(1);
    }
}
