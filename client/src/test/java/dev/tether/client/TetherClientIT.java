package dev.tether.client;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tether.client.testkit.FakeGateway;
import dev.tether.client.testkit.FakeGatewayExtension;
import dev.tether.protocol.AssistantDelta;
import dev.tether.protocol.AssistantDone;
import dev.tether.protocol.Sequenced;
import dev.tether.protocol.UserMessage;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;

/** The client over real sockets against a scripted gateway that cuts and closes connections on demand. */
@ExtendWith(FakeGatewayExtension.class)
class TetherClientIT {

    private static final Duration VERIFY = Duration.ofSeconds(10);

    private TetherClient client;
    private final List<Sequenced> delivered = new CopyOnWriteArrayList<>();
    private final List<ConnectionEvent> events = new CopyOnWriteArrayList<>();

    @AfterEach
    void tearDown() {
        if (client != null) {
            client.disconnect().block(VERIFY);
        }
    }

    private TetherClient client(FakeGateway gateway) {
        client = TetherClient.create(TetherClientOptions.builder()
                .endpoint(gateway.uri())
                .reconnectBaseDelay(Duration.ofMillis(20))
                .reconnectMaxDelay(Duration.ofMillis(200))
                .maxReconnectAttempts(50)
                .ackDelay(Duration.ofMillis(20))
                .build());
        client.messages().subscribe(delivered::add);
        client.events().subscribe(events::add);
        return client;
    }

    /** The text of the reply to {@code replyTo}, once its assistant_done has been delivered. */
    private Mono<String> reply(long replyTo) {
        // Read from what the test's own subscriber collected: subscribing to messages() here could miss frames
        // delivered between reading `delivered` and subscribing.
        return Mono.fromSupplier(() -> List.copyOf(delivered))
                .repeatWhen(again -> again.delayElements(Duration.ofMillis(5)))
                .filter(frames -> frames.stream().anyMatch(frame -> frame instanceof AssistantDone done
                        && done.replyTo() == replyTo))
                .next()
                .map(frames -> frames.stream()
                        .filter(frame -> frame instanceof AssistantDelta delta && delta.replyTo() == replyTo)
                        .map(frame -> ((AssistantDelta) frame).text())
                        .collect(Collectors.joining()));
    }

    private void await(ConnectionState state) {
        StepVerifier.create(client.states().map(StateChange::current).filter(current -> current == state).next())
                .expectNext(state)
                .expectComplete()
                .verify(VERIFY);
    }

    private void assertDeliveredExactlyOnceInOrder() {
        assertThat(delivered).extracting(Sequenced::seq)
                .containsExactlyElementsOf(LongStream.rangeClosed(1, delivered.size()).boxed().toList());
    }

    @Test
    void sendsAMessageAndReceivesTheStreamedReply(FakeGateway gateway) {
        client(gateway);

        StepVerifier.create(Mono.zip(reply(1), client.connect().then(client.send("one two three"))))
                .assertNext(result -> {
                    assertThat(result.getT1()).isEqualTo("one two three ");
                    assertThat(result.getT2()).isEqualTo(1L);
                })
                .expectComplete()
                .verify(VERIFY);
        assertThat(client.session()).isPresent();
        assertDeliveredExactlyOnceInOrder();
    }

    @Test
    void repliesSurviveCutsAndArriveExactlyOnceInOrder(FakeGateway gateway) {
        client(gateway);
        StepVerifier.create(client.connect()).expectComplete().verify(VERIFY);

        for (int round = 1; round <= 5; round++) {
            String text = "round " + round + " of five cuts";
            // The reply is logged but not sent, then the connection is cut: only a resume can deliver it.
            gateway.holdOutput(true);
            StepVerifier.create(client.send(text)).expectNext((long) round).expectComplete().verify(VERIFY);
            gateway.cutAll();
            gateway.holdOutput(false);

            StepVerifier.create(reply(round)).expectNext(text + " ").expectComplete().verify(VERIFY);
        }

        assertDeliveredExactlyOnceInOrder();
        assertThat(events).filteredOn(event -> event instanceof ConnectionEvent.Resumed resumed && resumed.resumed())
                .hasSizeGreaterThanOrEqualTo(5);
        assertThat(gateway.stored()).hasSize(5);
    }

    @Test
    void messagesWhoseAckWasLostOrSentWhileDisconnectedAreStoredOnce(FakeGateway gateway) {
        client(gateway);
        StepVerifier.create(client.connect()).expectComplete().verify(VERIFY);
        List<Long> acked = new CopyOnWriteArrayList<>();

        gateway.dropAcks(true);
        client.send("stored but ack lost").subscribe(acked::add);
        StepVerifier.create(reply(1)).expectNext("stored but ack lost ").expectComplete().verify(VERIFY);
        StepVerifier.create(client.disconnect()).expectComplete().verify(VERIFY);
        gateway.dropAcks(false);
        client.send("sent while disconnected").subscribe(acked::add);

        StepVerifier.create(client.connect().then(reply(2)))
                .expectNext("sent while disconnected ")
                .expectComplete()
                .verify(VERIFY);

        assertThat(gateway.stored()).containsExactly(new UserMessage(1, "stored but ack lost"),
                new UserMessage(2, "sent while disconnected"));
        StepVerifier.create(Mono.fromSupplier(() -> acked).repeat().filter(list -> list.size() == 2).next())
                .assertNext(list -> assertThat(list).containsExactly(1L, 2L))
                .expectComplete()
                .verify(VERIFY);
        assertDeliveredExactlyOnceInOrder();
    }

    @Test
    void closeSaysByeAndNeverReconnects(FakeGateway gateway) {
        client(gateway);
        StepVerifier.create(client.connect().then(client.close())).expectComplete().verify(VERIFY);

        assertThat(client.state()).isEqualTo(ConnectionState.CLOSED);
        assertThat(gateway.byes()).isEqualTo(1);
        assertThat(events).contains(new ConnectionEvent.Closed(1000, "bye"));
    }

    @Test
    void aTerminalCloseCodeFailsTheClient(FakeGateway gateway) {
        client(gateway);
        StepVerifier.create(client.connect()).expectComplete().verify(VERIFY);

        gateway.closeAll(4001, "unauthorized");

        await(ConnectionState.FAILED);
        StepVerifier.create(client.send("after failure"))
                .expectError(ConnectionFailedException.class)
                .verify(VERIFY);
    }

    @Test
    void aGatewayRestartCloseIsFollowedByAResume(FakeGateway gateway) {
        client(gateway);
        StepVerifier.create(client.connect().then(client.send("before restart")).then(reply(1)))
                .expectNext("before restart ")
                .expectComplete()
                .verify(VERIFY);

        gateway.closeAll(1012, "restarting");

        StepVerifier.create(client.events().startWith(events)
                        .filter(event -> event instanceof ConnectionEvent.Resumed).next())
                .expectNext(new ConnectionEvent.Resumed(true, null, 0))
                .expectComplete()
                .verify(VERIFY);
        assertThat(events).contains(new ConnectionEvent.Closed(1012, "restarting"));
    }
}
