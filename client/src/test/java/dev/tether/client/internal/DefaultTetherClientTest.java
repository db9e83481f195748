package dev.tether.client.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tether.client.ClientClosedException;
import dev.tether.client.ConnectionClosedException;
import dev.tether.client.ConnectionEvent;
import dev.tether.client.ConnectionFailedException;
import dev.tether.client.ConnectionState;
import dev.tether.client.OutboxFullException;
import dev.tether.client.OutboxOnResumeFailure;
import dev.tether.client.OutboxOnRestart;
import dev.tether.client.SessionHandle;
import dev.tether.client.SessionLostException;
import dev.tether.client.StateChange;
import dev.tether.client.TetherClientOptions;
import dev.tether.client.internal.FakeTransport.FakeConnection;
import dev.tether.protocol.AssistantDelta;
import dev.tether.protocol.AssistantDone;
import dev.tether.protocol.Bye;
import dev.tether.protocol.ClientAck;
import dev.tether.protocol.CloseCode;
import dev.tether.protocol.DoneReason;
import dev.tether.protocol.ErrorCode;
import dev.tether.protocol.ErrorFrame;
import dev.tether.protocol.Hello;
import dev.tether.protocol.Ping;
import dev.tether.protocol.Pong;
import dev.tether.protocol.ResumeFailure;
import dev.tether.protocol.Sequenced;
import dev.tether.protocol.ServerAck;
import dev.tether.protocol.UserMessage;
import dev.tether.protocol.Welcome;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Hooks;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;
import reactor.test.scheduler.VirtualTimeScheduler;

/** The whole client over an in-memory transport, under virtual time: no sockets, no sleeps. */
class DefaultTetherClientTest {

    private static final Duration VERIFY = Duration.ofSeconds(5);
    private static final long HEARTBEAT_MS = 10_000;

    private final VirtualTimeScheduler time = VirtualTimeScheduler.create();
    private final FakeTransport transport = new FakeTransport();
    private final List<StateChange> states = new CopyOnWriteArrayList<>();
    private final List<ConnectionEvent> events = new CopyOnWriteArrayList<>();
    private final List<Sequenced> delivered = new CopyOnWriteArrayList<>();
    private final List<Throwable> dropped = new CopyOnWriteArrayList<>();
    private DefaultTetherClient client;

    // An exception thrown in one of the client's callbacks (an illegal state move, say) would only be logged by
    // Reactor as dropped; it fails the test instead.
    @BeforeEach
    void catchDroppedErrors() {
        Hooks.onErrorDropped(dropped::add);
    }

    @AfterEach
    void tearDown() {
        try {
            if (client != null) {
                client.disconnect().block(VERIFY);
            }
            time.dispose();
        } finally {
            Hooks.resetOnErrorDropped();
        }
        assertThat(dropped).as("errors Reactor dropped").isEmpty();
    }

    private TetherClientOptions.Builder options() {
        return TetherClientOptions.builder()
                .endpoint("ws://gateway-a.test:8787/ws")
                .scheduler(time)
                .reconnectJitter(0)
                .heartbeatMargin(Duration.ofSeconds(5));
    }

    private DefaultTetherClient client(TetherClientOptions options) {
        client = new DefaultTetherClient(options, transport);
        client.states().subscribe(states::add);
        client.events().subscribe(events::add);
        client.messages().subscribe(delivered::add);
        return client;
    }

    private static Welcome fresh() {
        return new Welcome(1, "s-1", "t-1", 7, false, null, 0, 0, HEARTBEAT_MS);
    }

    private static Welcome resumed(long lastSeq, long ackedCseq) {
        return new Welcome(1, "s-1", "t-1", 7, true, null, lastSeq, ackedCseq, HEARTBEAT_MS);
    }

    private static AssistantDelta delta(long seq) {
        return new AssistantDelta(seq, 1, "w" + seq);
    }

    private FakeConnection connect(Welcome welcome) {
        StepVerifier.create(client.connect())
                .then(() -> transport.last().push(welcome))
                .expectComplete()
                .verify(VERIFY);
        return transport.last();
    }

    private FakeConnection reconnectAfter(Duration backoff, Welcome welcome) {
        int before = transport.connections.size();
        time.advanceTimeBy(backoff);
        assertThat(transport.connections).hasSize(before + 1);
        return transport.last().push(welcome);
    }

    private List<Long> deliveredSeqs() {
        return delivered.stream().map(Sequenced::seq).toList();
    }

