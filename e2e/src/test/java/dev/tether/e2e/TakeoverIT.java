package dev.tether.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tether.client.SessionHandle;
import dev.tether.e2e.testing.Clients;
import dev.tether.e2e.testing.GatewayNode;
import dev.tether.e2e.testing.GatewayProcesses;
import dev.tether.e2e.testing.RawSocket;
import dev.tether.gateway.testing.OpenAiUpstream;
import dev.tether.protocol.AssistantDelta;
import dev.tether.protocol.AssistantDone;
import dev.tether.protocol.DoneReason;
import dev.tether.protocol.Hello;
import dev.tether.protocol.Sequenced;
import dev.tether.protocol.ServerAck;
import dev.tether.protocol.UserMessage;
import dev.tether.protocol.Welcome;
import dev.tether.session.redis.testkit.RedisExtension;
import dev.tether.testkit.Eventually;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Replies that outlive their node: gateway processes on one real Redis, with the default node ttl and reply lease. A
 * node producing a reply is killed (SIGKILL) or frozen (SIGSTOP); another node finds it dead within the node ttl,
 * takes the reply over and continues it, so that the client receives it complete, exactly once, {@code continued: 1}.
 */
class TakeoverIT {

    static final Duration TIMEOUT = Duration.ofSeconds(60);
    /** The bound the design promises with the defaults (3 s node ttl), from the kill to the next part. */
    static final Duration KILL_TO_NEXT_PART = Duration.ofSeconds(5);

    @RegisterExtension
    static final RedisExtension redis = RedisExtension.killable();

    @RegisterExtension
    final GatewayProcesses gateways = new GatewayProcesses();

    private List<GatewayNode> echoNodes() {
        return gateways.startReady(List.of("a", "b"), "--store", "redis", "--redis-uri", redis.server().uri(),
                "--echo-delay", "100ms");
    }

    private Clients client(List<URI> endpoints, SessionHandle resumeFrom) {
        Clients client = Clients.create(endpoints, o -> resumeFrom == null ? o : o.resumeFrom(resumeFrom));
        gateways.closeAfter(client);
        return client;
    }

    /** Kills {@code node} once the reply has some parts, and returns how long the next part took to come. */
    private static Duration killAndTimeNextPart(GatewayNode node, Clients client, long replyTo) {
        Eventually.await("some of the reply from node " + node.nodeId(), TIMEOUT,
                () -> client.deltas(replyTo).size() >= 5);
        int before = client.deltas(replyTo).size();
        long killed = System.nanoTime();
        node.kill();
        Eventually.await("a part after the kill", TIMEOUT, Duration.ofMillis(10),
                () -> client.deltas(replyTo).size() > before || client.done(replyTo).isPresent());
        return Duration.ofNanos(System.nanoTime() - killed);
    }

    /** The replies {@code node} took over from dead nodes, as its {@code /metrics} counts them. */
    private static double takenOver(GatewayNode node) {
        try {
            for (String line : node.get("/metrics", "none").body().split("\n")) {
                if (line.startsWith("tether_replies_taken_over_total")) {
                    return Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
                }
            }
            return 0;
        } catch (java.io.IOException e) {
            return 0;
        }
    }

    private static void assertOnceEach(List<Sequenced> frames, long replyTo) {
        MultiNodeIT.assertGapless(frames);
        assertThat(frames.stream().filter(f -> f instanceof AssistantDone d && d.replyTo() == replyTo))
                .as("one end").hasSize(1);
    }

    @Test
    void aReplyCutByAKilledNodeIsContinuedOnAnotherCompleteAndExactlyOnce() {
        List<GatewayNode> nodes = echoNodes();
        Clients client = client(List.of(nodes.get(0).wsUri(), nodes.get(1).wsUri()), null);
        client.client().connect().block(TIMEOUT);
        String text = MultiNodeIT.words(80);
        long cseq = client.client().send(text).block(TIMEOUT);

        Duration nextPart = killAndTimeNextPart(nodes.get(0), client, cseq);

        AssistantDone done = client.awaitDone(cseq, TIMEOUT);
        assertThat(done.reason()).isEqualTo(DoneReason.COMPLETE);
        assertThat(done.continued()).isEqualTo(1);
        assertThat(client.text(cseq)).as("every word once, none lost at the seam").isEqualTo(text);
        assertOnceEach(client.frames(), cseq);
        assertThat(nextPart).as("from the kill to the next part").isLessThan(KILL_TO_NEXT_PART);
        System.out.printf("TakeoverIT: kill to next part %d ms%n", nextPart.toMillis());
    }

