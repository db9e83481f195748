package dev.tether.gateway.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import dev.tether.gateway.GatewayConfig;
import dev.tether.gateway.GatewayException;
import dev.tether.gateway.InMemorySessionStore;
import dev.tether.gateway.testing.FaultyStore;
import dev.tether.gateway.testing.MutableClock;
import dev.tether.protocol.CloseCode;
import dev.tether.protocol.Hello;
import dev.tether.protocol.ResumeFailure;
import dev.tether.protocol.session.SessionTokens;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import reactor.test.scheduler.VirtualTimeScheduler;

/** The handshake's decisions on virtual time: its timeout, its place in admission control, and resumes. */
class HandshakeTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(5);
    private static final Duration HANDSHAKE_TIMEOUT = Duration.ofSeconds(5);

    private final VirtualTimeScheduler time = VirtualTimeScheduler.create();
    private final GatewayConfig config = GatewayConfig.builder()
            .server(s -> s.nodeId("test-node"))
            .connections(c -> c.handshakeTimeout(HANDSHAKE_TIMEOUT))
            .build();
    private final InMemorySessionStore memory = InMemorySessionStore.builder().clock(MutableClock.atEpochStart())
            .scheduler(time).build();
    private final FaultyStore store = new FaultyStore(memory);
    private final Admission admission = new Admission(1, 1, Duration.ofSeconds(30), Duration.ofSeconds(1), time);
    private final GatewayMetrics metrics = new GatewayMetrics("test-node");
    private final AtomicBoolean shuttingDown = new AtomicBoolean();
    private final List<GatewayException> closes = new CopyOnWriteArrayList<>();

    @AfterEach
    void close() {
        metrics.close();
        memory.close();
        time.dispose();
    }

    private Handshake handshake() {
        return new Handshake(config, store, admission, metrics, shuttingDown::get, time, closes::add);
    }

    private Handshake.Start fresh() {
        Handshake handshake = handshake();
        handshake.open();
        Handshake.Start start = handshake.hello(Hello.fresh()).block(TIMEOUT);
        handshake.finish(start);
        return start;
    }

    @Test
    void noHelloWithinTheTimeoutClosesWithTryAgainLater() {
        handshake().open();

        time.advanceTimeBy(HANDSHAKE_TIMEOUT.minusMillis(1));
        assertThat(closes).isEmpty();
        time.advanceTimeBy(Duration.ofMillis(1));

        assertThat(closes).singleElement().satisfies(close -> {
            assertThat(close.closeCode()).as("a slow client passes: it may come back")
                    .isEqualTo(CloseCode.TRY_AGAIN_LATER);
            assertThat(close.getMessage()).contains("no hello within 5000ms").contains("retry-after=");
        });
    }

    @Test
    void aHelloTheNodeCannotAnswerInTimeClosesWithTryAgainLater() {
        store.silent(true);
        Handshake handshake = handshake();
        handshake.open();
        List<Handshake.Start> started = new CopyOnWriteArrayList<>();

        time.advanceTimeBy(Duration.ofSeconds(4));
        handshake.hello(Hello.fresh()).subscribe(started::add);
        time.advanceTimeBy(Duration.ofSeconds(1));

        assertThat(started).isEmpty();
        assertThat(closes).singleElement().satisfies(close -> {
            assertThat(close.closeCode()).as("the node is slow, not the client: reconnect")
                    .isEqualTo(CloseCode.TRY_AGAIN_LATER);
            assertThat(close.getMessage()).contains("handshake not finished within 5000ms");
        });
    }

    @Test
    void aFinishedHandshakeGivesItsPlaceBackAndNoLongerTimesOut() {
        fresh();

        time.advanceTimeBy(Duration.ofMinutes(1));

        assertThat(closes).isEmpty();
        assertThat(admission.inProgress()).isZero();
    }

    @Test
    void aHelloWaitsForAPlaceAndIsRefusedWhenTheQueueIsFull() {
        Handshake first = handshake();
        first.open();
        Handshake second = handshake();
        second.open();
        List<Handshake.Start> started = new CopyOnWriteArrayList<>();
        second.hello(Hello.fresh()).subscribe(started::add);

        handshake().open();
        assertThat(closes).as("no place and no room in the queue").singleElement()
                .satisfies(close -> assertThat(close.getMessage()).contains("too many handshakes"));
        assertThat(started).as("waiting for the first's place").isEmpty();
        first.end();

        assertThat(started).singleElement().satisfies(start -> assertThat(start.resumed()).isFalse());
    }

    @Test
    void aConnectionThatEndsWhileWaitingTakesNoPlace() {
        Handshake first = handshake();
        first.open();
        Handshake second = handshake();
        var resources = second.open();

        second.end();
        resources.dispose();
        first.end();

        assertThat(admission.queued()).isZero();
        assertThat(admission.inProgress()).isZero();
    }

    @Test
    void aNodeShuttingDownOrWithoutItsStoreRefusesAtOnce() {
        shuttingDown.set(true);
        handshake().open();
        shuttingDown.set(false);
        store.notReady(true);
        handshake().open();

        assertThat(closes).extracting(GatewayException::closeCode)
                .containsExactly(CloseCode.SERVICE_RESTART, CloseCode.TRY_AGAIN_LATER);
        assertThat(admission.inProgress()).isZero();
    }

    @Test
    void aResumeGetsItsSessionBackOrANewOneThatSaysWhy() {
        Handshake.Start first = fresh();
        var session = first.attachment().session();

        Handshake.Start resumed = resume(new Hello.Resume(session.sessionId(), first.token(), session.epoch(), 0));
        Handshake.Start badToken = resume(new Hello.Resume(session.sessionId(), "not-the-token", session.epoch(), 0));
        Handshake.Start future = resume(new Hello.Resume(session.sessionId(), first.token(), session.epoch(), 5));
        Handshake.Start unknown = resume(new Hello.Resume(SessionTokens.newSessionId(), first.token(),
                session.epoch(), 0));

        assertThat(resumed.resumed()).isTrue();
        assertThat(resumed.attachment().session().sessionId()).isEqualTo(session.sessionId());
        assertThat(List.of(badToken, future, unknown)).extracting(Handshake.Start::resumed, Handshake.Start::reason)
                .containsExactly(tuple(false, ResumeFailure.BAD_TOKEN),
                        tuple(false, ResumeFailure.HISTORY_LOST),
                        tuple(false, ResumeFailure.NOT_FOUND));
        assertThat(badToken.attachment().session().sessionId()).isNotEqualTo(session.sessionId());
    }

    private Handshake.Start resume(Hello.Resume resume) {
        Handshake handshake = handshake();
        handshake.open();
        Handshake.Start start = handshake.hello(Hello.resume(resume)).block(TIMEOUT);
        handshake.finish(start);
        return start;
    }
}
