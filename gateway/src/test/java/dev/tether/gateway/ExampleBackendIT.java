package dev.tether.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tether.gateway.testing.GatewayExtension;
import dev.tether.gateway.testing.TestSocket;
import dev.tether.protocol.AssistantDelta;
import dev.tether.protocol.AssistantDone;
import dev.tether.protocol.ClientEvent;
import dev.tether.protocol.DoneReason;
import dev.tether.protocol.Hello;
import dev.tether.protocol.Sequenced;
import dev.tether.protocol.ServerEvent;
import dev.tether.protocol.UserMessage;
import dev.tether.protocol.Welcome;
import dev.tether.protocol.session.SessionTokens;
import dev.tether.testkit.Eventually;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The example backend of {@code examples/backend-node}, run as a real Node.js process behind the gateway. */
class ExampleBackendIT {

    private static final String SECRET = "example-backend-secret-0123456789abcdef";
    private static final Path SERVER = Path.of("..", "examples", "backend-node", "server.mjs");
    private static final Pattern LISTENING = Pattern.compile("listening on (http://\\S+)");
    private static final ObjectMapper JSON = new ObjectMapper();

    @RegisterExtension
    final GatewayExtension gateway = new GatewayExtension();

    private Process backend;

    @AfterEach
    void stopBackend() throws InterruptedException {
        if (backend != null) {
            backend.destroy();
            backend.waitFor(5, TimeUnit.SECONDS);
        }
    }

    /** Starts the example on a free port and answers its URL, read from the line it prints when it listens. */
    private String startBackend() throws Exception {
        assertThat(SERVER).as("the example backend").exists();
        ProcessBuilder builder = new ProcessBuilder("node", SERVER.toString()).redirectErrorStream(true);
        builder.environment().put("TETHER_BACKEND_SECRET", SECRET);
        builder.environment().put("PORT", "0");
        builder.environment().put("WORD_DELAY_MS", "5");
        backend = builder.start();
        BufferedReader output = new BufferedReader(new InputStreamReader(backend.getInputStream(),
                StandardCharsets.UTF_8));
        String first = CompletableFuture.supplyAsync(() -> {
            try {
                return output.readLine();
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }).get(TestSocket.TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        Matcher matcher = LISTENING.matcher(String.valueOf(first));
        assertThat(matcher.find()).as("the example's first line: " + first).isTrue();
        // Keep reading its log, so that a full pipe never blocks it.
        Thread.ofVirtual().start(() -> output.lines().forEach(line -> { }));
        return matcher.group(1);
    }

    private static String replyText(TestSocket socket) {
        List<Sequenced> reply = socket.collectUntil(Sequenced.class, AssistantDone.class::isInstance);
        assertThat(((AssistantDone) reply.getLast()).reason()).isEqualTo(DoneReason.COMPLETE);
        return reply.stream().filter(AssistantDelta.class::isInstance).map(f -> ((AssistantDelta) f).text())
                .collect(Collectors.joining());
    }

    @Test
    void theExampleAnswersWordByWordInTheLanguageChosenAndCollectsKeypadDigitsUntilHash() throws Exception {
        String url = startBackend();
        gateway.start(c -> c.handler(h -> h.name("http")).backend(b -> b.url(url).secret(SECRET)));
        TestSocket socket = gateway.connect();
        socket.send(Hello.fresh());
        socket.next(Welcome.class);

        socket.send(new UserMessage(1, "/lang fr"));
        assertThat(replyText(socket)).isEqualTo("OK: fr.");
        socket.send(new UserMessage(2, "bonjour"));
        assertThat(replyText(socket)).as("the second turn, history of one exchange")
                .isEqualTo("Vous avez dit: bonjour (turn 2)");

        long cseq = 3;
        for (String key : List.of("0", "4", "2", "#")) {
            socket.send(new ClientEvent(cseq++, "key", JSON.createObjectNode().put("key", key)));
        }
        ServerEvent number = socket.nextMatching(ServerEvent.class, event -> event.name().equals("number"));
        assertThat(number.data().get("digits").asText()).isEqualTo("042");
    }

    @Test
    void aReplyWhoseNodeDiedIsContinuedFromItsTextSoFar() throws Exception {
        String url = startBackend();
        gateway.start(c -> c.handler(h -> h.name("http")).backend(b -> b.url(url).secret(SECRET)));
        InMemorySessionStore store = gateway.store();
        String id = SessionTokens.newSessionId();
        // Another node stored the message and sent the first words of the answer, then died.
        store.create(id, SessionTokens.digest(SessionTokens.newToken()), "gone").block(TestSocket.TIMEOUT);
        store.heartbeatNode("gone", Duration.ofSeconds(1)).block(TestSocket.TIMEOUT);
        store.appendClient(id, new UserMessage(1, "hello"), "gone", ReplyOptions.DEFAULT_LEASE)
                .block(TestSocket.TIMEOUT);
        store.appendReply(id, 1, 0, AssistantDelta.of(1, "You"), "gone", ReplyOptions.DEFAULT_LEASE)
                .block(TestSocket.TIMEOUT);
        store.appendReply(id, 1, 1, AssistantDelta.of(1, " said:"), "gone", ReplyOptions.DEFAULT_LEASE)
                .block(TestSocket.TIMEOUT);
        gateway.clock().advance(Duration.ofSeconds(2));

        // The gateway's sweep finds the node dead and asks the backend for the rest, with continueFrom.
        Eventually.await("the reply continued", TestSocket.TIMEOUT, () -> store.read(id, 0)
                .any(AssistantDone.class::isInstance).block(TestSocket.TIMEOUT));
        List<Sequenced> log = store.read(id, 0).collectList().block(TestSocket.TIMEOUT);
        assertThat(log.stream().filter(AssistantDelta.class::isInstance).map(f -> ((AssistantDelta) f).text())
                .collect(Collectors.joining())).isEqualTo("You said: hello (turn 1)");
        assertThat(log.getLast()).isEqualTo(new AssistantDone(log.size(), 1, DoneReason.COMPLETE, null, null, 1));
    }
}
