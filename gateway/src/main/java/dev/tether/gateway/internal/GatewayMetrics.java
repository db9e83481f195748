package dev.tether.gateway.internal;

import dev.tether.protocol.DoneReason;
import dev.tether.protocol.ResumeFailure;
import dev.tether.protocol.session.ClientAppend;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.IntSupplier;
import java.util.function.Supplier;

/**
 * This node's metrics, served in Prometheus' text format at {@code GET /metrics}. One registry per gateway, so that
 * several gateways in one JVM (tests, the load test's embedded nodes) do not mix their counts. Every meter carries
 * the tag {@code node}.
 *
 * <p>Counters are looked up once and kept in fields or enum maps: recording is a field read and an atomic add, cheap
 * enough for every frame.
 */
final class GatewayMetrics implements AutoCloseable {

    /** Content type of the Prometheus text exposition format. */
    static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final JvmGcMetrics gc = new JvmGcMetrics();
    private final Timer handshake;
    private final Counter handshakesNew;
    private final Counter handshakesResumed;
    private final Map<ResumeFailure, Counter> resumesFailed = new EnumMap<>(ResumeFailure.class);
    private final Map<Refusal, Counter> refused = new EnumMap<>(Refusal.class);
    private final Map<ClientAppend.Outcome, Counter> clientMessages = new EnumMap<>(ClientAppend.Outcome.class);
    private final Counter clientMessagesFailed;
    private final Counter clientMessagesRateLimited;
    private final Map<DoneReason, Counter> repliesEnded = new EnumMap<>(DoneReason.class);
    private final Counter framesSent;
    private final Counter storeCallsFailed;
    private final Counter eventsFailed;
    private final Counter eventsRehandled;
    private final Counter repliesTakenOver;
    private final Map<Integer, Counter> closes = new ConcurrentHashMap<>();
    private final Map<Integer, Counter> pushes = new ConcurrentHashMap<>();
    private final Map<String, Counter> drainCloses = new ConcurrentHashMap<>();
    private final Map<String, Timer> storeCalls = new ConcurrentHashMap<>();

    /** Why a handshake was refused before it started. */
    enum Refusal {
        /** More handshakes than admission control lets in or queues (1013). */
        OVERLOADED,
        /** The session store is unreachable (1013). */
        STORE_UNAVAILABLE,
        /** The node is shutting down (1012). */
        SHUTTING_DOWN,
        /** No welcome for a hello within the handshake timeout (1013). */
        HANDSHAKE_TIMEOUT,
        /** No hello within the hello timeout (1013). */
        HELLO_TIMEOUT,
        /** More connections awaiting hello than the node takes (1013). */
        AWAITING_HELLO,
        /** A resume from an address over the failed-resume limit (1008). */
        FAILED_RESUMES,
        /** A missing, invalid or expired token, at hello or on a refresh (4001). */
        UNAUTHORIZED,
        /** An upgrade from an address over its handshake rate (1013). */
        ADDRESS_RATE,
        /** An upgrade from an address with its limit of connections open (1013). */
        ADDRESS_CONNECTIONS,
        /** An upgrade from a page whose origin is not allowed (403, before the upgrade). */
        ORIGIN,
        /** A hello from an address over the failed-authentication limit (1008). */
        FAILED_AUTH,
        /** A hello of a user with its limit of connections open (1013). */
        USER_CONNECTIONS,
        /** A new session of a user over its rate of new sessions (1013). */
        USER_SESSIONS
    }

    /** Registers the meters of a handler that has its own, such as the model server's. */
    void bind(MeterBinder binder) {
        binder.bindTo(registry);
    }

    GatewayMetrics(String nodeId) {
        registry.config().commonTags("node", nodeId);
        new JvmMemoryMetrics().bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        gc.bindTo(registry);

        handshake = Timer.builder("tether.handshake")
                .description("hello received to welcome sent, admission queue included")
                .serviceLevelObjectives(Duration.ofMillis(1), Duration.ofMillis(5), Duration.ofMillis(25),
                        Duration.ofMillis(100), Duration.ofMillis(500), Duration.ofSeconds(1), Duration.ofSeconds(5))
                .register(registry);
        handshakesNew = handshakes("new");
        handshakesResumed = handshakes("resumed");
        for (ResumeFailure failure : ResumeFailure.values()) {
            resumesFailed.put(failure, handshakes(failure.wireName()));
        }
        for (Refusal refusal : Refusal.values()) {
            refused.put(refusal, Counter.builder("tether.handshakes.refused")
                    .description("connections refused before or during their handshake, by reason")
                    .tag("reason", refusal.name().toLowerCase())
                    .register(registry));
        }
        for (ClientAppend.Outcome outcome : ClientAppend.Outcome.values()) {
            clientMessages.put(outcome, clientMessages(outcome.name().toLowerCase()));
        }
        clientMessagesFailed = clientMessages("store_unavailable");
        clientMessagesRateLimited = clientMessages("rate_limited");
        for (DoneReason reason : DoneReason.values()) {
            repliesEnded.put(reason, Counter.builder("tether.replies.ended")
                    .description("replies this node ended, by reason")
                    .tag("reason", reason.wireName())
                    .register(registry));
        }
        framesSent = Counter.builder("tether.frames.sent")
                .description("sequenced frames sent to clients, replays included")
                .register(registry);
        storeCallsFailed = Counter.builder("tether.store.calls.failed")
                .description("session store calls that failed because the store was unavailable")
                .register(registry);
        eventsFailed = Counter.builder("tether.handler.events.failed")
                .description("client events the conversation handler failed on (for http: not delivered to the "
                        + "backend after its retries)")
                .register(registry);
        eventsRehandled = Counter.builder("tether.handler.events.rehandled")
                .description("client events this node claimed after their handling lease lapsed (the node that "
                        + "stored them died or stalled) and handed to its handler again")
                .register(registry);
        repliesTakenOver = Counter.builder("tether.replies.taken.over")
                .description("replies this node took over from a node found dead, to continue them")
                .register(registry);
    }

