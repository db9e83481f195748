package dev.tether.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tether.gateway.testing.MutableClock;
import dev.tether.protocol.AssistantDelta;
import dev.tether.protocol.Sequenced;
import dev.tether.protocol.session.Attachment;
import dev.tether.protocol.session.SessionLimits;
import dev.tether.protocol.session.SessionStats;
import dev.tether.protocol.session.SessionStore;
import dev.tether.protocol.session.SessionStoreContract;
import dev.tether.protocol.session.SessionStoreException;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import reactor.test.StepVerifier;
import reactor.test.scheduler.VirtualTimeScheduler;

/** The store contract with a clock and sweep that the test moves, plus what only the in-memory store promises. */
public class InMemorySessionStoreTest extends SessionStoreContract {

    private MutableClock clock;
    private VirtualTimeScheduler scheduler;

    @Override
    protected SessionStore createStore(SessionLimits limits) {
        clock = MutableClock.atEpochStart();
        scheduler = VirtualTimeScheduler.create();
        return InMemorySessionStore.builder()
                .limits(limits)
                .clock(clock)
                .scheduler(scheduler)
                .sweepInterval(Duration.ofMillis(100))
                .build();
    }

    @Override
    protected void elapse(Duration duration) {
        clock.advance(duration);
        scheduler.advanceTimeBy(duration);
    }

    @Test
    void sweepRemovesExpiredSessionsAndCompletesTheirFollowers() {
        String id = newSessionId();
        Attachment attachment = create(id);
        store.append(id, AssistantDelta.of(1, "x")).block(TIMEOUT);

        StepVerifier.create(store.follow(id, 0).map(Sequenced::seq))
                .expectNext(1L)
                .then(() -> store.detach(id, attachment.generation()).block(TIMEOUT))
                .then(() -> elapse(limits().grace().plusMillis(100)))
                .expectComplete()
                .verify(TIMEOUT);

        assertThat(store.stats().block(TIMEOUT)).isEqualTo(new SessionStats(0, 0, 0));
    }

    @Test
    void sweepAloneRemovesAnExpiredSessionBeforeAnyoneLooks() {
        String id = newSessionId();
        Attachment attachment = create(id);
        StepVerifier.create(store.follow(id, 0))
                .then(() -> store.detach(id, attachment.generation()).block(TIMEOUT))
                .then(() -> clock.advance(limits().grace()))
                .expectNoEvent(Duration.ZERO)
                // Only the sweep looks at the session now: it ends the follower.
                .then(() -> scheduler.advanceTimeBy(Duration.ofMillis(100)))
                .expectComplete()
                .verify(TIMEOUT);
    }

    @Test
    void expiredSessionIsGoneBeforeTheSweepRuns() {
        String id = newSessionId();
        Attachment attachment = create(id);
        store.detach(id, attachment.generation()).block(TIMEOUT);

        clock.advance(limits().grace());

        StepVerifier.create(store.find(id)).expectComplete().verify(TIMEOUT);
        StepVerifier.create(store.attach(id, "node-a"))
                .expectErrorMatches(SessionStoreException::isNotFound)
                .verify(TIMEOUT);
    }

    @Test
    void connectedSessionOutlivesAnyGrace() {
        String id = newSessionId();
        create(id);
        elapse(limits().grace().multipliedBy(10));
        assertThat(store.find(id).block(TIMEOUT)).isNotNull();
    }

    @Test
    void closedStoreIsNotReady() {
        store.close();
        assertThat(store.isReady()).isFalse();
    }
}
