package dev.tether.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tether.client.ConnectionEvent;
import dev.tether.client.ConnectionState;
import dev.tether.client.SessionHandle;
import dev.tether.client.TetherClient;
import dev.tether.client.TetherClientOptions;
import dev.tether.gateway.GatewayConfig;
import dev.tether.gateway.GatewayHandle;
import dev.tether.gateway.InMemorySessionStore;
import dev.tether.gateway.TetherGateway;
import dev.tether.loadtest.fault.FaultProxy;
import dev.tether.loadtest.fault.FaultProxyOptions;
import dev.tether.protocol.AssistantDelta;
import dev.tether.protocol.AssistantDone;
import dev.tether.protocol.ClientMessage;
import dev.tether.protocol.DoneReason;
import dev.tether.protocol.ResumeFailure;
import dev.tether.protocol.Sequenced;
import dev.tether.protocol.UserMessage;
import dev.tether.protocol.session.SessionLimits;
import dev.tether.testkit.Eventually;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.UnaryOperator;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * The real client against a real single-node gateway, through a proxy that cuts the TCP connection at random
 * points, often in the middle of a streamed reply. Nothing may be lost or duplicated in either direction.
 */
class ResumeUnderCutsIT {

    private static final Duration TIMEOUT = Duration.ofSeconds(60);

    private final List<Disposable> resources = new ArrayList<>();
    private InMemorySessionStore store;
    private GatewayHandle gateway;
    private FaultProxy proxy;

    @AfterEach
    void tearDown() {
        resources.reversed().forEach(Disposable::dispose);
        if (proxy != null) {
            proxy.dispose();
        }
        if (gateway != null) {
            gateway.dispose();
        }
        if (store != null) {
            store.close();
        }
    }

    @Test
    void everyReplyAndMessageArrivesExactlyOnceAcrossRandomCuts() {
        // History large enough, by count and by bytes, to keep every message of the run, so that the store can be
        // checked at the end.
        startGateway(config -> config.handler(h -> h.echoDelay(Duration.ofMillis(3)))
                .sessionLimits(l -> l.historyFrames(100_000).historyBytes(SessionLimits.MAX_HISTORY_BYTES)));
        TetherClient client = client(options -> options);
        Random random = new Random(20261121);
        int minimumMessages = 200;
        int minimumCuts = 100;
        Map<Long, String> sentByCseq = new ConcurrentHashMap<>();
        List<Sequenced> received = new CopyOnWriteArrayList<>();
        List<ConnectionEvent.Resumed> resumes = new CopyOnWriteArrayList<>();
        AtomicInteger cuts = new AtomicInteger();
        AtomicInteger cutsMidReply = new AtomicInteger();
        AtomicInteger dones = new AtomicInteger();
        track(client.events().ofType(ConnectionEvent.Resumed.class).subscribe(resumes::add));
        track(client.messages().subscribe(frame -> {
            received.add(frame);
            if (frame instanceof AssistantDone) {
                dones.incrementAndGet();
            }
        }));
        client.connect().block(TIMEOUT);

        // Cuts every 15 to 90 ms: a reply of 12 words at 3 ms a word is often cut in the middle.
        Disposable chaos = Flux.defer(() -> Mono.delay(Duration.ofMillis(15 + random.nextInt(75))))
                .repeat()
                .subscribe(tick -> {
                    boolean midReply = !received.isEmpty() && received.getLast() instanceof AssistantDelta;
                    int cut = proxy.cutAll();
                    cuts.addAndGet(cut);
                    if (cut > 0 && midReply) {
                        cutsMidReply.incrementAndGet();
                    }
                });
        track(chaos);
        // Up to 4 sends in flight, so that some are written while the connection is down and some lose their ack;
        // sending goes on until the connection has been cut often enough.
        AtomicInteger sent = new AtomicInteger();
        Flux.range(1, Integer.MAX_VALUE)
                .takeWhile(i -> i <= minimumMessages || cuts.get() < minimumCuts)
                .flatMap(i -> {
                    String text = text(i, random);
                    return client.send(text).doOnNext(cseq -> sentByCseq.put(cseq, text));
                }, 4)
                .doOnNext(cseq -> sent.incrementAndGet())
                .then()
                .block(TIMEOUT);
        Eventually.await("every reply is done", TIMEOUT, () -> dones.get() >= sent.get());
        chaos.dispose();
        int messages = sent.get();
        List<Sequenced> frames = List.copyOf(received);

        assertThat(cuts.get()).as("cuts").isGreaterThanOrEqualTo(minimumCuts);
        assertThat(cutsMidReply.get()).as("cuts in the middle of a streamed reply").isGreaterThanOrEqualTo(20);
        assertThat(resumes).as("every reconnect resumed the session").allMatch(ConnectionEvent.Resumed::resumed);
        assertThat(resumes.size()).as("resumes").isGreaterThanOrEqualTo(10);
        assertExactlyOnceInOrder(frames);
        assertEveryReplyComplete(frames, sentByCseq, messages);
        assertStoredExactlyOnce(client, sentByCseq, messages);
        System.out.printf("e2e: %d messages, %d cuts (%d in the middle of a reply), %d resumes, %d frames, "
                + "none lost or duplicated%n", messages, cuts.get(), cutsMidReply.get(), resumes.size(), frames.size());
        client.close().block(TIMEOUT);
    }