    private <E extends ConnectionEvent> List<E> events(Class<E> type) {
        return events.stream().filter(type::isInstance).map(type::cast).toList();
    }

    @Test
    void handshakeThenSendCompletesWhenTheGatewayAcks() {
        client(options().build());
        FakeConnection connection = connect(fresh());

        assertThat(connection.received).first().isEqualTo(Hello.fresh());
        assertThat(client.state()).isEqualTo(ConnectionState.CONNECTED);
        assertThat(states).containsExactly(new StateChange(ConnectionState.IDLE, ConnectionState.CONNECTING),
                new StateChange(ConnectionState.CONNECTING, ConnectionState.CONNECTED));
        assertThat(client.session()).contains(new SessionHandle("s-1", "t-1", 7, 0));

        StepVerifier.create(client.send("hello there"))
                .then(() -> {
                    assertThat(connection.received).last().isEqualTo(new UserMessage(1, "hello there"));
                    connection.push(new ServerAck(1));
                })
                .expectNext(1L)
                .expectComplete()
                .verify(VERIFY);
    }

    @Test
    void sendsWhileNotConnectedWaitInTheOutboxAndAreFlushedInOrderAfterWelcome() {
        client(options().build());
        List<Long> acked = new CopyOnWriteArrayList<>();
        client.send("a").subscribe(acked::add);
        client.send("b").subscribe(acked::add);
        assertThat(transport.connections).isEmpty();

        StepVerifier.create(client.connect())
                .then(() -> {
                    assertThat(transport.last().received).containsExactly(Hello.fresh());
                    transport.last().push(fresh());
                })
                .expectComplete()
                .verify(VERIFY);

        FakeConnection connection = transport.last();
        assertThat(connection.received).containsExactly(Hello.fresh(), new UserMessage(1, "a"),
                new UserMessage(2, "b"));
        assertThat(events).contains(new ConnectionEvent.OutboxFlushed(2));
        connection.push(new ServerAck(2));
        assertThat(acked).containsExactly(1L, 2L);
    }

    @Test
    void outboxOverflowIsAnErrorToTheCaller() {
        client(options().outboxCapacity(2).build());
        client.send("a").subscribe();
        client.send("b").subscribe();

        StepVerifier.create(client.send("c"))
                .expectError(OutboxFullException.class)
                .verify(VERIFY);
    }

    @Test
    void aResumeResendsOnlyWhatTheGatewayHasNotStoredAndRestartsTheAttemptCount() {
        client(options().build());
        FakeConnection first = connect(fresh());
        List<Long> acked = new CopyOnWriteArrayList<>();
        client.send("a").subscribe(acked::add);
        client.send("b").subscribe(acked::add);
        client.send("c").subscribe(acked::add);
        first.push(new ServerAck(1));

        first.cut();
        assertThat(client.state()).isEqualTo(ConnectionState.RECONNECTING);
        assertThat(events(ConnectionEvent.Closed.class)).containsExactly(
                new ConnectionEvent.Closed(1006, "connection lost"));
        assertThat(events(ConnectionEvent.Reconnecting.class)).containsExactly(
                new ConnectionEvent.Reconnecting(1, 10, Duration.ofSeconds(1)));

        // The gateway stored b before the cut, but its ack was lost.
        FakeConnection second = reconnectAfter(Duration.ofSeconds(1), resumed(0, 2));

        assertThat(second.received).containsExactly(Hello.resume(new Hello.Resume("s-1", "t-1", 7, 0)),
                new UserMessage(3, "c"));
        assertThat(acked).containsExactly(1L, 2L);
        assertThat(events).contains(new ConnectionEvent.Resumed(true, null, 0), new ConnectionEvent.OutboxFlushed(1));
        assertThat(client.state()).isEqualTo(ConnectionState.CONNECTED);

        second.cut();
        assertThat(events(ConnectionEvent.Reconnecting.class)).last()
                .isEqualTo(new ConnectionEvent.Reconnecting(1, 10, Duration.ofSeconds(1)));
    }

