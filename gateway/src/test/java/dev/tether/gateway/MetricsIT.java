package dev.tether.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tether.gateway.testing.GatewayExtension;
import dev.tether.gateway.testing.TestSocket;
import dev.tether.protocol.AssistantDone;
import dev.tether.protocol.Hello;
import dev.tether.protocol.Sequenced;
import dev.tether.protocol.ServerAck;
import dev.tether.protocol.UserMessage;
import dev.tether.protocol.Welcome;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import reactor.netty.http.client.HttpClient;

/** {@code GET /metrics}: what a node counts, read back in Prometheus' text format after real traffic. */
class MetricsIT {

    @RegisterExtension
    final GatewayExtension gateway = new GatewayExtension();

    private record Scrape(int status, String contentType, String body) {

        /** The value of the sample {@code name} whose labels include {@code labels} (e.g. {@code result="new"}). */
        double value(String name, String labels) {
            Matcher matcher = Pattern.compile("(?m)^" + Pattern.quote(name) + "\\{([^}]*)\\} (\\S+)$").matcher(body);
            while (matcher.find()) {
                if (matcher.group(1).contains(labels)) {
                    return Double.parseDouble(matcher.group(2));
                }
            }
            throw new AssertionError("no sample " + name + "{" + labels + "} in\n" + body);
        }
    }

    private Scrape scrape() {
        return get(gateway.gateway().port(), "/metrics");
    }

    private Scrape get(int port, String path) {
        return HttpClient.create()
                .get()
                .uri("http://127.0.0.1:" + port + path)
                .responseSingle((head, content) -> content.asString().defaultIfEmpty("")
                        .map(text -> new Scrape(head.status().code(),
                                head.responseHeaders().get("Content-Type"), text)))
                .block(TestSocket.TIMEOUT);
    }

    @Test
    void countsHandshakesMessagesRepliesAndCloses() {
        gateway.start(c -> c);
        TestSocket first = gateway.connect();
        first.send(Hello.fresh());
        Welcome welcome = first.next(Welcome.class);
        first.send(new UserMessage(1, "count me"));
        first.next(ServerAck.class);
        first.collectUntil(Sequenced.class, AssistantDone.class::isInstance);
        first.send(new UserMessage(1, "count me"));
        first.next(ServerAck.class);
        first.abort();

        TestSocket second = gateway.connect();
        second.send(Hello.resume(new Hello.Resume(welcome.sessionId(), welcome.token(), welcome.epoch(), 3)));
        assertThat(second.next(Welcome.class).resumed()).isTrue();
        TestSocket third = gateway.connect();
        third.send(Hello.resume(new Hello.Resume(welcome.sessionId(), "not-the-token", welcome.epoch(), 0)));
        assertThat(third.next(Welcome.class).resumed()).isFalse();

        Scrape scrape = scrape();

        assertThat(scrape.status()).isEqualTo(200);
        assertThat(scrape.contentType()).startsWith("text/plain; version=0.0.4");
        assertThat(scrape.value("tether_handshakes_total", "result=\"new\"")).isEqualTo(1);
        assertThat(scrape.value("tether_handshakes_total", "result=\"resumed\"")).isEqualTo(1);
        assertThat(scrape.value("tether_handshakes_total", "result=\"bad_token\"")).isEqualTo(1);
        assertThat(scrape.value("tether_handshake_seconds_count", "node=")).isEqualTo(3);
        assertThat(scrape.value("tether_client_messages_total", "outcome=\"stored\"")).isEqualTo(1);
        assertThat(scrape.value("tether_client_messages_total", "outcome=\"duplicate\"")).isEqualTo(1);
        assertThat(scrape.value("tether_replies_ended_total", "reason=\"complete\"")).isEqualTo(1);
        assertThat(scrape.value("tether_frames_sent_total", "node=")).as("two deltas and a done").isEqualTo(3);
        assertThat(scrape.value("tether_connections_closed_total", "code=\"1006\"")).as("the aborted one")
                .isEqualTo(1);
        assertThat(scrape.value("tether_connections", "node=")).isEqualTo(2);
        assertThat(scrape.value("tether_store_ready", "node=")).isEqualTo(1);
        assertThat(scrape.body()).contains("jvm_memory_used_bytes");
    }

    @Test
    void countsRefusedHandshakes() {
        gateway.start(c -> c);
        gateway.faults().notReady(true);

        assertThat(gateway.connect().awaitClose().code()).isEqualTo(1013);

        Scrape scrape = scrape();
        assertThat(scrape.value("tether_handshakes_refused_total", "reason=\"store_unavailable\"")).isEqualTo(1);
        assertThat(scrape.value("tether_store_ready", "node=")).isEqualTo(0);
    }

    @Test
    void withAManagementPortMetricsAreServedThereAndNoLongerOnThePublicPort() {
        GatewayHandle node = gateway.start(c -> c.server(o -> o.managementPort(0)));
        int management = node.managementPort().orElseThrow();

        Scrape there = get(management, "/metrics");
        Scrape health = get(management, "/health");
        Scrape publicMetrics = get(node.port(), "/metrics");
        Scrape publicHealth = get(node.port(), "/health");

        assertThat(management).isNotEqualTo(node.port());
        assertThat(there.status()).isEqualTo(200);
        assertThat(there.body()).contains("tether_connections{");
        assertThat(health.status()).isEqualTo(200);
        assertThat(publicMetrics.status()).as("not for the public").isEqualTo(404);
        assertThat(publicHealth.status()).as("the load balancer's check stays").isEqualTo(200);
    }

    @Test
    void withoutAManagementPortMetricsAreOnThePublicPort() {
        GatewayHandle node = gateway.start(c -> c);

        assertThat(node.managementPort()).isEmpty();
        assertThat(scrape().status()).isEqualTo(200);
    }
}
