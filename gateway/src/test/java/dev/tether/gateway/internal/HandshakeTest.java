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
    private static final Duration HELLO_TIMEOUT = Duration.ofSeconds(5);
    private static final Duration HANDSHAKE_TIMEOUT = Duration.ofSeconds(10);
    private static final int FAILED_RESUME_LIMIT = 3;
    private static final Duration FAILED_RESUME_COOLDOWN = Duration.ofMinutes(5);
    private static final String ADDRESS = "192.0.2.1";

    private final VirtualTimeScheduler time = VirtualTimeScheduler.create();
    private final GatewayConfig config = GatewayConfig.builder()
            .server(s -> s.nodeId("test-node"))
            .connections(c -> c.helloTimeout(HELLO_TIMEOUT).handshakeTimeout(HANDSHAKE_TIMEOUT))
            .resumes(r -> r.failedResumeLimit(FAILED_RESUME_LIMIT).failedResumeWindow(Duration.ofMinutes(1))
                    .failedResumeCooldown(FAILED_RESUME_COOLDOWN))
            .build();
    private final InMemorySessionStore memory = InMemorySessionStore.builder().clock(MutableClock.atEpochStart())
            .scheduler(time).build();
    private final FaultyStore store = new FaultyStore(memory);
    private final Admission admission = new Admission(1, 1, Duration.ofSeconds(30), Duration.ofSeconds(1), time);
    private final AddressFailures failedResumes = new AddressFailures(config.resumes(), time);
    private final AwaitingHello awaitingHello = new AwaitingHello(3, HELLO_TIMEOUT, time);
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
        return handshake(config, new AddressLimits(config.limits(), 100, time));
    }

    private Handshake handshake(GatewayConfig config, AddressLimits addressLimits) {
        return new Handshake(config, store, admission, awaitingHello, failedResumes, addressLimits,
                new UserLimits(config.limits(), 100, time), metrics, shuttingDown::get, time, closes::add);
    }

    private Handshake.Start fresh() {
        Handshake handshake = handshake();
        handshake.open(ADDRESS);
        Handshake.Start start = handshake.hello(Hello.fresh()).block(TIMEOUT);
        handshake.finish(start);
        return start;
    }

    @Test
    void noHelloWithinTheHelloTimeoutClosesWithTryAgainLater() {
        handshake().open(ADDRESS);

        time.advanceTimeBy(HELLO_TIMEOUT.minusMillis(1));
        assertThat(closes).isEmpty();
        time.advanceTimeBy(Duration.ofMillis(1));

        assertThat(closes).singleElement().satisfies(close -> {
            assertThat(close.closeCode()).as("a slow client passes: it may come back")
                    .isEqualTo(CloseCode.TRY_AGAIN_LATER);
            assertThat(close.getMessage()).contains("no hello within 5000ms").contains("retry-after=");
        });
        assertThat(awaitingHello.count()).isZero();
    }

    @Test
    void aHelloTheNodeCannotAnswerWithinTheHandshakeTimeoutClosesWithTryAgainLater() {
        store.silent(true);
        Handshake handshake = handshake();
        handshake.open(ADDRESS);
        List<Handshake.Start> started = new CopyOnWriteArrayList<>();

        time.advanceTimeBy(Duration.ofSeconds(4));
        handshake.hello(Hello.fresh()).subscribe(started::add);
        time.advanceTimeBy(HANDSHAKE_TIMEOUT.minusMillis(1));
        assertThat(closes).as("the hello timeout no longer applies once hello came").isEmpty();
        time.advanceTimeBy(Duration.ofMillis(1));

        assertThat(started).isEmpty();
        assertThat(closes).singleElement().satisfies(close -> {
            assertThat(close.closeCode()).as("the node is slow, not the client: reconnect")
                    .isEqualTo(CloseCode.TRY_AGAIN_LATER);
            assertThat(close.getMessage()).contains("handshake not finished within 10000ms");
        });
    }

    @Test
    void aFinishedHandshakeGivesItsPlaceBackAndNoLongerTimesOut() {
        fresh();

        time.advanceTimeBy(Duration.ofMinutes(1));

        assertThat(closes).isEmpty();
        assertThat(admission.inProgress()).isZero();
        assertThat(awaitingHello.count()).isZero();
    }

    @Test
    void silentConnectionsHoldNoHandshakePlaceAndAreBoundedOnTheirOwn() {
        handshake().open(ADDRESS);
        handshake().open(ADDRESS);
        Handshake speaking = handshake();
        speaking.open(ADDRESS);
        List<Handshake.Start> started = new CopyOnWriteArrayList<>();

        handshake().open(ADDRESS);
        speaking.hello(Hello.fresh()).subscribe(started::add);

        assertThat(closes).as("beyond the limit of connections awaiting hello").singleElement()
                .satisfies(close -> {
                    assertThat(close.closeCode()).isEqualTo(CloseCode.TRY_AGAIN_LATER);
                    assertThat(close.getMessage()).contains("too many connections awaiting hello (3)")
                            .contains("retry-after=");
                });
        assertThat(started).as("served at once: the silent ones hold no place").hasSize(1);
        assertThat(awaitingHello.count()).isEqualTo(2);
    }

    @Test
    void aHelloAfterTheHelloTimeoutStartsNothing() {
        Handshake handshake = handshake();
        handshake.open(ADDRESS);
        time.advanceTimeBy(HELLO_TIMEOUT);
        List<Handshake.Start> started = new CopyOnWriteArrayList<>();

        handshake.hello(Hello.fresh()).subscribe(started::add);

        assertThat(started).isEmpty();
        assertThat(admission.inProgress()).isZero();
        assertThat(closes).hasSize(1);
    }

    @Test
    void aHelloWaitsForAPlaceAndIsRefusedWhenTheQueueIsFull() {
        store.silent(true);
        Handshake first = handshake();
        first.open(ADDRESS);
        first.hello(Hello.fresh()).subscribe();
        Handshake second = handshake();
        second.open(ADDRESS);
        List<Handshake.Start> started = new CopyOnWriteArrayList<>();
        second.hello(Hello.fresh()).subscribe(started::add);

        Handshake third = handshake();
        third.open(ADDRESS);
        third.hello(Hello.fresh()).subscribe();
        assertThat(closes).as("no place and no room in the queue").singleElement()
                .satisfies(close -> assertThat(close.getMessage()).contains("too many handshakes"));
        assertThat(started).as("waiting for the first's place").isEmpty();
        store.silent(false);
        first.end();

        assertThat(started).singleElement().satisfies(start -> assertThat(start.resumed()).isFalse());
    }

    @Test
    void aConnectionThatEndsWhileWaitingTakesNoPlace() {
        store.silent(true);
        Handshake first = handshake();
        first.open(ADDRESS);
        first.hello(Hello.fresh()).subscribe();
        Handshake second = handshake();
        var resources = second.open(ADDRESS);
        second.hello(Hello.fresh()).subscribe();
        assertThat(admission.queued()).isEqualTo(1);

        second.end();
        resources.dispose();
        first.end();

        assertThat(admission.queued()).isZero();
        assertThat(admission.inProgress()).isZero();
        assertThat(awaitingHello.count()).isZero();
    }

    @Test
    void aNodeShuttingDownOrWithoutItsStoreRefusesAtOnce() {
        shuttingDown.set(true);
        handshake().open(ADDRESS);
        shuttingDown.set(false);
        store.notReady(true);
        handshake().open(ADDRESS);

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

    @Test
    void failedResumesFromOneAddressPastTheLimitCloseWithPolicyViolationForTheCooldown() {
        Handshake.Start first = fresh();
        var session = first.attachment().session();
        Hello.Resume guess = new Hello.Resume(session.sessionId(), "a-guessed-token", session.epoch(), 0);
        Hello.Resume unknown = new Hello.Resume(SessionTokens.newSessionId(), "a-guessed-token", 0, 0);
        for (int i = 0; i < FAILED_RESUME_LIMIT - 1; i++) {
            assertThat(resume(guess, ADDRESS).reason()).isEqualTo(ResumeFailure.BAD_TOKEN);
        }
        assertThat(resume(unknown, ADDRESS).reason()).as("an unknown session counts too")
                .isEqualTo(ResumeFailure.NOT_FOUND);
        long sessions = memory.stats().block(TIMEOUT).total();
        assertThat(closes).isEmpty();

        assertThat(resume(guess, ADDRESS)).as("one over the limit: no session").isNull();
        assertThat(closes).singleElement().satisfies(close -> {
            assertThat(close.closeCode()).isEqualTo(CloseCode.POLICY_VIOLATION);
            assertThat(close.getMessage()).contains("more than 3 failed resumes within 60000ms from this address")
                    .contains("retry-after=300000ms");
        });
        Hello.Resume right = new Hello.Resume(session.sessionId(), first.token(), session.epoch(), 0);
        time.advanceTimeBy(FAILED_RESUME_COOLDOWN.minusSeconds(1));
        assertThat(resume(right, ADDRESS)).as("even the right token, while cooling down").isNull();
        assertThat(closes).hasSize(2).last().satisfies(close ->
                assertThat(close.getMessage()).contains("retry-after=1000ms"));
        assertThat(memory.stats().block(TIMEOUT).total()).as("a refused resume creates nothing").isEqualTo(sessions);

        assertThat(resume(right, "192.0.2.2").resumed()).as("other addresses are not affected").isTrue();
        assertThat(fresh().resumed()).as("a hello without resume still starts a session").isFalse();
        time.advanceTimeBy(Duration.ofSeconds(1));
        assertThat(resume(right, ADDRESS).resumed()).as("after the cool-down").isTrue();
        assertThat(resume(guess, ADDRESS).reason()).as("and the count starts over")
                .isEqualTo(ResumeFailure.BAD_TOKEN);
        assertThat(metrics.scrape())
                .contains("tether_handshakes_refused_total{node=\"test-node\",reason=\"failed_resumes\"} 2.0");
    }

    @Test
    void failuresOutsideTheWindowDoNotAddUpAndHistoryFailuresDoNotCount() {
        Handshake.Start first = fresh();
        var session = first.attachment().session();
        Hello.Resume guess = new Hello.Resume(session.sessionId(), "a-guessed-token", session.epoch(), 0);
        Hello.Resume future = new Hello.Resume(session.sessionId(), first.token(), session.epoch(), 5);
        for (int window = 0; window < 3; window++) {
            for (int i = 0; i < FAILED_RESUME_LIMIT; i++) {
                assertThat(resume(guess, ADDRESS).reason()).isEqualTo(ResumeFailure.BAD_TOKEN);
                assertThat(resume(future, ADDRESS).reason()).as("the right token: no guess")
                        .isEqualTo(ResumeFailure.HISTORY_LOST);
            }
            time.advanceTimeBy(Duration.ofMinutes(1));
        }
        assertThat(closes).isEmpty();
    }

    @Test
    void upgradesOverTheAddressRateAreClosedWithTryAgainLaterUntilTheBucketRefills() {
        GatewayConfig limited = config.toBuilder().limits(l -> l.addressHandshakeRate(2).addressHandshakeBurst(2))
                .build();
        AddressLimits limits = new AddressLimits(limited.limits(), 100, time);
        for (int i = 0; i < 2; i++) {
            handshake(limited, limits).open(ADDRESS);
        }
        assertThat(closes).isEmpty();

        handshake(limited, limits).open(ADDRESS);
        Handshake other = handshake(limited, limits);
        other.open("192.0.2.2");
        // Out of the connections awaiting hello (3 in these tests), so that only the rate refuses.
        other.end();

        assertThat(closes).singleElement().satisfies(close -> {
            assertThat(close.closeCode()).isEqualTo(CloseCode.TRY_AGAIN_LATER);
            // Half a second to the next token, hinted as between that and twice it.
            assertThat(CloseCode.retryAfter(close.getMessage())).get()
                    .satisfies(hint -> assertThat(hint).isBetween(Duration.ofMillis(500), Duration.ofMillis(1000)));
        });
        time.advanceTimeBy(Duration.ofMillis(500));
        handshake(limited, limits).open(ADDRESS);
        assertThat(closes).hasSize(1);
        assertThat(metrics.scrape()).contains("reason=\"address_rate\"} 1.0");
    }

    @Test
    void connectionsOverTheAddressLimitAreClosedAndAPlaceComesBackWhenOneEnds() {
        GatewayConfig limited = config.toBuilder().limits(l -> l.maxConnectionsPerAddress(2)).build();
        AddressLimits limits = new AddressLimits(limited.limits(), 100, time);
        Handshake first = handshake(limited, limits);
        first.open(ADDRESS);
        handshake(limited, limits).open(ADDRESS);
        handshake(limited, limits).open(ADDRESS);

        assertThat(closes).extracting(GatewayException::closeCode).containsExactly(CloseCode.TRY_AGAIN_LATER);
        assertThat(closes.get(0).getMessage()).contains("more than 2 connections open from this address");

        first.end();
        first.end();
        handshake(limited, limits).open(ADDRESS);
        handshake(limited, limits).open("192.0.2.2");
        assertThat(closes).as("one place came back, once").hasSize(1);
        handshake(limited, limits).open(ADDRESS);
        assertThat(closes).hasSize(2);
    }

    private Handshake.Start resume(Hello.Resume resume) {
        return resume(resume, ADDRESS);
    }

    /** The start of a resume from {@code address}, or null when the handshake was closed instead. */
    private Handshake.Start resume(Hello.Resume resume, String address) {
        Handshake handshake = handshake();
        var resources = handshake.open(address);
        Handshake.Start start = handshake.hello(Hello.resume(resume)).block(TIMEOUT);
        if (start != null) {
            handshake.finish(start);
        } else {
            // As the connection does when it ends.
            handshake.end();
            resources.dispose();
        }
        return start;
    }
}
