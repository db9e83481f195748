package dev.tether.gateway.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tether.gateway.DrainOptions;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import reactor.test.scheduler.VirtualTimeScheduler;

/** A node's drain on virtual time: the delay, the closes spread over the drain time, the second signal, the end. */
class DrainTest {

    private static final Duration DELAY = Duration.ofSeconds(5);
    private static final Duration TIME = Duration.ofSeconds(30);
    private static final Duration FINISH = Duration.ofSeconds(10);

    private final VirtualTimeScheduler time = VirtualTimeScheduler.create();
    private final GatewayMetrics metrics = new GatewayMetrics("node-a");
    private final FakeNode node = new FakeNode();
    private final Drain<String> drain = new Drain<>(node, time, metrics, "node-a");
    private final AtomicBoolean done = new AtomicBoolean();

    @AfterEach
    void close() {
        metrics.close();
        time.dispose();
    }

    /** Connections {@code c0..c(n-1)}; closing one ends it at once, and the order of closes is kept. */
    private static final class FakeNode implements Drain.Node<String> {
        final Set<String> open = ConcurrentHashMap.newKeySet();
        final Set<String> busy = ConcurrentHashMap.newKeySet();
        final List<String> closes = new CopyOnWriteArrayList<>();
        final AtomicInteger replies = new AtomicInteger();

        void connect(int count) {
            IntStream.range(0, count).forEach(i -> open.add("c" + i));
        }

        @Override
        public Collection<String> open() {
            return open;
        }

        @Override
        public boolean busy(String connection) {
            return busy.contains(connection);
        }

        @Override
        public void close(String connection) {
            closes.add(connection);
            open.remove(connection);
        }

        @Override
        public int repliesRunning() {
            return replies.get();
        }
    }

    private void start(DrainOptions options) {
        drain.start(options, FINISH).subscribe(null, null, () -> done.set(true));
    }

    @Test
    void reportsNotReadyForTheDelayThenClosesOneConnectionPerStepOverTheDrainTime() {
        node.connect(10);
        start(new DrainOptions(DELAY, TIME));

        assertThat(drain.started()).isTrue();
        assertThat(drain.state()).isEqualTo(Drain.State.NOT_READY);
        time.advanceTimeBy(DELAY.minusMillis(1));
        assertThat(node.closes).as("nothing closes during the delay").isEmpty();
        assertThat(drain.left()).isEqualTo(10);

        time.advanceTimeBy(Duration.ofMillis(1));
        assertThat(drain.state()).isEqualTo(Drain.State.CLOSING);
        // 30 s over 10 connections: one every 3 s, the first 3 s in, the last at the drain time.
        for (int closed = 1; closed <= 10; closed++) {
            time.advanceTimeBy(Duration.ofMillis(2_999));
            assertThat(node.closes).as("before close " + closed).hasSize(closed - 1);
            time.advanceTimeBy(Duration.ofMillis(1));
            assertThat(node.closes).as("close " + closed).hasSize(closed);
            assertThat(drain.left()).isEqualTo(10 - closed);
        }

        time.advanceTimeBy(Drain.POLL);
        assertThat(done).as("every connection gone, no reply running").isTrue();
        assertThat(drain.state()).isEqualTo(Drain.State.STOPPED);
        assertThat(metrics.scrape())
                .contains("tether_drain_closes_total{how=\"spread\",node=\"node-a\"} 9.0")
                .contains("tether_drain_closes_total{how=\"at_once\",node=\"node-a\"} 1.0")
                .contains("tether_drain_state{node=\"node-a\",state=\"stopped\"} 1.0")
                .contains("tether_drain_connections_left{node=\"node-a\"} 0.0");
    }

