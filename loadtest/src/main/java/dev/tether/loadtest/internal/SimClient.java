package dev.tether.loadtest.internal;

import dev.tether.client.ConnectionEvent;
import dev.tether.client.ConnectionState;
import dev.tether.client.SessionHandle;
import dev.tether.client.StateChange;
import dev.tether.client.TetherClient;
import dev.tether.client.TetherClientOptions;
import dev.tether.protocol.CloseCode;
import dev.tether.protocol.Sequenced;
import java.util.Optional;
import reactor.core.Disposable;
import reactor.core.publisher.Mono;

/**
 * One virtual client: a real {@link TetherClient} and its {@link DeliveryChecker}. Small on purpose: a few fields
 * and three subscriptions, no thread and no timer of its own; the driver's single loop decides when it sends.
 */
final class SimClient {

    final int id;
    final TetherClient client;
    final DeliveryChecker checker;
    private final Metrics metrics;
    private final Problems problems;

    volatile ConnectionState state = ConnectionState.IDLE;
    private volatile boolean connectedOnce;
    private long startedAt;

    // Guarded by this: resume timing.
    private long lostAt;
    private long replayUntil = -1;

    // Driver thread only.
    long nextSendAt;
    long nextEventAt;
    long endsAt = Long.MAX_VALUE;
    int eventsPushed;
    boolean stoppedSending;
    boolean closing;
    long closeDeadline;

    private Disposable subscriptions;
    private volatile String lastClose = "none";

    SimClient(int id, TetherClientOptions options, Metrics metrics, Problems problems) {
        this.id = id;
        this.client = TetherClient.create(options);
        this.checker = new DeliveryChecker(id, problems);
        this.metrics = metrics;
        this.problems = problems;
    }

    /** Subscribes to the client's streams and starts connecting; never blocks. */
    void start(long now) {
        startedAt = now;
        Disposable states = client.states().subscribe(this::onState);
        Disposable events = client.events().subscribe(this::onEvent);
        Disposable messages = client.messages().subscribe(this::onFrame);
        subscriptions = () -> {
            states.dispose();
            events.dispose();
            messages.dispose();
        };
        client.connect().subscribe(ok -> { }, error -> { });
    }

    boolean connectedOnce() {
        return connectedOnce;
    }

    Optional<SessionHandle> session() {
        return client.session();
    }

    void send(long now) {
        int k = checker.nextMessage(now);
        metrics.count(Metrics.Series.SENT, now);
        client.send(DeliveryChecker.text(id, k))
                .subscribe(cseq -> checker.acked(k, cseq), error -> checker.sendFailed(k, error));
    }

    /** Ends the session with {@code bye}; completes when the client is closed. */
    Mono<Void> close() {
        return client.close().onErrorResume(e -> Mono.empty());
    }

    void dispose() {
        if (subscriptions != null) {
            subscriptions.dispose();
        }
    }

    /** The checker's tally plus the client's own fate. */
    Tally finish() {
        Tally tally = checker.finish();
        if (!connectedOnce) {
            tally.clientsNeverConnected++;
        }
        if (state == ConnectionState.FAILED) {
            tally.clientsFailed++;
            problems.report("client " + id + " gave up (FAILED); last close: " + lastClose);
        }
        return tally;
    }

    private void onState(StateChange change) {
        long now = System.nanoTime();
        ConnectionState current = change.current();
        state = current;
        if (current == ConnectionState.CONNECTED && change.previous() != ConnectionState.CONNECTED) {
            metrics.connectedNow.incrementAndGet();
            metrics.count(Metrics.Series.HANDSHAKES, now);
            if (!connectedOnce) {
                connectedOnce = true;
                metrics.everConnected.incrementAndGet();
                Metrics.record(metrics.connect, now - startedAt);
            }
            // The state is emitted under the client's lock right after welcome, so the session is the new one.
            client.session().ifPresent(handle -> checker.session(handle.sessionId()));
        } else if (change.previous() == ConnectionState.CONNECTED && current != ConnectionState.CONNECTED) {
            metrics.connectedNow.decrementAndGet();
            synchronized (this) {
                if (lostAt == 0) {
                    lostAt = now;
                }
            }
        }
    }

    private void onEvent(ConnectionEvent event) {
        long now = System.nanoTime();
        switch (event) {
            // Counted in the second the attempt is made, after its backoff, so that jitter shows as spread.
            case ConnectionEvent.Reconnecting reconnecting ->
                    metrics.count(Metrics.Series.RECONNECTS, now + reconnecting.delay().toNanos());
            case ConnectionEvent.Closed closed -> {
                metrics.count(Metrics.Series.CLOSES, now);
                lastClose = closed.code() + " " + closed.reason();
                if (closed.code() == CloseCode.TRY_AGAIN_LATER.code()) {
                    metrics.count(Metrics.Series.REFUSED, now);
                }
            }
            case ConnectionEvent.Resumed resumed -> {
                if (resumed.resumed()) {
                    checker.resumed(resumed.framesReplayed());
                    metrics.count(Metrics.Series.RESUMES, now);
                    synchronized (this) {
                        if (resumed.framesReplayed() == 0) {
                            caughtUp(now);
                        } else {
                            replayUntil = checker.maxSeq() + resumed.framesReplayed();
                        }
                    }
                } else {
                    checker.resumeFailed(resumed.reason());
                    metrics.count(Metrics.Series.RESUME_FAILURES, now);
                    problems.report("client " + id + ": resume failed: " + resumed.reason());
                    synchronized (this) {
                        lostAt = 0;
                        replayUntil = -1;
                    }
                }
            }
            case ConnectionEvent.ServerError error ->
                    problems.report("client " + id + ": gateway error " + error.code() + ": " + error.message());
            case ConnectionEvent.OutboxFlushed flushed -> {
                // Resending is the client's business; the checker sees the acks.
            }
        }
    }

    private void onFrame(Sequenced frame) {
        long now = System.nanoTime();
        metrics.count(Metrics.Series.FRAMES, now);
        long roundTrip = checker.frame(frame, now);
        long continuePause = checker.takeContinuePause();
        if (continuePause >= 0) {
            Metrics.record(metrics.continuePause, continuePause);
        }
        if (roundTrip >= 0) {
            Metrics.record(metrics.roundTrip, roundTrip);
            metrics.count(Metrics.Series.REPLIES, now);
        }
        synchronized (this) {
            if (replayUntil > 0 && frame.seq() >= replayUntil) {
                caughtUp(now);
            }
        }
    }

    private void caughtUp(long now) {
        if (lostAt != 0) {
            Metrics.record(metrics.resume, now - lostAt);
        }
        lostAt = 0;
        replayUntil = -1;
    }
}
