package dev.tether.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tether.gateway.testing.GatewayExtension;
import dev.tether.gateway.testing.RawHttp;
import dev.tether.gateway.testing.TestSocket;
import dev.tether.protocol.AssistantDone;
import dev.tether.protocol.CloseCode;
import dev.tether.protocol.DoneReason;
import dev.tether.protocol.Hello;
import dev.tether.protocol.ServerAck;
import dev.tether.protocol.UserMessage;
import dev.tether.protocol.Welcome;
import dev.tether.testkit.Eventually;
import io.netty.handler.codec.http.websocketx.WebSocketCloseStatus;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** A real node drained as on SIGTERM: not ready first, closes spread over the drain time, replies finished. */
class DrainIT {

    private static final Duration TIMEOUT = TestSocket.TIMEOUT;
    private static final Duration DELAY = Duration.ofMillis(400);
    private static final Duration TIME = Duration.ofMillis(1_500);

    @RegisterExtension
    final GatewayExtension gateway = new GatewayExtension(c -> c
            .drain(d -> d.delay(DELAY).time(TIME))
            .handler(h -> h.echoDelay(Duration.ofMillis(100))));

    private final Map<TestSocket, String> sessionIds = new ConcurrentHashMap<>();
    private final ExecutorService watchers = Executors.newCachedThreadPool();

    /** A closed connection: which, when (ms after the drain began), and how. */
    private record Closed(int index, long atMillis, WebSocketCloseStatus status) {
    }

    private TestSocket session() {
        TestSocket socket = gateway.connect();
        socket.send(Hello.fresh());
        sessionIds.put(socket, socket.next(Welcome.class).sessionId());
        return socket;
    }

    /** Waits for each socket's close on a thread of its own, so that each is timed when it comes. */
    private List<CompletableFuture<Void>> watch(List<TestSocket> sockets, long start, List<Closed> closes) {
        return IntStream.range(0, sockets.size())
                .mapToObj(i -> CompletableFuture.runAsync(() -> {
                    WebSocketCloseStatus status = sockets.get(i).awaitClose(TIMEOUT);
                    closes.add(new Closed(i, (System.nanoTime() - start) / 1_000_000, status));
                }, watchers))
                .toList();
    }

    @AfterEach
    void stopWatching() {
        watchers.shutdownNow();
    }

    @Test
    void turnsNotReadyThenClosesEachConnectionWith1012SpreadOverTheDrainTime() {
        List<TestSocket> sockets = IntStream.range(0, 5).mapToObj(i -> session()).toList();
        List<Closed> closes = new CopyOnWriteArrayList<>();
        long start = System.nanoTime();
        List<CompletableFuture<Void>> watched = watch(sockets, start, closes);

        gateway.gateway().drain().subscribe();

        RawHttp.Answer health = RawHttp.get(gateway.gateway().port(), "/health");
        assertThat(health.status()).as("not ready at once").isEqualTo(503);
        assertThat(health.text()).contains("\"state\":\"not_ready\"");
        TestSocket late = gateway.connect();
        late.send(Hello.fresh());
        WebSocketCloseStatus refused = late.awaitClose();
        assertThat(refused.code()).isEqualTo(1012);
        assertThat(CloseCode.retryAfter(refused.reasonText())).as("a retry-after hint").isPresent();

        CompletableFuture.allOf(watched.toArray(CompletableFuture[]::new)).join();
        List<Long> at = closes.stream().map(Closed::atMillis).sorted().toList();
        assertThat(closes).allSatisfy(closed -> {
            assertThat(closed.status().code()).isEqualTo(1012);
            assertThat(CloseCode.retryAfter(closed.status().reasonText())).isPresent();
        });
        // One close every 300 ms, from 300 ms after the delay to the drain time's end; loose bounds for a busy CI.
        assertThat(at.get(0)).as("nothing closes during the delay").isGreaterThanOrEqualTo(DELAY.toMillis());
        assertThat(at.get(4) - at.get(0)).as("closes spread, not all at once: " + at).isGreaterThanOrEqualTo(800);
        gateway.gateway().onDispose().block(TIMEOUT);
        assertThat(gateway.gateway().isDisposed()).isTrue();
    }

    @Test
    void aConnectionWithAReplyRunningClosesLastAndTheNodeStopsOnceTheReplyHasEnded() {
        List<TestSocket> sockets = new ArrayList<>(IntStream.range(0, 3).mapToObj(i -> session()).toList());
        TestSocket busy = session();
        sockets.add(0, busy);
        // 30 words at 100 ms each: the reply outlives the drain time, and is still stored after its connection closed.
        String words = IntStream.range(0, 30).mapToObj(i -> "w" + i).collect(Collectors.joining(" "));
        busy.send(new UserMessage(1, words));
        busy.next(ServerAck.class);
        String sessionId = sessionIds.get(busy);
        List<Closed> closes = new CopyOnWriteArrayList<>();
        long start = System.nanoTime();
        List<CompletableFuture<Void>> watched = watch(sockets, start, closes);

        gateway.gateway().drain().subscribe();
        CompletableFuture.allOf(watched.toArray(CompletableFuture[]::new)).join();

        assertThat(closes.stream().max((a, b) -> Long.compare(a.atMillis(), b.atMillis())).orElseThrow().index())
                .as("the connection with a reply running closes last").isZero();
        gateway.gateway().onDispose().block(TIMEOUT);
        List<AssistantDone> ends = gateway.store().read(sessionId, 0)
                .ofType(AssistantDone.class).collectList().block(TIMEOUT);
        assertThat(ends).as("the reply ended before the node stopped")
                .singleElement().extracting(AssistantDone::reason).isEqualTo(DoneReason.COMPLETE);
    }

    @Test
    void aSecondSignalClosesEveryConnectionAtOnce() {
        List<TestSocket> sockets = IntStream.range(0, 4).mapToObj(i -> session()).toList();

        gateway.gateway().drain().subscribe();
        Eventually.await("not ready", TIMEOUT, () -> !gateway.gateway().isReady());
        gateway.gateway().shutdown(Duration.ofSeconds(5)).block(TIMEOUT);

        assertThat(sockets).allSatisfy(socket -> assertThat(socket.awaitClose(Duration.ofSeconds(2)).code())
                .as("closed before the delay was over").isEqualTo(1012));
        assertThat(gateway.gateway().isDisposed()).isTrue();
    }

}