    @Test
    void aFailedResumeCarriesTheOutboxOverRenumberedFromOne() {
        client(options().build());
        FakeConnection first = connect(fresh());
        first.push(delta(1), delta(2));
        List<Long> acked = new CopyOnWriteArrayList<>();
        client.send("a").subscribe(acked::add);
        client.send("b").subscribe(acked::add);
        first.push(new ServerAck(1));
        client.send("c").subscribe(acked::add);
        first.cut();

        Welcome newSession = new Welcome(1, "s-2", "t-2", 1, false, ResumeFailure.HISTORY_LOST, 0, 0, HEARTBEAT_MS);
        FakeConnection second = reconnectAfter(Duration.ofSeconds(1), newSession);

        assertThat(second.received).containsExactly(Hello.resume(new Hello.Resume("s-1", "t-1", 7, 2)),
                new UserMessage(1, "b"), new UserMessage(2, "c"));
        assertThat(events).contains(new ConnectionEvent.Resumed(false, ResumeFailure.HISTORY_LOST, 0));
        assertThat(client.session()).contains(new SessionHandle("s-2", "t-2", 1, 0));

        second.push(delta(1));
        assertThat(deliveredSeqs()).containsExactly(1L, 2L, 1L);
        second.push(new ServerAck(2));
        assertThat(acked).containsExactly(1L, 1L, 2L);
    }

    @Test
    void aFailedResumeCanFailThePendingSendsInstead() {
        client(options().outboxOnResumeFailure(OutboxOnResumeFailure.FAIL).build());
        FakeConnection first = connect(fresh());
        List<Throwable> errors = new CopyOnWriteArrayList<>();
        client.send("a").subscribe(cseq -> { }, errors::add);
        first.cut();

        Welcome newSession = new Welcome(1, "s-2", "t-2", 1, false, ResumeFailure.NOT_FOUND, 0, 0, HEARTBEAT_MS);
        FakeConnection second = reconnectAfter(Duration.ofSeconds(1), newSession);

        assertThat(second.received).hasSize(1);
        assertThat(errors).singleElement().isInstanceOfSatisfying(SessionLostException.class,
                lost -> assertThat(lost.reason()).isEqualTo(ResumeFailure.NOT_FOUND));
        StepVerifier.create(client.send("again"))
                .then(() -> second.push(new ServerAck(1)))
                .expectNext(1L)
                .expectComplete()
                .verify(VERIFY);
    }

    @Test
    void messagesAreDeliveredOnceAndInOrderAcrossAGapAndAReconnect() {
        client(options().build());
        FakeConnection first = connect(fresh());
        first.push(delta(1), delta(2), delta(2), delta(3));
        assertThat(deliveredSeqs()).containsExactly(1L, 2L, 3L);

        first.push(delta(5));
        assertThat(first.open).as("a gap drops the connection").isFalse();
        assertThat(client.state()).isEqualTo(ConnectionState.RECONNECTING);

        FakeConnection second = reconnectAfter(Duration.ofSeconds(1), resumed(5, 0));
        assertThat(second.received).first().isEqualTo(Hello.resume(new Hello.Resume("s-1", "t-1", 7, 3)));
        assertThat(events).contains(new ConnectionEvent.Resumed(true, null, 2));
        second.push(delta(3), delta(4), new AssistantDone(5, 1, DoneReason.COMPLETE));

        assertThat(deliveredSeqs()).containsExactly(1L, 2L, 3L, 4L, 5L);
        assertThat(client.session()).map(SessionHandle::lastSeq).contains(5L);
    }

    @Test
    void acksAreCumulativeAndBatchedByCountAndDelay() {
        client(options().ackBatchSize(3).ackDelay(Duration.ofMillis(200)).build());
        FakeConnection connection = connect(fresh());

        connection.push(delta(1), delta(2));
        assertThat(connection.received(ClientAck.class)).isEmpty();
        connection.push(delta(3));
        assertThat(connection.received(ClientAck.class)).containsExactly(new ClientAck(3));

        connection.push(delta(4));
        time.advanceTimeBy(Duration.ofMillis(199));
        assertThat(connection.received(ClientAck.class)).hasSize(1);
        time.advanceTimeBy(Duration.ofMillis(1));
        assertThat(connection.received(ClientAck.class)).containsExactly(new ClientAck(3), new ClientAck(4));

        // A duplicate means the gateway missed an ack: it gets another.
        connection.push(delta(4));
        time.advanceTimeBy(Duration.ofMillis(200));
        assertThat(connection.received(ClientAck.class)).last().isEqualTo(new ClientAck(4));
        assertThat(connection.received(ClientAck.class)).hasSize(3);
    }

