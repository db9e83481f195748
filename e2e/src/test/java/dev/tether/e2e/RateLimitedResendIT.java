package dev.tether.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tether.client.ConnectionEvent;
import dev.tether.client.TetherClient;
import dev.tether.e2e.testing.Clients;
import dev.tether.gateway.testing.GatewayExtension;
import dev.tether.protocol.ErrorCode;
import dev.tether.protocol.ClientMessage;
import dev.tether.protocol.UserMessage;
import java.time.Duration;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import reactor.core.publisher.Flux;

/**
 * The Java client against a gateway that limits user messages: the messages refused with {@code rate_limited} stay
 * in the client's outbox, go out again after the hint, and each is stored once, in order.
 */
class RateLimitedResendIT {

    private static final Duration TIMEOUT = Duration.ofSeconds(30);
    /** One a second, after a burst of 60: the last messages of a burst of 63 wait a second or two each. */
    private static final int PER_MINUTE = 60;
    private static final int SENT = PER_MINUTE + 3;

    @RegisterExtension
    final GatewayExtension gateway = new GatewayExtension(c -> c.limits(l -> l.userMessagesPerMinute(PER_MINUTE)));

    private Clients clients;

    @AfterEach
    void tearDown() {
        if (clients != null) {
            clients.close();
        }
    }

    @Test
    void messagesRefusedWithRateLimitedAreResentAfterTheHintAndStoredOnce() {
        clients = Clients.create(List.of(gateway.uri()), options -> options);
        TetherClient client = clients.client();
        client.connect().block(TIMEOUT);

        List<Long> acked = Flux.range(1, SENT)
                .flatMapSequential(i -> client.send("message " + i), SENT)
                .collectList()
                .block(TIMEOUT);

        assertThat(acked).as("every message acknowledged, in order")
                .containsExactlyElementsOf(IntStream.rangeClosed(1, SENT).mapToObj(Long::valueOf).toList());
        assertThat(clients.events(ConnectionEvent.ServerError.class)).as("told to wait at least once")
                .anyMatch(error -> error.code() == ErrorCode.RATE_LIMITED);
        String session = client.session().orElseThrow().sessionId();
        List<ClientMessage> stored = gateway.store().readClient(session, 0).collectList().block(TIMEOUT);
        assertThat(stored).as("each stored once, in order").extracting(m -> ((UserMessage) m).text())
                .containsExactlyElementsOf(IntStream.rangeClosed(1, SENT).mapToObj(i -> "message " + i).toList());
    }
}