    @Test
    void aClientThatNeverComesBackStillFindsItsReplyFinishedInTheLog() {
        List<GatewayNode> nodes = echoNodes();
        RawSocket socket = RawSocket.connect(nodes.get(0).wsUri());
        gateways.closeAfter(socket);
        socket.send(Hello.fresh());
        Welcome welcome = socket.next(Welcome.class);
        String text = MultiNodeIT.words(60);
        socket.send(new UserMessage(1, text));
        socket.next(ServerAck.class);
        for (int i = 0; i < 3; i++) {
            socket.next(AssistantDelta.class);
        }
        // The client is gone for good, and so is the node producing its reply: no client is connected anywhere.
        socket.close();
        nodes.get(0).kill();

        // Read much later: the reply was finished by b's sweep, not by this reader's attach.
        Eventually.await("b took the reply over", TIMEOUT, () -> takenOver(nodes.get(1)) >= 1);
        Clients reader = client(List.of(nodes.get(1).wsUri()),
                new SessionHandle(welcome.sessionId(), welcome.token(), welcome.epoch(), 0));
        reader.client().connect().block(TIMEOUT);
        AssistantDone done = reader.awaitDone(1, TIMEOUT);
        assertThat(done.reason()).isEqualTo(DoneReason.COMPLETE);
        assertThat(done.continued()).isEqualTo(1);
        assertThat(reader.text(1)).isEqualTo(text);
        assertOnceEach(reader.frames(), 1);
    }

    @Test
    void aFrozenNodeIsFencedOutAndWritesNothingOnceItWakes() throws InterruptedException {
        List<GatewayNode> nodes = echoNodes();
        GatewayNode a = nodes.get(0);
        RawSocket socket = RawSocket.connect(a.wsUri());
        gateways.closeAfter(socket);
        socket.send(Hello.fresh());
        Welcome welcome = socket.next(Welcome.class);
        String text = MultiNodeIT.words(60);
        socket.send(new UserMessage(1, text));
        socket.next(ServerAck.class);
        for (int i = 0; i < 3; i++) {
            socket.next(AssistantDelta.class);
        }

        a.freeze();
        try {
            Clients reader = client(List.of(nodes.get(1).wsUri()),
                    new SessionHandle(welcome.sessionId(), welcome.token(), welcome.epoch(), 0));
            reader.client().connect().block(TIMEOUT);
            AssistantDone done = reader.awaitDone(1, TIMEOUT);
            assertThat(done.reason()).isEqualTo(DoneReason.COMPLETE);
            assertThat(done.continued()).isEqualTo(1);

            a.thaw();
            // a wakes up mid-reply, with renewals and appends due: each finds the reply taken and stops.
            Eventually.await("a alive and serving again", TIMEOUT, () -> a.healthStatus() == 200);
            Thread.sleep(2_000);
            List<Sequenced> frames = new ArrayList<>(reader.frames());
            assertThat(reader.text(1)).isEqualTo(text);
            assertOnceEach(frames, 1);
            assertThat(frames.getLast()).as("nothing after the end").isInstanceOf(AssistantDone.class);
        } finally {
            a.thaw();
        }
    }

    @Test
    void aModelReplyCutByAKilledNodeIsCompletedFromItsPrefilledText() {
        OpenAiUpstream upstream = gateways.closeAfter(OpenAiUpstream.start());
        String answer = MultiNodeIT.words(60);
        upstream.script(OpenAiUpstream.Answer.completing(answer, Duration.ofMillis(100)));
        List<GatewayNode> nodes = gateways.startReady(List.of("a", "b"), "--store", "redis", "--redis-uri",
                redis.server().uri(), "--handler", "openai", "--llm-url", upstream.baseUrl(), "--llm-model",
                "tiny-model");
        Clients client = client(List.of(nodes.get(0).wsUri(), nodes.get(1).wsUri()), null);
        client.client().connect().block(TIMEOUT);
        long cseq = client.client().send("count").block(TIMEOUT);

        Duration nextPart = killAndTimeNextPart(nodes.get(0), client, cseq);

        AssistantDone done = client.awaitDone(cseq, TIMEOUT);
        assertThat(done.reason()).isEqualTo(DoneReason.COMPLETE);
        assertThat(done.continued()).isEqualTo(1);
        assertThat(client.text(cseq)).as("the model's answer once, completed where it was cut").isEqualTo(answer);
        assertOnceEach(client.frames(), cseq);
        assertThat(nextPart).isLessThan(KILL_TO_NEXT_PART);
        List<OpenAiUpstream.Request> requests = upstream.requests();
        assertThat(requests).hasSize(2);
        List<String> continued = requests.get(1).messages();
        assertThat(continued.get(continued.size() - 2)).isEqualTo("user: count");
        assertThat(continued.getLast()).as("the partial answer, prefilled").startsWith("assistant: w0 w1 w2 w3 w4");
        assertThat(answer).startsWith(continued.getLast().substring("assistant: ".length()));
    }
}