    @Test
    void pingsAreAnsweredAndSentEveryHeartbeat() {
        client(options().build());
        FakeConnection connection = connect(fresh());

        connection.push(new Ping(42));
        assertThat(connection.received(Pong.class)).containsExactly(new Pong(42));

        time.advanceTimeBy(Duration.ofMillis(HEARTBEAT_MS));
        assertThat(connection.received(Ping.class)).hasSize(1);
        connection.push(new Pong(connection.received(Ping.class).get(0).t()));
        time.advanceTimeBy(Duration.ofMillis(HEARTBEAT_MS));
        assertThat(connection.received(Ping.class)).hasSize(2);
        assertThat(connection.open).isTrue();
    }

    @Test
    void aSilentConnectionIsDroppedAfterHeartbeatPlusMarginAndResumed() {
        client(options().build());
        FakeConnection first = connect(fresh());
        first.push(delta(1));

        // Heard at 0 and at 10 s; the deadline is then 10 s + 10 s heartbeat + 5 s margin.
        time.advanceTimeBy(Duration.ofSeconds(10));
        first.push(new Pong(0));
        time.advanceTimeBy(Duration.ofMillis(14_999));
        assertThat(first.open).isTrue();
        time.advanceTimeBy(Duration.ofMillis(1));

        assertThat(first.open).isFalse();
        assertThat(client.state()).isEqualTo(ConnectionState.RECONNECTING);
        assertThat(events(ConnectionEvent.Closed.class)).singleElement()
                .satisfies(closed -> assertThat(closed.reason()).contains("nothing heard for 15000 ms"));
        FakeConnection second = reconnectAfter(Duration.ofSeconds(1), resumed(1, 0));
        assertThat(second.received).first().isEqualTo(Hello.resume(new Hello.Resume("s-1", "t-1", 7, 1)));
    }

    @Test
    void noWelcomeWithinTheHandshakeTimeoutReconnects() {
        client(options().handshakeTimeout(Duration.ofSeconds(2)).build());
        client.connect().subscribe(done -> { }, error -> { });

        time.advanceTimeBy(Duration.ofMillis(1_999));
        assertThat(transport.last().open).isTrue();
        time.advanceTimeBy(Duration.ofMillis(1));
        assertThat(transport.last().open).isFalse();
        assertThat(events(ConnectionEvent.Closed.class)).singleElement()
                .satisfies(closed -> assertThat(closed.reason()).contains("handshake timeout"));

        reconnectAfter(Duration.ofSeconds(1), fresh());
        assertThat(client.state()).isEqualTo(ConnectionState.CONNECTED);
    }

    @Test
    void aTerminalCloseCodeFailsTheClientAndItsPendingSends() {
        client(options().build());
        FakeConnection connection = connect(fresh());
        List<Throwable> errors = new CopyOnWriteArrayList<>();
        client.send("a").subscribe(cseq -> { }, errors::add);

        connection.close(4009, "session taken over");

        assertThat(client.state()).isEqualTo(ConnectionState.FAILED);
        assertThat(events).contains(new ConnectionEvent.Closed(4009, "session taken over"));
        assertThat(errors).singleElement().isInstanceOfSatisfying(ConnectionFailedException.class,
                failed -> assertThat(failed.getCause()).isInstanceOfSatisfying(ConnectionClosedException.class,
                        closed -> assertThat(closed.code()).isEqualTo(4009)));
        time.advanceTimeBy(Duration.ofMinutes(5));
        assertThat(transport.connections).hasSize(1);
        StepVerifier.create(client.send("b"))
                .expectError(ConnectionFailedException.class)
                .verify(VERIFY);
    }

    @Test
    void exhaustedRetriesFailTheClientAndConnectCanStartOver() {
        client(options().maxReconnectAttempts(2).build());
        transport.refusing = true;
        List<Throwable> errors = new CopyOnWriteArrayList<>();
        client.send("a").subscribe(cseq -> { }, errors::add);

        StepVerifier.create(client.connect())
                .then(() -> time.advanceTimeBy(Duration.ofSeconds(3)))
                .expectErrorSatisfies(error -> assertThat(error).isInstanceOf(ConnectionFailedException.class)
                        .hasMessageContaining("after 2 attempts"))
                .verify(VERIFY);

        assertThat(transport.dialed).hasSize(3);
        assertThat(client.state()).isEqualTo(ConnectionState.FAILED);
        assertThat(errors).singleElement().isInstanceOf(ConnectionFailedException.class);

        transport.refusing = false;
        connect(fresh());
        assertThat(client.state()).isEqualTo(ConnectionState.CONNECTED);
    }

