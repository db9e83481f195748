package dev.tether.gateway.bench;

import dev.tether.gateway.ConversationHandlers;
import dev.tether.gateway.GatewayHandle;
import dev.tether.gateway.TetherGateway;
import dev.tether.gateway.testing.GatewayExtension;
import dev.tether.gateway.testing.OpenAiUpstream;
import dev.tether.gateway.testing.OpenAiUpstream.Answer;
import dev.tether.gateway.testing.TestSocket;
import dev.tether.protocol.AssistantDelta;
import dev.tether.protocol.AssistantDone;
import dev.tether.protocol.Hello;
import dev.tether.protocol.ServerFrame;
import dev.tether.protocol.UserMessage;
import dev.tether.protocol.Welcome;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.stream.IntStream;
import reactor.core.publisher.Mono;
import reactor.netty.ByteBufFlux;
import reactor.netty.http.client.HttpClient;

/**
 * What the gateway adds between a model server and a client: time to first token, latency per streamed token and
 * CPU per token, with the test upstream streaming at a fixed rate on loopback. A program, not a test: it prints
 * figures and asserts nothing. Run with {@code scripts/bench-llm.sh} (three runs) or from an IDE.
 *
 * <p>Everything runs in one JVM, so the CPU figure of the gateway run includes the upstream and the client; the
 * same stream read straight from the upstream by a plain HTTP client is measured too, and the difference is what
 * the gateway costs.
 */
public final class LlmOverheadBenchmark {

    private static final int TOKENS = 50;
    private static final Duration TOKEN_INTERVAL = Duration.ofMillis(10);
    private static final int WARMUP_REPLIES = 20;
    private static final int REPLIES = 60;

    private LlmOverheadBenchmark() {
    }

    public static void main(String[] args) {
        List<String> tokens = IntStream.range(0, TOKENS).mapToObj(i -> " tok" + i).toList();
        try (OpenAiUpstream upstream = OpenAiUpstream.start()) {
            upstream.script(Answer.tokens(tokens.toArray(String[]::new)).delay(TOKEN_INTERVAL));
            double directCpu = direct(upstream);
            GatewayHandle gateway = TetherGateway.start(GatewayExtension.testConfig()
                    .handler(h -> h.name(ConversationHandlers.OPENAI))
                    .llm(l -> l.url(upstream.baseUrl()).model("bench").maxHistory(0))
                    .build()).block(TestSocket.TIMEOUT);
            try (TestSocket socket = TestSocket.connect("ws://127.0.0.1:" + gateway.port() + gateway.path())) {
                socket.send(Hello.fresh());
                socket.next(Welcome.class);
                long cseq = 0;
                for (int i = 0; i < WARMUP_REPLIES; i++) {
                    reply(socket, upstream, ++cseq, null, null);
                }
                List<Long> ttft = new ArrayList<>();
                List<Long> perToken = new ArrayList<>();
                long cpu = cpuNanos();
                for (int i = 0; i < REPLIES; i++) {
                    reply(socket, upstream, ++cseq, ttft, perToken);
                }
                double viaGatewayCpu = (cpuNanos() - cpu) / (double) (REPLIES * TOKENS);
                System.out.printf("tokens per reply %d, one every %d ms, %d replies measured%n", TOKENS,
                        TOKEN_INTERVAL.toMillis(), REPLIES);
                System.out.printf("time to first token added by the gateway: p50 %.2f ms, p99 %.2f ms%n",
                        percentile(ttft, 50) / 1e6, percentile(ttft, 99) / 1e6);
                System.out.printf("latency added per token (upstream write to client read): p50 %.3f ms, "
                        + "p99 %.3f ms%n", percentile(perToken, 50) / 1e6, percentile(perToken, 99) / 1e6);
                System.out.printf("CPU per token: upstream + direct client %.1f us, upstream + gateway + client "
                        + "%.1f us, gateway's share %.1f us%n", directCpu / 1e3, viaGatewayCpu / 1e3,
                        (viaGatewayCpu - directCpu) / 1e3);
            } finally {
                gateway.dispose();
                gateway.onDispose().block(TestSocket.TIMEOUT);
            }
        }
    }

    /** CPU per token of the upstream streaming to a plain HTTP client that reads the events, no gateway between. */
    private static double direct(OpenAiUpstream upstream) {
        HttpClient http = HttpClient.create();
        String body = "{\"model\":\"bench\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"stream\":true}";
        Runnable one = () -> http.post().uri(upstream.baseUrl() + "/chat/completions")
                .send(ByteBufFlux.fromString(Mono.just(body), StandardCharsets.UTF_8,
                        io.netty.buffer.ByteBufAllocator.DEFAULT))
                .responseContent().asString().then().block(TestSocket.TIMEOUT);
        for (int i = 0; i < WARMUP_REPLIES; i++) {
            one.run();
        }
        long cpu = cpuNanos();
        for (int i = 0; i < REPLIES; i++) {
            one.run();
        }
        return (cpuNanos() - cpu) / (double) (REPLIES * TOKENS);
    }

    private static void reply(TestSocket socket, OpenAiUpstream upstream, long cseq, List<Long> ttft,
                              List<Long> perToken) {
        int before = upstream.requests().size();
        long sent = System.nanoTime();
        socket.send(new UserMessage(cseq, "go"));
        List<Long> received = new ArrayList<>();
        while (true) {
            ServerFrame frame = socket.next();
            long now = System.nanoTime();
            if (frame instanceof AssistantDelta) {
                received.add(now);
            } else if (frame instanceof AssistantDone) {
                break;
            }
            // Acks and the gateway's pings are not part of the reply.
        }
        if (ttft == null) {
            return;
        }
        OpenAiUpstream.Request request = upstream.requests().get(before);
        List<Long> tokensSent = request.tokensSentNanos();
        // The upstream's own wait between the request and its first token is not the gateway's.
        long upstreamWait = tokensSent.getFirst() - request.receivedNanos();
        ttft.add(received.getFirst() - sent - upstreamWait);
        for (int i = 0; i < Math.min(received.size(), tokensSent.size()); i++) {
            perToken.add(received.get(i) - tokensSent.get(i));
        }
    }

    private static long cpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime();
    }

    private static double percentile(List<Long> values, int percentile) {
        List<Long> sorted = new ArrayList<>(values);
        Collections.sort(sorted);
        int index = (int) Math.ceil(percentile / 100.0 * sorted.size()) - 1;
        return sorted.get(Math.max(0, index));
    }
}
