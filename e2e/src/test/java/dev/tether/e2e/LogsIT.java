package dev.tether.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tether.client.ConnectionEvent;
import dev.tether.client.SessionHandle;
import dev.tether.e2e.testing.Clients;
import dev.tether.e2e.testing.GatewayNode;
import dev.tether.e2e.testing.GatewayProcesses;
import dev.tether.e2e.testing.RawSocket;
import dev.tether.protocol.Hello;
import dev.tether.protocol.ResumeFailure;
import dev.tether.protocol.Welcome;
import dev.tether.session.redis.testkit.RedisExtension;
import dev.tether.testkit.Eventually;
import java.io.IOException;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Two gateway processes logging JSON at debug level while a client chats, is pushed to, is drained off one node by
 * SIGTERM and resumes on the other: every line names its node, the session's lines carry its id, and no session
 * token or API key, right or wrong, appears anywhere in either log.
 */
class LogsIT {

    static final Duration TIMEOUT = Duration.ofSeconds(30);
    static final String API_KEY = "e2e-logs-api-key-0123456789";
    static final String WRONG_API_KEY = "e2e-logs-wrong-key-9876543210";
    static final String WRONG_TOKEN = "Zm9yZ2VkLXRva2VuLW5vdC1naXZlbi1ieS1hbnlvbmU";
    static final ObjectMapper JSON = new ObjectMapper();

    @RegisterExtension
    static final RedisExtension redis = RedisExtension.killable();

    @RegisterExtension
    final GatewayProcesses gateways = new GatewayProcesses();

    @Test
    void jsonLinesNameTheirNodeAndSessionAndNeverATokenOrAKey() throws Exception {
        List<GatewayNode> nodes = gateways.startReady(List.of("log-a", "log-b"), "--store", "redis", "--redis-uri",
                redis.server().uri(), "--api-key", API_KEY, "--log-format", "json", "--log-level", "debug",
                "--reply-lease", "1s", "--echo-delay", "20ms", "--drain-delay", "200ms", "--drain-time", "1s");
        GatewayNode a = nodes.get(0);
        GatewayNode b = nodes.get(1);
        Clients client = Clients.create(List.of(a.wsUri(), b.wsUri()), o -> o);
        gateways.closeAfter(client);
        client.client().connect().block(TIMEOUT);
        client.awaitDone(client.client().send("hello from a logged session").block(TIMEOUT), TIMEOUT);
        SessionHandle session = client.client().session().orElseThrow();
        List<String> secrets = List.of(session.token(), API_KEY, WRONG_API_KEY, WRONG_TOKEN);

        assertThat(a.post("/api/v1/sessions/" + session.sessionId() + "/events", API_KEY,
                "{\"name\":\"logged\",\"data\":1}").statusCode()).isEqualTo(200);
        assertThat(a.post("/api/v1/sessions/" + session.sessionId() + "/events", WRONG_API_KEY,
                "{\"name\":\"refused\",\"data\":1}").statusCode()).isEqualTo(401);
        try (RawSocket guess = RawSocket.connect(b.wsUri())) {
            guess.send(Hello.resume(new Hello.Resume(session.sessionId(), WRONG_TOKEN, session.epoch(), 0)));
            assertThat(guess.next(Welcome.class).reason()).isEqualTo(ResumeFailure.BAD_TOKEN);
        }

        // SIGTERM drains a: its connection closes with 1012 and the client resumes on b.
        a.terminate();
        Eventually.await("resumed on b", TIMEOUT,
                () -> client.events(ConnectionEvent.Resumed.class).stream().anyMatch(ConnectionEvent.Resumed::resumed));
        client.awaitDone(client.client().send("hello again, on b").block(TIMEOUT), TIMEOUT);
        b.terminate();

        for (GatewayNode node : nodes) {
            List<JsonNode> lines = jsonLines(node);
            assertThat(lines).as("JSON lines of " + node.nodeId()).isNotEmpty()
                    .allSatisfy(line -> assertThat(line.path("node").asText()).isEqualTo(node.nodeId()));
            assertThat(lines).as("lines of " + node.nodeId() + " about the session, with its id as a field")
                    .anySatisfy(line -> {
                        assertThat(line.path("session").asText()).isEqualTo(session.sessionId());
                        assertThat(line.path("connection").asText()).isNotBlank();
                    });
            String log = Files.readString(node.log());
            for (String secret : secrets) {
                assertThat(log).as("the log of " + node.nodeId() + " never holds a token or key").doesNotContain(secret);
            }
        }
        assertThat(jsonLines(a)).as("the drain is logged")
                .anySatisfy(line -> assertThat(line.path("message").asText()).contains("draining 1 connection"));
    }

    private static List<JsonNode> jsonLines(GatewayNode node) throws IOException {
        List<JsonNode> lines = new ArrayList<>();
        for (String line : Files.readAllLines(node.log())) {
            // The JVM's own warnings, if any, are plain text on the same stream.
            if (line.startsWith("{")) {
                lines.add(JSON.readTree(line));
            }
        }
        return lines;
    }
}
