package dev.tether.e2e.fuzz;

import dev.tether.client.ConnectionEvent;
import dev.tether.client.TetherClient;
import dev.tether.client.TetherClientOptions;
import dev.tether.protocol.AssistantDelta;
import dev.tether.protocol.AssistantDone;
import dev.tether.protocol.DoneReason;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;

/** An ordinary client chatting throughout the run, whose every reply must arrive complete, exactly once. */
final class Bystander {

    private static final Duration TIMEOUT = Duration.ofSeconds(60);

    private final TetherClient client;
    private final Map<Long, String> sentByCseq = new ConcurrentHashMap<>();
    private final Map<Long, StringBuilder> replies = new ConcurrentHashMap<>();
    private final Map<Long, Integer> dones = new ConcurrentHashMap<>();
    private final AtomicInteger sent = new AtomicInteger();
    private final AtomicInteger reconnects = new AtomicInteger();
    private final Disposable chatting;
    private final List<Disposable> subscriptions = new ArrayList<>();
    private volatile Throwable failure;

    Bystander(int index, URI endpoint) {
        client = TetherClient.create(TetherClientOptions.builder().endpoint(endpoint).build());
        subscriptions.add(client.events().ofType(ConnectionEvent.Resumed.class)
                .subscribe(resumed -> reconnects.incrementAndGet()));
        subscriptions.add(client.messages().subscribe(frame -> {
            switch (frame) {
                case AssistantDelta delta -> replies.computeIfAbsent(delta.replyTo(), k -> new StringBuilder())
                        .append(delta.text());
                case AssistantDone done -> dones.merge(done.replyTo(),
                        done.reason() == DoneReason.COMPLETE ? 1 : 1000, Integer::sum);
                default -> {
                    // events are not part of a bystander's chat
                }
            }
        }));
        client.connect().block(TIMEOUT);
        Random random = new Random(index);
        // One message at a time; ticks that come while one is on its way are dropped, not queued.
        chatting = Flux.interval(Duration.ofMillis(20))
                .onBackpressureDrop()
                .concatMap(i -> {
                    String text = "bystander " + index + " message " + i + " " + Long.toHexString(
                            random.nextLong());
                    return client.send(text).doOnNext(cseq -> {
                        sentByCseq.put(cseq, text);
                        sent.incrementAndGet();
                    });
                })
                .subscribe(null, error -> failure = error);
    }

    void stop() {
        chatting.dispose();
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        while (System.nanoTime() < deadline && dones.size() < sentByCseq.size()) {
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /** Messages sent and stored. */
    int sent() {
        return sent.get();
    }

    /** Times the client had to reconnect: a bystander's connection must never be cut. */
    int reconnects() {
        return reconnects.get();
    }

    /** Messages whose reply is missing, incomplete, duplicated or not the echo of the message. */
    int losses() {
        int losses = 0;
        for (Map.Entry<Long, String> message : sentByCseq.entrySet()) {
            StringBuilder reply = replies.get(message.getKey());
            Integer done = dones.get(message.getKey());
            if (done == null || done != 1 || reply == null || !reply.toString().equals(message.getValue())) {
                losses++;
            }
        }
        if (failure != null) {
            losses++;
        }
        return losses + (int) dones.keySet().stream().filter(cseq -> !sentByCseq.containsKey(cseq)).count();
    }

    void close() {
        subscriptions.forEach(Disposable::dispose);
        client.close().onErrorComplete().block(TIMEOUT);
    }
}
