package dev.tether.gateway.internal;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tether.gateway.ConversationContext;
import dev.tether.gateway.InMemorySessionStore;
import dev.tether.protocol.session.SessionLimits;
import dev.tether.protocol.session.SessionState;
import dev.tether.protocol.session.SessionStoreException;
import dev.tether.protocol.session.SessionTokens;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.scheduler.Schedulers;
import reactor.test.StepVerifier;

/** A handler's view of the session's state: read, and changed atomically by compare-and-set, retried on conflict. */
class SessionContextStateTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    private InMemorySessionStore store;
    private ConversationContext context;

    @BeforeEach
    void open() {
        store = InMemorySessionStore.create(SessionLimits.builder().maxStateBytes(64).build());
        store.create("s1", SessionTokens.digest("t"), "node-a").block(TIMEOUT);
        context = new SessionContext(store, "s1");
    }

    @AfterEach
    void close() {
        store.close();
    }

    private static ObjectNode digits(String digits) {
        return JsonNodeFactory.instance.objectNode().put("digits", digits);
    }

    private static ObjectNode typed(ObjectNode state, String digit) {
        return state.put("digits", state.path("digits").asText() + digit);
    }

    @Test
    void anUpdateAppliesTheChangeToTheCurrentStateAndStoresIt() {
        context.updateState(state -> typed(state, "1")).block(TIMEOUT);

        SessionState updated = context.updateState(state -> typed(state, "2")).block(TIMEOUT);

        assertThat(updated).isEqualTo(new SessionState(2, digits("12")));
        assertThat(context.state().block(TIMEOUT)).isEqualTo(updated);
    }

    @Test
    void concurrentUpdatesAreEachAppliedOnce() {
        int updates = 12;

        Flux.range(0, updates)
                .flatMap(i -> context.updateState(state -> typed(state, "1")).subscribeOn(Schedulers.parallel()))
                .blockLast(TIMEOUT);

        SessionState state = context.state().block(TIMEOUT);
        assertThat(state.value().get("digits").asText()).isEqualTo("1".repeat(updates));
        assertThat(state.version()).isEqualTo(updates);
    }

    @Test
    void aChangeThatChangesNothingStoresNothing() {
        context.updateState(state -> typed(state, "1")).block(TIMEOUT);

        SessionState same = context.updateState(state -> state).block(TIMEOUT);

        assertThat(same.version()).isEqualTo(1);
        assertThat(store.readState("s1").block(TIMEOUT).version()).isEqualTo(1);
    }

    @Test
    void anUpdateThatKeepsLosingTheRaceGivesUpWithAClearError() {
        AtomicInteger applied = new AtomicInteger();

        // Every time the change runs, another writer stores a state first, so every compare-and-set conflicts.
        StepVerifier.create(context.updateState(state -> {
                    applied.incrementAndGet();
                    store.writeState("s1", SessionState.ANY_VERSION, digits("other")).block(TIMEOUT);
                    return typed(state, "1");
                }))
                .expectErrorSatisfies(e -> {
                    assertThat(e).isInstanceOf(IllegalStateException.class)
                            .hasMessage("the state of session s1 was changed by others 16 times in a row while "
                                    + "updating it; gave up");
                    assertThat(SessionStoreException.isStateConflict(e.getCause())).isTrue();
                })
                .verify(TIMEOUT);
        assertThat(applied).hasValue(ConversationContext.MAX_STATE_ATTEMPTS);
        assertThat(context.state().block(TIMEOUT).value()).isEqualTo(digits("other"));
    }

    @Test
    void aStateOverTheBoundFailsAtOnceAndStoresNothing() {
        AtomicInteger applied = new AtomicInteger();

        StepVerifier.create(context.updateState(state -> {
                    applied.incrementAndGet();
                    return typed(state, "9".repeat(64));
                }))
                .expectErrorMatches(SessionStoreException::isStateTooLarge)
                .verify(TIMEOUT);
        assertThat(applied).as("not retried").hasValue(1);
        assertThat(context.state().block(TIMEOUT)).isEqualTo(SessionState.initial());
    }

    @Test
    void aSessionThatIsGoneIsNotFound() {
        store.remove("s1").block(TIMEOUT);

        StepVerifier.create(context.updateState(state -> typed(state, "1")))
                .expectErrorMatches(SessionStoreException::isNotFound).verify(TIMEOUT);
        StepVerifier.create(context.state()).expectErrorMatches(SessionStoreException::isNotFound).verify(TIMEOUT);
    }
}