    @Test
    void messagesTypedWhileOfflineAreSentOnceAfterResume() {
        startGateway(config -> config.handler(h -> h.echoDelay(Duration.ZERO)));
        TetherClient client = client(options -> options);
        client.connect().block(TIMEOUT);
        client.send("before").block(TIMEOUT);
        client.disconnect().block(TIMEOUT);

        var flushed = client.events().ofType(ConnectionEvent.OutboxFlushed.class).next().toFuture();
        var sends = Flux.just("one", "two", "three").concatMap(client::send).collectList().toFuture();
        client.connect().block(TIMEOUT);

        assertThat(Mono.fromFuture(sends).block(TIMEOUT)).containsExactly(2L, 3L, 4L);
        assertThat(Mono.fromFuture(flushed).block(TIMEOUT).count()).isGreaterThanOrEqualTo(1);
        assertThat(storedTexts(client)).containsExactly("before", "one", "two", "three");
        client.close().block(TIMEOUT);
    }

    @Test
    void halfOpenConnectionIsDetectedByHeartbeatsOnBothSides() {
        startGateway(config -> config.connections(c -> c.heartbeat(Duration.ofMillis(400)))
                .handler(h -> h.echoDelay(Duration.ZERO)));
        TetherClient client = client(options -> options.heartbeatMargin(Duration.ofMillis(400))
                .handshakeTimeout(Duration.ofSeconds(1)));
        client.connect().block(TIMEOUT);
        client.send("first").block(TIMEOUT);
        var lost = client.states().filter(change -> change.current() == ConnectionState.RECONNECTING).next()
                .toFuture();

        proxy.blackhole(true);

        Mono.fromFuture(lost).block(Duration.ofSeconds(10));
        Eventually.await("the gateway closes the silent connection", TIMEOUT, () -> gateway.connections() == 0);
        var resumed = client.events().ofType(ConnectionEvent.Resumed.class).next().toFuture();
        var pending = client.send("typed during the outage").toFuture();
        proxy.blackhole(false);

        assertThat(Mono.fromFuture(resumed).block(TIMEOUT).resumed()).isTrue();
        assertThat(Mono.fromFuture(pending).block(TIMEOUT)).isEqualTo(2);
        assertThat(storedTexts(client)).containsExactly("first", "typed during the outage");
        client.close().block(TIMEOUT);
    }

    @Test
    void expiredSessionResumesAsNotFoundAndStartsAfresh() {
        startGateway(config -> config.sessionLimits(l -> l.grace(Duration.ofMillis(300)))
                .handler(h -> h.echoDelay(Duration.ZERO)));
        TetherClient client = client(options -> options);
        client.connect().block(TIMEOUT);
        client.send("old session").block(TIMEOUT);
        String oldSession = client.session().orElseThrow().sessionId();
        client.disconnect().block(TIMEOUT);
        Eventually.await("the session expires", TIMEOUT,
                () -> store.find(oldSession).blockOptional(TIMEOUT).isEmpty());

        var resumed = client.events().ofType(ConnectionEvent.Resumed.class).next().toFuture();
        client.connect().block(TIMEOUT);

        ConnectionEvent.Resumed result = Mono.fromFuture(resumed).block(TIMEOUT);
        assertThat(result.resumed()).isFalse();
        assertThat(result.reason()).isEqualTo(ResumeFailure.NOT_FOUND);
        assertThat(client.session().orElseThrow().sessionId()).isNotEqualTo(oldSession);
        assertThat(client.send("new session").block(TIMEOUT)).isEqualTo(1);
        client.close().block(TIMEOUT);
    }