    @Test
    void closeSendsByeNeverReconnectsAndCompletesEverything() {
        client(options().build());
        FakeConnection connection = connect(fresh());
        List<Throwable> errors = new CopyOnWriteArrayList<>();
        client.send("a").subscribe(cseq -> { }, errors::add);

        StepVerifier.create(client.close())
                .then(() -> {
                    assertThat(connection.received).last().isEqualTo(new Bye());
                    connection.close(1000, "bye");
                })
                .expectComplete()
                .verify(VERIFY);

        assertThat(client.state()).isEqualTo(ConnectionState.CLOSED);
        assertThat(errors).singleElement().isInstanceOf(ClientClosedException.class);
        StepVerifier.create(client.messages()).expectComplete().verify(VERIFY);
        StepVerifier.create(client.send("b")).expectError(ClientClosedException.class).verify(VERIFY);
        time.advanceTimeBy(Duration.ofMinutes(5));
        assertThat(transport.connections).hasSize(1);
    }

    @Test
    void closeGivesUpWaitingForTheGatewayAfterTheHandshakeTimeout() {
        client(options().handshakeTimeout(Duration.ofSeconds(3)).build());
        FakeConnection connection = connect(fresh());

        StepVerifier.create(client.close())
                .then(() -> time.advanceTimeBy(Duration.ofSeconds(3)))
                .expectComplete()
                .verify(VERIFY);

        assertThat(connection.open).isFalse();
        assertThat(client.state()).isEqualTo(ConnectionState.CLOSED);
    }

    @Test
    void aNormalCloseFromTheGatewayEndsTheSession() {
        client(options().build());
        connect(fresh()).close(1000, "session ended");
        assertThat(client.state()).isEqualTo(ConnectionState.CLOSED);
    }

    @Test
    void disconnectKeepsTheSessionAndConnectResumesIt() {
        client(options().build());
        FakeConnection first = connect(fresh());
        first.push(delta(1));
        client.send("a").subscribe();

        StepVerifier.create(client.disconnect()).expectComplete().verify(VERIFY);

        assertThat(first.open).isFalse();
        assertThat(first.received(Bye.class)).isEmpty();
        assertThat(client.state()).isEqualTo(ConnectionState.IDLE);
        time.advanceTimeBy(Duration.ofMinutes(5));
        assertThat(transport.connections).hasSize(1);

        FakeConnection second = connect(resumed(1, 0));
        assertThat(second.received).containsExactly(Hello.resume(new Hello.Resume("s-1", "t-1", 7, 1)),
                new UserMessage(1, "a"));
    }

    private static Welcome secondSession() {
        return new Welcome(1, "s-2", "t-2", 1, false, null, 0, 0, HEARTBEAT_MS);
    }

    @Test
    void queueSizeCountsWhatTheGatewayHasNotAcknowledgedQueuedOfflineToo() {
        client(options().build());
        client.send("a").subscribe();
        client.send("b").subscribe();
        assertThat(client.queueSize()).isEqualTo(2);

        FakeConnection connection = connect(fresh());
        client.send("c").subscribe();
        assertThat(client.queueSize()).isEqualTo(3);
        connection.push(new ServerAck(2));
        assertThat(client.queueSize()).isEqualTo(1);
        connection.push(new ServerAck(3));
        assertThat(client.queueSize()).isZero();
    }