    @Test
    void connectionsWithAReplyRunningCloseLast() {
        node.connect(4);
        node.busy.addAll(List.of("c0", "c2"));
        start(new DrainOptions(Duration.ZERO, Duration.ofSeconds(4)));

        time.advanceTimeBy(Duration.ofSeconds(2));

        assertThat(node.closes).containsExactlyInAnyOrder("c1", "c3");
        time.advanceTimeBy(Duration.ofSeconds(2));
        assertThat(node.closes).hasSize(4);
    }

    @Test
    void aSecondSignalClosesEveryConnectionLeftAtOnceAndDoesNotWaitForReplies() {
        node.connect(10);
        node.replies.set(3);
        start(new DrainOptions(DELAY, TIME));
        time.advanceTimeBy(DELAY.plusSeconds(9));
        assertThat(node.closes).hasSize(3);

        drain.now(FINISH).subscribe();
        time.advanceTimeBy(Duration.ZERO);

        assertThat(node.closes).as("the rest at once").hasSize(10);
        time.advanceTimeBy(Drain.POLL);
        assertThat(done).as("replies are not waited for").isTrue();
        assertThat(metrics.scrape()).contains("tether_drain_closes_total{how=\"at_once\",node=\"node-a\"} 7.0");
    }

    @Test
    void aSecondSignalDuringTheDelayClosesAtOnce() {
        node.connect(5);
        start(new DrainOptions(DELAY, TIME));
        time.advanceTimeBy(Duration.ofSeconds(1));

        drain.now(FINISH).subscribe();
        time.advanceTimeBy(Duration.ZERO);

        assertThat(node.closes).hasSize(5);
    }

    @Test
    void drainTimeZeroClosesEveryConnectionAtOnceAfterTheDelay() {
        node.connect(5);
        start(new DrainOptions(DELAY, Duration.ZERO));

        time.advanceTimeBy(DELAY.minusMillis(1));
        assertThat(node.closes).isEmpty();
        time.advanceTimeBy(Duration.ofMillis(1));

        assertThat(node.closes).hasSize(5);
    }

    @Test
    void afterTheLastCloseWaitsForRepliesInProgressUpToTheShutdownTimeout() {
        node.connect(2);
        node.replies.set(1);
        start(new DrainOptions(Duration.ZERO, Duration.ofSeconds(2)));
        time.advanceTimeBy(Duration.ofSeconds(2));
        assertThat(node.closes).hasSize(2);
        assertThat(drain.state()).isEqualTo(Drain.State.FINISHING);

        time.advanceTimeBy(Duration.ofSeconds(3));
        assertThat(done).as("a reply still runs").isFalse();
        node.replies.set(0);
        time.advanceTimeBy(Drain.POLL);
        assertThat(done).isTrue();
    }

    @Test
    void aReplyThatOutlivesTheShutdownTimeoutIsLeftToItsLease() {
        node.connect(1);
        node.replies.set(1);
        start(new DrainOptions(Duration.ZERO, Duration.ZERO));

        time.advanceTimeBy(FINISH.minusMillis(1));
        assertThat(done).isFalse();
        time.advanceTimeBy(Duration.ofMillis(1));

        assertThat(done).isTrue();
    }

    @Test
    void aConnectionThatLeftByItselfLeavesItsStepIdle() {
        node.connect(3);
        start(new DrainOptions(Duration.ZERO, Duration.ofSeconds(3)));
        node.open.remove("c1");

        time.advanceTimeBy(Duration.ofSeconds(2));
        assertThat(node.closes).hasSize(2);
        time.advanceTimeBy(Duration.ofSeconds(1));
        assertThat(node.closes).hasSize(2);
        time.advanceTimeBy(Drain.POLL);
        assertThat(done).isTrue();
    }

    @Test
    void noDrainNoGaugeOfConnectionsLeft() {
        node.connect(3);
        assertThat(drain.started()).isFalse();
        assertThat(drain.left()).isZero();
        assertThat(metrics.scrape()).contains("tether_drain_state{node=\"node-a\",state=\"serving\"} 1.0");
    }
}
