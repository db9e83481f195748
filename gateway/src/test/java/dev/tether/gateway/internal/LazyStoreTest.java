package dev.tether.gateway.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tether.gateway.InMemorySessionStore;
import dev.tether.gateway.InMemorySessionStoreTest;
import dev.tether.protocol.session.SessionLimits;
import dev.tether.protocol.session.SessionStore;
import dev.tether.protocol.session.SessionStoreException;
import dev.tether.protocol.session.SessionTokens;
import dev.tether.testkit.Eventually;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;
import reactor.test.StepVerifier;

/**
 * The in-memory store's tests through a connected {@link LazyStore}, so that every operation must be forwarded
 * intact, and what the lazy store itself promises.
 */
class LazyStoreTest extends InMemorySessionStoreTest {

    @Override
    protected SessionStore createStore(SessionLimits limits) {
        LazyStore lazy = new LazyStore("memory", () -> super.createStore(limits));
        Eventually.await("connected", TIMEOUT, lazy::isReady);
        return lazy;
    }

    @Test
    void failsOperationsAsNotAppliedUntilConnected() {
        CountDownLatch connect = new CountDownLatch(1);
        try (LazyStore lazy = new LazyStore("memory", () -> {
            connect.await();
            return InMemorySessionStore.builder().build();
        })) {
            assertThat(lazy.isReady()).isFalse();
            StepVerifier.create(lazy.create("s1", SessionTokens.digest("t"), "n"))
                    .expectErrorSatisfies(e -> assertThat(SessionStoreException.isNotApplied(e)).isTrue())
                    .verify(TIMEOUT);
            StepVerifier.create(lazy.read("s1", 0))
                    .expectErrorSatisfies(e -> assertThat(SessionStoreException.isNotApplied(e)).isTrue())
                    .verify(TIMEOUT);

            connect.countDown();
            Eventually.await("connected", TIMEOUT, lazy::isReady);
            StepVerifier.create(lazy.create("s1", SessionTokens.digest("t"), "n"))
                    .expectNextCount(1)
                    .expectComplete()
                    .verify(TIMEOUT);
        }
    }
}
