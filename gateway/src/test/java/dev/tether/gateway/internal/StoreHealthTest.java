package dev.tether.gateway.internal;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.tether.gateway.InMemorySessionStore;
import dev.tether.gateway.testing.FaultyStore;
import dev.tether.protocol.UserMessage;
import dev.tether.protocol.session.ForwardingSessionStore;
import dev.tether.protocol.session.SessionRecord;
import dev.tether.protocol.session.SessionStore;
import dev.tether.protocol.session.SessionTokens;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;
import reactor.test.scheduler.VirtualTimeScheduler;

/** A store outage in the log: one line when it starts, one when it ends, and stack traces only for surprises. */
class StoreHealthTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(5);
    private static final String NODE = "test-node";

    private final VirtualTimeScheduler time = VirtualTimeScheduler.create();
    private final InMemorySessionStore memory = InMemorySessionStore.builder().scheduler(time).build();
    private final FaultyStore faults = new FaultyStore(memory);
    private final GatewayMetrics metrics = new GatewayMetrics(NODE);
    private final StoreHealth store = new StoreHealth(faults, time, metrics);
    private final ListAppender<ILoggingEvent> logged = new ListAppender<>();
    private final Logger healthLog = (Logger) LoggerFactory.getLogger(StoreHealth.class);
    private final Logger callerLog = (Logger) LoggerFactory.getLogger(StoreHealthTest.class);

    StoreHealthTest() {
        logged.start();
        healthLog.addAppender(logged);
        callerLog.addAppender(logged);
    }

    @AfterEach
    void close() {
        healthLog.detachAppender(logged);
        callerLog.detachAppender(logged);
        metrics.close();
        memory.close();
        time.dispose();
    }

    private String session() {
        String id = SessionTokens.newSessionId();
        memory.create(id, SessionTokens.digest(SessionTokens.newToken()), NODE).block(TIMEOUT);
        return id;
    }

    /** Stores a client message as a connection does, logging a failure as it does. */
    private void storeMessage(String id, long cseq) {
        store.appendClient(id, new UserMessage(cseq, "hi"), NODE, Duration.ofSeconds(30))
                .onErrorResume(e -> {
                    StoreHealth.log(callerLog, e, "could not store cseq {} of session {}", cseq, id);
                    return Mono.empty();
                })
                .block(TIMEOUT);
    }

    private List<String> warnings() {
        return logged.list.stream().filter(event -> event.getLevel().isGreaterOrEqual(Level.WARN))
                .map(ILoggingEvent::getFormattedMessage).toList();
    }

    @Test
    void anOutageIsLoggedOnceWhenItStartsAndOnceWhenItEndsWithItsCount() {
        String id = session();
        faults.failClientAppends(true);

        for (int i = 0; i < 100; i++) {
            storeMessage(id, 1);
        }
        time.advanceTimeBy(Duration.ofSeconds(10));
        faults.failClientAppends(false);
        storeMessage(id, 1);
        storeMessage(id, 2);

        assertThat(warnings()).hasSize(2);
        assertThat(warnings().get(0)).startsWith("session store unavailable: appendClient failed");
        assertThat(warnings().get(1))
                .isEqualTo("session store available again after 10.0 s: 100 calls failed meanwhile (0 not sent,"
                        + " 100 timed out or cut)");
        assertThat(logged.list).as("no stack traces").allMatch(event -> event.getThrowableProxy() == null);
        assertThat(metrics.scrape()).contains("tether_store_calls_failed_total{node=\"test-node\"} 100.0");
    }

    @Test
    void aCallInFlightWhenTheOutageBeganDoesNotEndIt() {
        String id = session();
        StoreHealth slowFinds = new StoreHealth(new ForwardingSessionStore() {
            @Override
            protected SessionStore delegate() {
                return faults;
            }

            @Override
            public Mono<SessionRecord> find(String sessionId) {
                return faults.find(sessionId).delayElement(Duration.ofSeconds(1), time);
            }
        }, time, metrics);
        faults.failClientAppends(true);
        // A call that started before the first failure and is answered after it.
        var earlier = slowFinds.find(id).toFuture();
        slowFinds.appendClient(id, new UserMessage(1, "hi"), NODE, Duration.ofSeconds(30))
                .onErrorResume(e -> Mono.empty()).block(TIMEOUT);

        time.advanceTimeBy(Duration.ofSeconds(1));

        assertThat(earlier).isCompleted();
        assertThat(warnings()).hasSize(1);
    }

    @Test
    void anUnexpectedFailureIsLoggedWithItsStackTrace() {
        StoreHealth.log(callerLog, new IllegalStateException("bug"), "could not store cseq {} of session {}", 1,
                "s");

        assertThat(logged.list).singleElement().satisfies(event -> {
            assertThat(event.getLevel()).isEqualTo(Level.WARN);
            assertThat(event.getFormattedMessage()).isEqualTo("could not store cseq 1 of session s");
            assertThat(event.getThrowableProxy().getMessage()).isEqualTo("bug");
        });
    }
}
