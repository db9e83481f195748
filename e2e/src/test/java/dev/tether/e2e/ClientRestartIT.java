package dev.tether.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tether.client.ClientClosedException;
import dev.tether.client.OutboxOnRestart;
import dev.tether.client.SessionHandle;
import dev.tether.client.TetherClient;
import dev.tether.e2e.testing.Clients;
import dev.tether.gateway.testing.GatewayExtension;
import dev.tether.protocol.AssistantDelta;
import dev.tether.protocol.AssistantDone;
import dev.tether.protocol.Sequenced;
import dev.tether.testkit.Eventually;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The Java client's {@code restart()} and {@code queueSize()} against a real gateway: a fresh session with the
 * outbox carried into it or dropped, and the old session ended when the client was connected to it.
 */
class ClientRestartIT {

    private static final Duration TIMEOUT = Duration.ofSeconds(20);

    @RegisterExtension
    final GatewayExtension gateway = new GatewayExtension();

    private Clients clients;

    @AfterEach
    void tearDown() {
        if (clients != null) {
            clients.close();
        }
    }

    private TetherClient client() {
        clients = Clients.create(List.of(gateway.uri()), options -> options);
        return clients.client();
    }

    /** The text of the reply to {@code replyTo} among {@code frames}, once it is done. */
    private static String reply(List<Sequenced> frames, long replyTo) {
        return frames.stream().filter(f -> f instanceof AssistantDelta d && d.replyTo() == replyTo)
                .map(f -> ((AssistantDelta) f).text()).collect(Collectors.joining());
    }

    private static boolean done(List<Sequenced> frames, long replyTo) {
        return frames.stream().anyMatch(f -> f instanceof AssistantDone d && d.replyTo() == replyTo);
    }

    /** The frames received since the first {@code skip}. */
    private List<Sequenced> framesAfter(int skip) {
        List<Sequenced> all = clients.frames();
        return all.subList(Math.min(skip, all.size()), all.size());
    }

    @Test
    void restartKeepingTheOutboxSendsWhatWasQueuedInANewSession() {
        TetherClient client = client();
        client.connect().block(TIMEOUT);
        SessionHandle first = client.session().orElseThrow();
        assertThat(client.send("before the restart").block(TIMEOUT)).isEqualTo(1L);
        Eventually.await("the first reply", TIMEOUT, () -> done(clients.frames(), 1));
        client.disconnect().block(TIMEOUT);
        client.send("queued one").subscribe();
        client.send("queued two").subscribe();
        assertThat(client.queueSize()).isEqualTo(2);
        int before = clients.frames().size();

        client.restart(OutboxOnRestart.KEEP).block(TIMEOUT);

        SessionHandle second = client.session().orElseThrow();
        assertThat(second.sessionId()).isNotEqualTo(first.sessionId());
        Eventually.await("both queued messages answered in the new session", TIMEOUT,
                () -> done(framesAfter(before), 1) && done(framesAfter(before), 2));
        List<Sequenced> after = framesAfter(before);
        assertThat(reply(after, 1)).isEqualTo("queued one");
        assertThat(reply(after, 2)).isEqualTo("queued two");
        assertThat(after).first().extracting(Sequenced::seq).as("the new session's first frame").isEqualTo(1L);
        Eventually.await("the outbox empty once the gateway acknowledged both", TIMEOUT,
                () -> client.queueSize() == 0);
        assertThat(gateway.store().find(first.sessionId()).block(TIMEOUT))
                .as("a disconnected client says no bye: the old session waits out its grace").isNotNull();
    }

    @Test
    void restartDroppingTheOutboxFailsWhatWasQueued() {
        TetherClient client = client();
        client.connect().block(TIMEOUT);
        client.disconnect().block(TIMEOUT);
        List<Throwable> errors = new CopyOnWriteArrayList<>();
        client.send("never sent").subscribe(cseq -> { }, errors::add);

        client.restart(OutboxOnRestart.DROP).block(TIMEOUT);

        assertThat(errors).singleElement().isInstanceOf(ClientClosedException.class);
        assertThat(client.queueSize()).isZero();
        int before = clients.frames().size();
        assertThat(client.send("after the restart").block(TIMEOUT)).isEqualTo(1L);
        Eventually.await("the reply in the new session", TIMEOUT, () -> done(framesAfter(before), 1));
        assertThat(reply(framesAfter(before), 1)).isEqualTo("after the restart");
        assertThat(clients.frames()).noneMatch(f -> f instanceof AssistantDelta d && d.text().contains("never"));
    }

    @Test
    void restartWhileConnectedEndsTheOldSessionAtTheGateway() {
        TetherClient client = client();
        client.connect().block(TIMEOUT);
        String first = client.session().orElseThrow().sessionId();

        client.restart(OutboxOnRestart.KEEP).block(TIMEOUT);

        assertThat(client.session().orElseThrow().sessionId()).isNotEqualTo(first);
        Eventually.await("the old session removed by its bye", TIMEOUT,
                () -> gateway.store().find(first).blockOptional(TIMEOUT).isEmpty());
    }
}
