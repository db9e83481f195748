package dev.tether.e2e.testing;

import dev.tether.client.ConnectionEvent;
import dev.tether.client.TetherClient;
import dev.tether.client.TetherClientOptions;
import dev.tether.protocol.AssistantDelta;
import dev.tether.protocol.AssistantDone;
import dev.tether.protocol.Sequenced;
import dev.tether.testkit.Eventually;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.UnaryOperator;
import reactor.core.Disposable;

/** A real {@link TetherClient} with everything it receives recorded, for assertions. */
public final class Clients implements AutoCloseable {

    private final TetherClient client;
    private final List<Sequenced> frames = new CopyOnWriteArrayList<>();
    private final List<ConnectionEvent> events = new CopyOnWriteArrayList<>();
    private final List<Disposable> subscriptions = new ArrayList<>();

    private Clients(TetherClient client) {
        this.client = client;
        subscriptions.add(client.messages().subscribe(frames::add));
        subscriptions.add(client.events().subscribe(events::add));
    }

    /** A client for these endpoints (tried in rotation) with quick, unlimited reconnects. */
    public static Clients create(List<URI> endpoints, UnaryOperator<TetherClientOptions.Builder> options) {
        TetherClientOptions.Builder builder = TetherClientOptions.builder()
                .endpoints(endpoints)
                .reconnectBaseDelay(Duration.ofMillis(100))
                .reconnectMaxDelay(Duration.ofSeconds(1))
                .unlimitedReconnectAttempts()
                .ackDelay(Duration.ofMillis(20));
        return new Clients(TetherClient.create(options.apply(builder).build()));
    }

    public TetherClient client() {
        return client;
    }

    public List<Sequenced> frames() {
        return List.copyOf(frames);
    }

    public List<ConnectionEvent> events() {
        return List.copyOf(events);
    }

    public <T extends ConnectionEvent> List<T> events(Class<T> type) {
        return events.stream().filter(type::isInstance).map(type::cast).toList();
    }

    /** The deltas of the reply to {@code replyTo}, in order. */
    public List<AssistantDelta> deltas(long replyTo) {
        return frames.stream().filter(f -> f instanceof AssistantDelta d && d.replyTo() == replyTo)
                .map(AssistantDelta.class::cast).toList();
    }

    /** The end of the reply to {@code replyTo}, once it arrived. */
    public Optional<AssistantDone> done(long replyTo) {
        return frames.stream().filter(f -> f instanceof AssistantDone d && d.replyTo() == replyTo)
                .map(AssistantDone.class::cast).findFirst();
    }

    /** Waits for the end of the reply to {@code replyTo}. */
    public AssistantDone awaitDone(long replyTo, Duration timeout) {
        Eventually.await("assistant_done for cseq " + replyTo, timeout, () -> done(replyTo).isPresent());
        return done(replyTo).orElseThrow();
    }

    /** The text of the reply to {@code replyTo} so far. */
    public String text(long replyTo) {
        StringBuilder text = new StringBuilder();
        deltas(replyTo).forEach(d -> text.append(d.text()));
        return text.toString();
    }

    @Override
    public void close() {
        try {
            client.disconnect().block(Duration.ofSeconds(5));
        } catch (RuntimeException ignored) {
            // Already closed or failed.
        }
        subscriptions.forEach(Disposable::dispose);
    }
}