    @Test
    void restartKeepingTheOutboxSendsItInANewSessionRenumberedFromOne() {
        client(options().build());
        FakeConnection first = connect(fresh());
        first.push(delta(1), delta(2));
        List<Long> acked = new CopyOnWriteArrayList<>();
        client.send("a").subscribe(acked::add);
        client.send("b").subscribe(acked::add);
        first.push(new ServerAck(1));
        client.send("c").subscribe(acked::add);
        assertThat(client.queueSize()).isEqualTo(2);

        StepVerifier.create(client.restart(OutboxOnRestart.KEEP))
                .then(() -> {
                    assertThat(client.session()).as("the old session is forgotten at once").isEmpty();
                    transport.last().push(secondSession());
                })
                .expectComplete()
                .verify(VERIFY);

        FakeConnection second = transport.last();
        assertThat(first.received).last().as("the old session ended at the gateway").isEqualTo(new Bye());
        // What the old connection still receives, until the gateway closes it, no longer counts.
        first.push(delta(3), new ServerAck(3)).close(1000, "bye");
        assertThat(events(ConnectionEvent.Closed.class)).as("the old connection's end is not reported").isEmpty();
        assertThat(second.received).containsExactly(Hello.fresh(), new UserMessage(1, "b"), new UserMessage(2, "c"));
        assertThat(states).containsSubsequence(
                new StateChange(ConnectionState.CONNECTED, ConnectionState.CONNECTING),
                new StateChange(ConnectionState.CONNECTING, ConnectionState.CONNECTED));
        assertThat(events).contains(new ConnectionEvent.OutboxFlushed(2));
        assertThat(events(ConnectionEvent.Resumed.class)).as("no resume was asked for").isEmpty();
        assertThat(client.session()).contains(new SessionHandle("s-2", "t-2", 1, 0));

        second.push(delta(1), new ServerAck(2));
        assertThat(deliveredSeqs()).as("seqs start over in the new session").containsExactly(1L, 2L, 1L);
        assertThat(acked).containsExactly(1L, 1L, 2L);
        assertThat(client.queueSize()).isZero();
    }

    @Test
    void restartDropsTheOldConnectionIfTheGatewayDoesNotCloseItAfterBye() {
        client(options().handshakeTimeout(Duration.ofSeconds(3)).build());
        FakeConnection first = connect(fresh());
        client.restart(OutboxOnRestart.KEEP).subscribe();
        transport.last().push(secondSession());

        time.advanceTimeBy(Duration.ofSeconds(3));

        assertThat(first.open).isFalse();
        assertThat(transport.last().open).isTrue();
        assertThat(client.state()).isEqualTo(ConnectionState.CONNECTED);
    }

    @Test
    void restartDroppingTheOutboxFailsThePendingSends() {
        client(options().build());
        FakeConnection first = connect(fresh());
        List<Throwable> errors = new CopyOnWriteArrayList<>();
        client.send("a").subscribe(cseq -> { }, errors::add);
        client.send("b").subscribe(cseq -> { }, errors::add);

        StepVerifier.create(client.restart(OutboxOnRestart.DROP))
                .then(() -> {
                    assertThat(client.queueSize()).isZero();
                    transport.last().push(secondSession());
                })
                .expectComplete()
                .verify(VERIFY);

        assertThat(errors).hasSize(2).allSatisfy(error -> assertThat(error)
                .isInstanceOf(ClientClosedException.class).hasMessageContaining("restarted"));
        assertThat(transport.last().received).containsExactly(Hello.fresh());
        assertThat(first.received(UserMessage.class)).hasSize(2);
        StepVerifier.create(client.send("again"))
                .then(() -> {
                    assertThat(transport.last().received).last().isEqualTo(new UserMessage(1, "again"));
                    transport.last().push(new ServerAck(1));
                })
                .expectNext(1L)
                .expectComplete()
                .verify(VERIFY);
    }

    @Test
    void restartWhileWaitingToReconnectConnectsAtOnceAndOnlyOnce() {
        client(options().build());
        connect(fresh()).cut();
        assertThat(client.state()).isEqualTo(ConnectionState.RECONNECTING);

        StepVerifier.create(client.restart(OutboxOnRestart.KEEP))
                .then(() -> transport.last().push(secondSession()))
                .expectComplete()
                .verify(VERIFY);

        assertThat(transport.connections).as("no wait for the backoff").hasSize(2);
        assertThat(transport.last().received).first().isEqualTo(Hello.fresh());
        // Past the old lifecycle's 1 s backoff, within the new connection's heartbeat.
        time.advanceTimeBy(Duration.ofSeconds(5));
        assertThat(transport.connections).as("the old lifecycle's retry is gone with it").hasSize(2);
        assertThat(client.state()).isEqualTo(ConnectionState.CONNECTED);
    }

    @Test
    void restartForgetsTheSessionHandleItWasGiven() {
        client(options().resumeFrom(new SessionHandle("s-9", "t-9", 3, 40)).build());

        StepVerifier.create(client.restart(OutboxOnRestart.KEEP))
                .then(() -> transport.last().push(secondSession()))
                .expectComplete()
                .verify(VERIFY);

        assertThat(transport.connections).hasSize(1);
        assertThat(transport.last().received).containsExactly(Hello.fresh());
        assertThat(client.session()).contains(new SessionHandle("s-2", "t-2", 1, 0));
    }