    /** Gauges read at scrape time from the node's live state. */
    void gauges(IntSupplier connections, IntSupplier replies, IntSupplier handshakesInProgress,
                IntSupplier handshakesQueued, BooleanSupplier storeReady) {
        Gauge.builder("tether.connections", connections::getAsInt)
                .description("open WebSocket connections").register(registry);
        Gauge.builder("tether.replies.running", replies::getAsInt)
                .description("replies being produced on this node").register(registry);
        Gauge.builder("tether.admission.in.progress", handshakesInProgress::getAsInt)
                .description("handshakes holding an admission place").register(registry);
        Gauge.builder("tether.admission.queued", handshakesQueued::getAsInt)
                .description("handshakes waiting for an admission place").register(registry);
        Gauge.builder("tether.store.ready", () -> storeReady.getAsBoolean() ? 1 : 0)
                .description("1 while the session store can serve requests").register(registry);
    }

    /** The drain's gauges: its state (1 for the current one) and the connections it has yet to close. */
    void drainGauges(Supplier<Drain.State> state, IntSupplier left) {
        for (Drain.State each : Drain.State.values()) {
            Gauge.builder("tether.drain.state", () -> state.get() == each ? 1 : 0)
                    .description("1 for the state a drain (SIGTERM) is in: serving, not_ready, closing, finishing, "
                            + "stopped")
                    .tag("state", each.name().toLowerCase())
                    .register(registry);
        }
        Gauge.builder("tether.drain.connections.left", left::getAsInt)
                .description("open connections a drain has yet to close; 0 when no drain runs").register(registry);
        for (String how : new String[] {"spread", "at_once"}) {
            drainCloses.put(how, Counter.builder("tether.drain.closes")
                    .description("connections a drain closed with 1012: spread over the drain time, or at once "
                            + "(drain time 0, a second SIGTERM, the end of the drain time)")
                    .tag("how", how)
                    .register(registry));
        }
    }

    /** A drain closed a connection, {@code how}: {@code spread} or {@code at_once}. */
    void drainClosed(String how) {
        Counter counter = drainCloses.get(how);
        if (counter != null) {
            counter.increment();
        }
    }

    private Counter handshakes(String result) {
        return Counter.builder("tether.handshakes")
                .description("completed handshakes: new sessions, resumes, and failed resumes by reason")
                .tag("result", result)
                .register(registry);
    }

    private Counter clientMessages(String outcome) {
        return Counter.builder("tether.client.messages")
                .description("client messages received, by what the store made of them")
                .tag("outcome", outcome)
                .register(registry);
    }

    /** A welcome was sent {@code nanos} after the hello arrived. */
    void handshake(boolean resumed, ResumeFailure failure, long nanos) {
        handshake.record(nanos, TimeUnit.NANOSECONDS);
        if (resumed) {
            handshakesResumed.increment();
        } else if (failure != null) {
            resumesFailed.get(failure).increment();
        } else {
            handshakesNew.increment();
        }
    }

    void refused(Refusal refusal) {
        refused.get(refusal).increment();
    }

    void clientMessage(ClientAppend.Outcome outcome) {
        clientMessages.get(outcome).increment();
    }

    void clientMessageNotStored() {
        clientMessagesFailed.increment();
    }

    /** A client message was answered {@code rate_limited}, not stored. */
    void clientMessageRateLimited() {
        clientMessagesRateLimited.increment();
    }

    void replyEnded(DoneReason reason) {
        repliesEnded.get(reason).increment();
    }

    /** The conversation handler failed on a client event. */
    void eventFailed() {
        eventsFailed.increment();
    }

    /** A client event whose handling lease lapsed was claimed here, to be handled again. */
    void eventRehandled() {
        eventsRehandled.increment();
    }

    /** A reply of a node found dead was taken over here. */
    void replyTakenOver() {
        repliesTakenOver.increment();
    }

    void frameSent() {
        framesSent.increment();
    }

    /** A store call of {@code operation} (such as {@code appendClient}) answered, or failed, after {@code nanos}. */
    void storeCall(String operation, long nanos) {
        storeCalls.computeIfAbsent(operation, op -> Timer.builder("tether.store.call")
                .description("session store calls that answer once (not the streams), call to answer or failure, by "
                        + "operation")
                .tag("operation", op)
                .serviceLevelObjectives(Duration.ofMillis(1), Duration.ofMillis(5), Duration.ofMillis(25),
                        Duration.ofMillis(100), Duration.ofMillis(500), Duration.ofSeconds(1), Duration.ofSeconds(5))
                .register(registry)).record(nanos, TimeUnit.NANOSECONDS);
    }

    void storeCallFailed() {
        storeCallsFailed.increment();
    }

    /** A connection ended with close {@code code}, or 1006 when it ended without a close frame. */
    void closed(int code) {
        closes.computeIfAbsent(code, c -> Counter.builder("tether.connections.closed")
                .description("connections ended, by close code (1006: without a close frame)")
                .tag("code", Integer.toString(c))
                .register(registry)).increment();
    }

    /** The push API answered {@code status}. */
    void push(int status) {
        pushes.computeIfAbsent(status, s -> Counter.builder("tether.pushes")
                .description("push API requests, by HTTP status")
                .tag("status", Integer.toString(s))
                .register(registry)).increment();
    }

    /** Every meter, in Prometheus' text format. */
    String scrape() {
        return registry.scrape();
    }

    @Override
    public void close() {
        gc.close();
        registry.close();
    }
}
