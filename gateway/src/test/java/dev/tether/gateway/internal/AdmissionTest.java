package dev.tether.gateway.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import reactor.core.Disposable;
import reactor.test.scheduler.VirtualTimeScheduler;

class AdmissionTest {

    private final VirtualTimeScheduler time = VirtualTimeScheduler.create();

    private Admission admission(int limit, int queue) {
        return new Admission(limit, queue, Duration.ofSeconds(5), Duration.ofMillis(400), time);
    }

    private List<Boolean> acquire(Admission admission) {
        List<Boolean> result = new CopyOnWriteArrayList<>();
        admission.acquire().subscribe(result::add);
        return result;
    }

    @Test
    void grantsUpToTheLimitThenQueuesThenRefuses() {
        Admission admission = admission(2, 1);

        assertThat(acquire(admission)).containsExactly(true);
        assertThat(acquire(admission)).containsExactly(true);
        List<Boolean> queued = acquire(admission);
        List<Boolean> refused = acquire(admission);

        assertThat(queued).isEmpty();
        assertThat(refused).containsExactly(false);
        assertThat(admission.queued()).isEqualTo(1);
        assertThat(admission.refused()).isEqualTo(1);
    }

    @Test
    void aReleasedPlacePassesToTheLongestWaiting() {
        Admission admission = admission(1, 5);
        acquire(admission);
        List<Boolean> first = acquire(admission);
        List<Boolean> second = acquire(admission);

        admission.release();

        assertThat(first).containsExactly(true);
        assertThat(second).isEmpty();
        assertThat(admission.inProgress()).isEqualTo(1);
        admission.release();
        assertThat(second).containsExactly(true);
        admission.release();
        assertThat(admission.inProgress()).isZero();
    }

    @Test
    void aConnectionWaitingLongerThanTheLongestWaitIsRefused() {
        Admission admission = admission(1, 5);
        acquire(admission);
        List<Boolean> waiting = acquire(admission);

        time.advanceTimeBy(Duration.ofMillis(4_999));
        assertThat(waiting).isEmpty();
        time.advanceTimeBy(Duration.ofMillis(1));

        assertThat(waiting).containsExactly(false);
        assertThat(admission.queued()).isZero();
        admission.release();
        assertThat(admission.inProgress()).as("the place is not given to a refused waiter").isZero();
    }

    @Test
    void aWaiterThatGoesAwayLeavesTheQueueAndTakesNoPlace() {
        Admission admission = admission(1, 5);
        acquire(admission);
        Disposable gone = admission.acquire().subscribe();
        List<Boolean> next = acquire(admission);

        gone.dispose();
        admission.release();

        assertThat(next).containsExactly(true);
        assertThat(admission.queued()).isZero();
        assertThat(admission.inProgress()).isEqualTo(1);
    }

    @Test
    void hintsASpreadBetweenTheRetryAfterAndTwiceIt() {
        Admission admission = admission(1, 0);

        var hints = IntStream.range(0, 1000).mapToObj(i -> admission.retryAfter().toMillis()).toList();

        assertThat(hints).allSatisfy(hint -> assertThat(hint).isBetween(400L, 800L));
        assertThat(hints.stream().distinct().count()).as("spread, not one value").isGreaterThan(100);
    }
}
