package dev.tether.client.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tether.client.ConnectionState;
import dev.tether.client.StateChange;
import dev.tether.client.TetherClientOptions;
import dev.tether.client.internal.FakeTransport.FakeConnection;
import dev.tether.protocol.AuthOk;
import dev.tether.protocol.ClientAuth;
import dev.tether.protocol.Hello;
import dev.tether.protocol.Ping;
import dev.tether.protocol.Welcome;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;
import reactor.test.scheduler.VirtualTimeScheduler;

/** The client's token provider over an in-memory transport, under virtual time. */
class ClientTokenProviderTest {

    private static final Duration VERIFY = Duration.ofSeconds(5);
    /** Longer than any test here, so that no ping is due and the fake gateway need not answer. */
    private static final long HEARTBEAT_MS = Duration.ofHours(2).toMillis();

    private final VirtualTimeScheduler time = VirtualTimeScheduler.create();
    private final FakeTransport transport = new FakeTransport();
    private final List<StateChange> states = new CopyOnWriteArrayList<>();
    private DefaultTetherClient client;

    @AfterEach
    void tearDown() {
        if (client != null) {
            client.disconnect().onErrorResume(e -> Mono.empty()).block(VERIFY);
        }
        time.dispose();
    }

    /** An unsigned token whose payload names {@code sub} and {@code exp}: the client reads it, never checks it. */
    private static String jwt(String sub, long expSeconds) {
        Base64.Encoder base64 = Base64.getUrlEncoder().withoutPadding();
        return base64.encodeToString("{\"alg\":\"RS256\"}".getBytes(StandardCharsets.UTF_8)) + "."
                + base64.encodeToString(("{\"sub\":\"" + sub + "\",\"exp\":" + expSeconds + "}")
                        .getBytes(StandardCharsets.UTF_8)) + ".c2ln";
    }

    /** A token that expires {@code ttl} after the virtual clock's now. */
    private String token(String sub, Duration ttl) {
        return jwt(sub, (time.now(TimeUnit.MILLISECONDS) + ttl.toMillis()) / 1000);
    }

    private DefaultTetherClient client(TetherClientOptions.Builder options) {
        client = new DefaultTetherClient(options.endpoint("ws://gateway.test/ws").scheduler(time)
                .reconnectJitter(0).build(), transport);
        client.states().subscribe(states::add);
        return client;
    }

    private static Welcome welcome() {
        return new Welcome(1, "s-1", "t-1", 7, false, null, 0, 0, HEARTBEAT_MS);
    }

    @Test
    void helloCarriesAFreshTokenOnEveryConnectAndResume() {
        AtomicInteger calls = new AtomicInteger();
        client(TetherClientOptions.builder().tokenProvider(() -> Mono.just("token-" + calls.incrementAndGet())));

        StepVerifier.create(client.connect())
                .then(() -> transport.last().push(welcome()))
                .expectComplete().verify(VERIFY);
        assertThat(transport.last().received(Hello.class)).singleElement()
                .satisfies(hello -> assertThat(hello.token()).contains("token-1"));

        transport.last().cut();
        time.advanceTimeBy(Duration.ofSeconds(1));
        FakeConnection second = transport.last().push(welcome());
        assertThat(second.received(Hello.class)).singleElement().satisfies(hello -> {
            assertThat(hello.resume()).isNotNull();
            assertThat(hello.token()).contains("token-2");
        });
        assertThat(client.state()).isEqualTo(ConnectionState.CONNECTED);
    }

    @Test
    void theTokenIsRefreshedOnTheOpenConnectionBeforeItExpires() {
        client(TetherClientOptions.builder().tokenProvider(() -> Mono.fromCallable(
                () -> token("alice", Duration.ofMinutes(10)))));
        StepVerifier.create(client.connect())
                .then(() -> transport.last().push(welcome()))
                .expectComplete().verify(VERIFY);
        FakeConnection connection = transport.last();

        // Ten minutes of life: refreshed 30 s before the end.
        time.advanceTimeBy(Duration.ofSeconds(569));
        assertThat(connection.received(ClientAuth.class)).isEmpty();
        time.advanceTimeBy(Duration.ofSeconds(1));
        assertThat(connection.received(ClientAuth.class)).hasSize(1);
        connection.push(new AuthOk(0));

        time.advanceTimeBy(Duration.ofSeconds(570));
        assertThat(connection.received(ClientAuth.class)).as("and again for the next token").hasSize(2);
        assertThat(client.state()).isEqualTo(ConnectionState.CONNECTED);
    }

