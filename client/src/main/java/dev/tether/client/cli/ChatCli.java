package dev.tether.client.cli;

import dev.tether.client.ConnectionEvent;
import dev.tether.client.TetherClient;
import dev.tether.client.TetherClientOptions;
import dev.tether.protocol.AssistantDelta;
import dev.tether.protocol.AssistantDone;
import dev.tether.protocol.DoneReason;
import dev.tether.protocol.ServerEvent;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * A command-line chat client: type a line to send it, see the streamed reply as it arrives.
 *
 * <p>Usage: {@code ChatCli [ws-uri]}, default {@value #DEFAULT_URI}. Commands: {@code /drop} drops the connection
 * and reconnects (the session resumes), {@code /session} prints the session, {@code /quit} ends the session with
 * {@code bye}.
 */
public final class ChatCli {

    /** The endpoint used when none is given. */
    public static final String DEFAULT_URI = "ws://127.0.0.1:8787/ws";

    private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(15);

    private ChatCli() {
    }

    public static void main(String[] args) throws IOException {
        if (System.getProperty("logback.configurationFile") == null) {
            // Chosen before the first logger exists: library logging stays quiet unless something goes wrong.
            System.setProperty("logback.configurationFile", "dev/tether/client/cli/logback-cli.xml");
        }
        URI endpoint = URI.create(args.length > 0 ? args[0] : DEFAULT_URI);
        PrintStream out = System.out;
        TetherClient client = TetherClient.create(TetherClientOptions.builder()
                .endpoint(endpoint)
                .unlimitedReconnectAttempts()
                .build());

        client.states().subscribe(change -> out.println("[" + change + "]"));
        client.events().subscribe(event -> out.println("[" + describe(event) + "]"));
        client.messages().subscribe(frame -> {
            switch (frame) {
                case AssistantDelta delta -> {
                    out.print(delta.text());
                    out.flush();
                }
                case AssistantDone done -> out.println(done.reason() == DoneReason.COMPLETE
                        ? "" : " [" + done.reason().wireName()
                                + (done.error() == null ? "" : ": " + done.error().code() + " " + done.error().message())
                                + "]");
                case ServerEvent event -> out.println("[event " + event.name() + " " + event.data() + "]");
            }
        });
        out.println("connecting to " + endpoint + "; type a message, /drop, /session or /quit");
        connect(client, out);

        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        String line;
        while ((line = in.readLine()) != null) {
            String text = line.strip();
            if (text.equals("/quit")) {
                break;
            }
            switch (text) {
                case "" -> {
                    // Nothing to send.
                }
                case "/drop" -> client.disconnect().subscribe(done -> { }, error -> { }, () -> connect(client, out));
                case "/session" -> out.println("[" + client.session().map(Object::toString).orElse("no session") + "]");
                default -> client.send(text).subscribe(
                        cseq -> { },
                        error -> out.println("[not sent: " + error.getMessage() + "]"));
            }
        }
        client.close().onErrorComplete().block(CLOSE_TIMEOUT);
        out.println("bye");
    }

    private static void connect(TetherClient client, PrintStream out) {
        client.connect().subscribe(done -> { }, error -> out.println("[cannot connect: " + error.getMessage() + "]"));
    }

    private static String describe(ConnectionEvent event) {
        return switch (event) {
            case ConnectionEvent.Reconnecting r -> "reconnecting in " + r.delay().toMillis() + " ms (attempt "
                    + r.attempt() + ")";
            case ConnectionEvent.Resumed r -> r.resumed()
                    ? "resumed, " + r.framesReplayed() + " frames to replay"
                    : "could not resume (" + r.reason().wireName() + "), new session";
            case ConnectionEvent.OutboxFlushed f -> "sent " + f.count() + " queued messages";
            case ConnectionEvent.Closed c -> "connection closed: " + c.code()
                    + (c.reason().isEmpty() ? "" : " " + c.reason());
            case ConnectionEvent.ServerError e -> "gateway error " + e.code().wireName() + ": " + e.message();
        };
    }
}
