package dev.tether.gateway.internal.backend;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;
import reactor.test.scheduler.VirtualTimeScheduler;

class SessionQueuesTest {

    private final VirtualTimeScheduler time = VirtualTimeScheduler.create();
    private final List<String> log = new CopyOnWriteArrayList<>();

    private Mono<Void> piece(String name, long millis, boolean fails) {
        return Mono.fromRunnable(() -> log.add("start " + name))
                .then(Mono.delay(Duration.ofMillis(millis), time))
                .doOnNext(tick -> log.add("end " + name))
                .flatMap(tick -> fails ? Mono.<Void>error(new IllegalStateException(name)) : Mono.<Void>empty());
    }

    @Test
    void aSessionsPiecesRunOneAtATimeInOrderEvenAfterAFailureWhileOtherSessionsRunAlongside() {
        SessionQueues queues = new SessionQueues();
        queues.enqueue("a", piece("a1", 300, true)).subscribe(null, e -> { });
        queues.enqueue("a", piece("a2", 100, false)).subscribe();
        queues.enqueue("b", piece("b1", 50, false)).subscribe();
        queues.enqueue("a", piece("a3", 10, false)).subscribe();

        time.advanceTimeBy(Duration.ofSeconds(1));

        assertThat(log).containsExactly("start a1", "start b1", "end b1", "end a1", "start a2", "end a2",
                "start a3", "end a3");
    }

    @Test
    void aCancelledPieceLetsTheNextOneRun() {
        SessionQueues queues = new SessionQueues();
        var first = queues.enqueue("a", piece("a1", 300, false)).subscribe();
        queues.enqueue("a", piece("a2", 10, false)).subscribe();

        first.dispose();
        time.advanceTimeBy(Duration.ofSeconds(1));

        assertThat(log).containsExactly("start a1", "start a2", "end a2");
    }
}