    @Test
    void restartFailsLikeConnectAndNotAtAllOnceClosed() {
        client(options().maxReconnectAttempts(1).build());
        transport.refusing = true;

        StepVerifier.create(client.restart(OutboxOnRestart.KEEP))
                .then(() -> time.advanceTimeBy(Duration.ofSeconds(1)))
                .expectError(ConnectionFailedException.class)
                .verify(VERIFY);

        client.close().block(VERIFY);
        StepVerifier.create(client.restart(OutboxOnRestart.DROP)).expectError(ClientClosedException.class)
                .verify(VERIFY);
    }

    @Test
    void theOutcomeOfAResumeIsKnownWhenConnectCompletes() {
        client(options().resumeFrom(new SessionHandle("s-1", "t-1", 7, 3)).build());
        List<ConnectionEvent> seenAtConnect = new CopyOnWriteArrayList<>();

        StepVerifier.create(client.connect().doOnSuccess(done -> seenAtConnect.addAll(events)))
                .then(() -> transport.last().push(resumed(5, 0)))
                .expectComplete()
                .verify(VERIFY);

        assertThat(seenAtConnect).contains(new ConnectionEvent.Resumed(true, null, 2));
    }

    @Test
    void aNewProcessResumesFromASessionHandle() {
        client(options().resumeFrom(new SessionHandle("s-9", "t-9", 3, 40)).build());
        List<Long> acked = new CopyOnWriteArrayList<>();
        client.send("a").subscribe(acked::add);

        FakeConnection connection = connect(new Welcome(1, "s-9", "t-9", 3, true, null, 41, 12, HEARTBEAT_MS));

        assertThat(connection.received).containsExactly(Hello.resume(new Hello.Resume("s-9", "t-9", 3, 40)),
                new UserMessage(13, "a"));
        connection.push(delta(40), delta(41), new ServerAck(13));
        assertThat(deliveredSeqs()).containsExactly(41L);
        assertThat(acked).containsExactly(13L);
    }

    @Test
    void endpointsAreTriedInRotation() {
        client(options().endpoint("ws://gateway-b.test:8787/ws").build());
        transport.refusing = true;
        client.connect().subscribe(done -> { }, error -> { });
        time.advanceTimeBy(Duration.ofSeconds(3));

        assertThat(transport.dialed).extracting(URI::getHost)
                .containsExactly("gateway-a.test", "gateway-b.test", "gateway-a.test");
    }

    @Test
    void outOfOrderMakesTheClientResendItsOutboxAndErrorsAreSurfaced() {
        client(options().build());
        FakeConnection connection = connect(fresh());
        client.send("a").subscribe();
        client.send("b").subscribe();

        connection.push(new ErrorFrame(ErrorCode.OUT_OF_ORDER, "expected cseq 1"));

        assertThat(connection.received(UserMessage.class)).containsExactly(new UserMessage(1, "a"),
                new UserMessage(2, "b"), new UserMessage(1, "a"), new UserMessage(2, "b"));
        assertThat(events).contains(new ConnectionEvent.ServerError(ErrorCode.OUT_OF_ORDER, "expected cseq 1"));
        assertThat(connection.open).isTrue();
    }

    @Test
    void storeUnavailableMakesTheClientResendOnceAfterTheBaseDelay() {
        client(options().reconnectBaseDelay(Duration.ofMillis(500)).build());
        FakeConnection connection = connect(fresh());
        client.send("a").subscribe();

        connection.push(new ErrorFrame(ErrorCode.STORE_UNAVAILABLE, "store down"))
                .push(new ErrorFrame(ErrorCode.STORE_UNAVAILABLE, "store down"));
        time.advanceTimeBy(Duration.ofMillis(499));
        assertThat(connection.received(UserMessage.class)).containsExactly(new UserMessage(1, "a"));
        time.advanceTimeBy(Duration.ofMillis(1));

        assertThat(connection.received(UserMessage.class))
                .as("one resend for two errors within the delay")
                .containsExactly(new UserMessage(1, "a"), new UserMessage(1, "a"));
        assertThat(connection.open).isTrue();
    }