    @Test
    void aProviderThatFailsARefreshIsAskedAgainShortly() {
        AtomicInteger calls = new AtomicInteger();
        client(TetherClientOptions.builder().tokenProvider(() -> calls.incrementAndGet() == 2
                ? Mono.error(new IllegalStateException("identity provider down"))
                : Mono.fromCallable(() -> token("alice", Duration.ofSeconds(100)))));
        StepVerifier.create(client.connect())
                .then(() -> transport.last().push(welcome()))
                .expectComplete().verify(VERIFY);

        time.advanceTimeBy(Duration.ofSeconds(90));
        assertThat(transport.last().received(ClientAuth.class)).isEmpty();
        time.advanceTimeBy(Link.TOKEN_RETRY);
        assertThat(calls).hasValue(3);
        assertThat(transport.last().received(ClientAuth.class)).hasSize(1);
    }

    @Test
    void after4001TheClientReconnectsWithANewTokenAndStopsAfterThreeInARow() {
        AtomicInteger calls = new AtomicInteger();
        client(TetherClientOptions.builder().tokenProvider(() -> Mono.just("token-" + calls.incrementAndGet())));
        client.connect().subscribe(null, e -> { });

        transport.last().close(4001, "unauthorized: expired token");
        time.advanceTimeBy(Duration.ofSeconds(1));
        assertThat(transport.connections).hasSize(2);
        assertThat(transport.last().received(Hello.class).getFirst().token()).contains("token-2");
        transport.last().close(4001, "unauthorized: invalid signature");
        time.advanceTimeBy(Duration.ofSeconds(2));
        assertThat(transport.connections).hasSize(3);
        transport.last().close(4001, "unauthorized: invalid signature");
        time.advanceTimeBy(Duration.ofMinutes(1));

        assertThat(client.state()).isEqualTo(ConnectionState.FAILED);
        assertThat(transport.connections).hasSize(3);
    }

    @Test
    void withoutAProviderA4001IsFinalAndHelloCarriesNoToken() {
        client(TetherClientOptions.builder());
        StepVerifier.create(client.connect())
                .then(() -> transport.last().push(welcome()))
                .expectComplete().verify(VERIFY);
        assertThat(transport.last().received(Hello.class).getFirst().auth()).isNull();

        transport.last().close(4001, "unauthorized: missing token");
        time.advanceTimeBy(Duration.ofMinutes(1));

        assertThat(client.state()).isEqualTo(ConnectionState.FAILED);
        assertThat(transport.connections).hasSize(1);
        assertThat(transport.last().received(Ping.class)).isEmpty();
    }

    @Test
    void refreshDelayReadsExpFromThePayload() {
        long now = 1_767_225_600_000L;
        assertThat(TokenRefresh.delay(jwt("a", (now + 600_000) / 1000), now)).contains(Duration.ofSeconds(570));
        assertThat(TokenRefresh.delay(jwt("a", (now + 100_000) / 1000), now)).contains(Duration.ofSeconds(90));
        assertThat(TokenRefresh.delay(jwt("a", (now - 1_000) / 1000), now)).as("expired: soon, but not in a loop")
                .contains(TokenRefresh.MIN_DELAY);
        assertThat(TokenRefresh.delay(jwt("a", (now + 500) / 1000), now)).contains(TokenRefresh.MIN_DELAY);
        assertThat(TokenRefresh.delay("not-a-jwt", now)).isEmpty();
        assertThat(TokenRefresh.delay("a.%%%.c", now)).isEmpty();
    }
}