    @Test
    void wrongTokenResumesAsBadTokenAndLeavesTheSessionAlone() {
        startGateway(config -> config.handler(h -> h.echoDelay(Duration.ZERO)));
        TetherClient owner = client(options -> options);
        owner.connect().block(TIMEOUT);
        owner.send("mine").block(TIMEOUT);
        SessionHandle handle = owner.session().orElseThrow();
        long generation = store.find(handle.sessionId()).block(TIMEOUT).generation();

        TetherClient intruder = client(options -> options.resumeFrom(
                new SessionHandle(handle.sessionId(), "not-the-token", handle.epoch(), handle.lastSeq())));
        var resumed = intruder.events().ofType(ConnectionEvent.Resumed.class).next().toFuture();
        intruder.connect().block(TIMEOUT);

        ConnectionEvent.Resumed result = Mono.fromFuture(resumed).block(TIMEOUT);
        assertThat(result.resumed()).isFalse();
        assertThat(result.reason()).isEqualTo(ResumeFailure.BAD_TOKEN);
        assertThat(intruder.session().orElseThrow().sessionId()).isNotEqualTo(handle.sessionId());
        assertThat(store.find(handle.sessionId()).block(TIMEOUT).generation()).isEqualTo(generation);
        assertThat(owner.state()).isEqualTo(ConnectionState.CONNECTED);
        intruder.close().block(TIMEOUT);
        owner.close().block(TIMEOUT);
    }

    // ------------------------------------------------------------------ fixtures and checks

    private void startGateway(UnaryOperator<GatewayConfig.Builder> customizer) {
        GatewayConfig config = customizer.apply(GatewayConfig.builder().server(s -> s.host("127.0.0.1").port(0)))
                .build();
        store = InMemorySessionStore.builder().limits(config.sessionLimits())
                .sweepInterval(Duration.ofMillis(100)).build();
        gateway = TetherGateway.builder(config).store(store).build().start().block(TIMEOUT);
        proxy = FaultProxy.start(FaultProxyOptions.builder().target("127.0.0.1", gateway.port()).build())
                .block(TIMEOUT);
    }

    private TetherClient client(UnaryOperator<TetherClientOptions.Builder> customizer) {
        URI endpoint = URI.create("ws://127.0.0.1:" + proxy.port() + gateway.path());
        TetherClientOptions options = customizer.apply(TetherClientOptions.builder()
                .endpoint(endpoint)
                .reconnectBaseDelay(Duration.ofMillis(10))
                .reconnectMaxDelay(Duration.ofMillis(200))
                .unlimitedReconnectAttempts()
                .ackDelay(Duration.ofMillis(20))).build();
        TetherClient client = TetherClient.create(options);
        resources.add(() -> client.close().onErrorComplete().block(TIMEOUT));
        return client;
    }

    private void track(Disposable disposable) {
        resources.add(disposable);
    }

    private static String text(int i, Random random) {
        return "m" + i + IntStream.range(0, 11)
                .mapToObj(w -> " w" + random.nextInt(1000))
                .collect(Collectors.joining());
    }

    private static void assertExactlyOnceInOrder(List<Sequenced> frames) {
        assertThat(frames).extracting(Sequenced::seq)
                .as("every seq exactly once and in order")
                .containsExactlyElementsOf(LongStream.rangeClosed(1, frames.size()).boxed().toList());
    }

    private static void assertEveryReplyComplete(List<Sequenced> frames, Map<Long, String> sentByCseq,
                                                 int messages) {
        Map<Long, StringBuilder> replies = new HashMap<>();
        Map<Long, Integer> dones = new HashMap<>();
        for (Sequenced frame : frames) {
            switch (frame) {
                case AssistantDelta delta -> {
                    assertThat(dones).as("no delta after the done of reply %d", delta.replyTo())
                            .doesNotContainKey(delta.replyTo());
                    replies.computeIfAbsent(delta.replyTo(), k -> new StringBuilder()).append(delta.text());
                }
                case AssistantDone done -> {
                    assertThat(done.reason()).isEqualTo(DoneReason.COMPLETE);
                    dones.merge(done.replyTo(), 1, Integer::sum);
                }
                default -> throw new AssertionError("unexpected frame " + frame);
            }
        }
        assertThat(sentByCseq).hasSize(messages);
        assertThat(dones).as("one done per message").hasSize(messages).allSatisfy((cseq, n) -> assertThat(n)
                .isEqualTo(1));
        sentByCseq.forEach((cseq, text) ->
                assertThat(replies.get(cseq)).as("reply to %d", cseq).hasToString(text));
    }

    private void assertStoredExactlyOnce(TetherClient client, Map<Long, String> sentByCseq, int messages) {
        String sessionId = client.session().orElseThrow().sessionId();
        List<ClientMessage> stored = store.readClient(sessionId, 0).collectList().block(TIMEOUT);
        assertThat(stored).extracting(ClientMessage::cseq)
                .containsExactlyElementsOf(LongStream.rangeClosed(1, messages).boxed().toList());
        assertThat(stored).allSatisfy(message ->
                assertThat(((UserMessage) message).text()).isEqualTo(sentByCseq.get(message.cseq())));
    }

    private List<String> storedTexts(TetherClient client) {
        String sessionId = client.session().orElseThrow().sessionId();
        return store.readClient(sessionId, 0).map(message -> ((UserMessage) message).text()).collectList()
                .block(TIMEOUT);
    }

}