    @Test
    void rateLimitedHoldsNewMessagesAndResendsFromTheRefusedOneAfterTheHint() {
        client(options().reconnectBaseDelay(Duration.ofMillis(500)).build());
        FakeConnection connection = connect(fresh());
        client.send("a").subscribe();
        client.send("b").subscribe();
        connection.push(new ServerAck(1));

        // b was refused, and so is what was on its way; the second hint does not push the resend back.
        connection.push(new ErrorFrame(ErrorCode.RATE_LIMITED, "cseq 2 was not stored", 2_000));
        time.advanceTimeBy(Duration.ofMillis(500));
        connection.push(new ErrorFrame(ErrorCode.RATE_LIMITED, "cseq 3 was not stored", 1_500));
        client.send("c").subscribe();
        time.advanceTimeBy(Duration.ofMillis(1_499));
        assertThat(connection.received(UserMessage.class)).as("nothing sent while told to wait")
                .containsExactly(new UserMessage(1, "a"), new UserMessage(2, "b"));

        time.advanceTimeBy(Duration.ofMillis(1));
        assertThat(connection.received(UserMessage.class)).containsExactly(new UserMessage(1, "a"),
                new UserMessage(2, "b"), new UserMessage(2, "b"), new UserMessage(3, "c"));
        client.send("d").subscribe();
        assertThat(connection.received(UserMessage.class)).as("sending again after the pause")
                .endsWith(new UserMessage(4, "d"));
        assertThat(events).contains(new ConnectionEvent.ServerError(ErrorCode.RATE_LIMITED, "cseq 2 was not stored"));
        assertThat(connection.open).isTrue();
    }

    @Test
    void storeUnavailableThenA1013CloseResumesAfterTheHintAndResendsOnce() {
        client(options().reconnectBaseDelay(Duration.ofMillis(500)).build());
        FakeConnection first = connect(fresh());
        client.send("a").subscribe();
        Duration hint = Duration.ofSeconds(3);

        // What a gateway does at the first store failure: the error, then 1013 with its retry-after hint.
        first.push(new ErrorFrame(ErrorCode.STORE_UNAVAILABLE, "cseq 1 was not stored; send it again"));
        first.close(1013, CloseCode.retryAfterReason("session store unavailable", hint));
        time.advanceTimeBy(hint.minusMillis(1));
        assertThat(transport.connections).as("waits for the hint, not its backoff").hasSize(1);
        assertThat(first.received(UserMessage.class)).as("nothing resent into the closed connection")
                .containsExactly(new UserMessage(1, "a"));

        FakeConnection second = reconnectAfter(Duration.ofMillis(1), resumed(0, 0));

        assertThat(second.received).containsExactly(Hello.resume(new Hello.Resume("s-1", "t-1", 7, 0)),
                new UserMessage(1, "a"));
        assertThat(client.state()).isEqualTo(ConnectionState.CONNECTED);
    }

    @Test
    void malformedFramesFromTheGatewayAreSkipped() {
        client(options().build());
        FakeConnection connection = connect(fresh());

        connection.pushText("{not json").pushText("{\"type\":\"from_the_future\"}").push(delta(1));

        assertThat(connection.open).isTrue();
        assertThat(deliveredSeqs()).containsExactly(1L);
    }

    @Test
    void aMessageLargerThanAFrameIsRefused() {
        client(options().maxFrameBytes(1024).build());
        StepVerifier.create(client.send("x".repeat(2000)))
                .expectError(dev.tether.client.MessageTooBigException.class)
                .verify(VERIFY);
        StepVerifier.create(Mono.fromSupplier(() -> client.state()))
                .expectNext(ConnectionState.IDLE)
                .expectComplete()
                .verify(VERIFY);
    }

    @Test
    void aTextTheGatewayWouldRefuseNeverReachesTheOutbox() {
        client(options().maxFrameBytes(1024).build());
        // The frame would fit (60 + 940 bytes), but not the widest delta that may echo it: the gateway answers
        // validation_error, and a queued message would be resent after every welcome, never acknowledged.
        StepVerifier.create(client.send("x".repeat(940)))
                .expectErrorSatisfies(e -> assertThat(e)
                        .isInstanceOf(dev.tether.client.MessageTooBigException.class)
                        .hasMessageStartingWith("user_message.text must be at most 932 bytes encoded"))
                .verify(VERIFY);
        StepVerifier.create(client.send("lone \ud800"))
                .expectErrorSatisfies(e -> assertThat(e).isInstanceOf(IllegalArgumentException.class)
                        .hasMessageContaining("lone surrogate"))
                .verify(VERIFY);
        StepVerifier.create(Mono.fromSupplier(() -> client.state()))
                .expectNext(ConnectionState.IDLE)
                .expectComplete()
                .verify(VERIFY);
    }
}
