package dev.tether.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tether.gateway.testing.GatewayExtension;
import dev.tether.gateway.testing.RawHttp;
import dev.tether.gateway.testing.TestSocket;
import dev.tether.protocol.AssistantDone;
import dev.tether.protocol.Bye;
import dev.tether.protocol.Hello;
import dev.tether.protocol.UserMessage;
import dev.tether.protocol.Welcome;
import dev.tether.testkit.Eventually;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The Grafana dashboard in {@code deploy/} asks only for metrics a node really exports: each of its queries is read
 * and every metric name in it is looked up in a live node's {@code /metrics} after some traffic.
 */
class DashboardMetricsIT {

    private static final Path DASHBOARD = Path.of("..", "deploy", "grafana", "dashboards", "tether.json");
    private static final Pattern METRIC = Pattern.compile("\\b((?:tether|jvm|process|system)_[a-z0-9_]+)\\b");

    @RegisterExtension
    final GatewayExtension gateway = new GatewayExtension();

    @Test
    void everyMetricTheDashboardQueriesIsExported() throws IOException {
        // Some meters exist from their first use on: a store call, a close.
        TestSocket socket = gateway.connect();
        socket.send(Hello.fresh());
        socket.next(Welcome.class);
        socket.send(new UserMessage(1, "counted"));
        socket.nextMatching(AssistantDone.class, done -> true);
        socket.send(new Bye());
        socket.awaitClose();
        Eventually.await("the close counted", TestSocket.TIMEOUT,
                () -> scrape().contains("tether_connections_closed_total"));

        Set<String> exported = new TreeSet<>();
        for (String line : scrape().split("\n")) {
            if (!line.isBlank() && !line.startsWith("#")) {
                exported.add(line.split("[{ ]", 2)[0]);
            }
        }
        List<String> queries = queries(new ObjectMapper().readTree(DASHBOARD.toFile()));
        assertThat(queries).as("the dashboard's queries").hasSizeGreaterThan(10);
        for (String query : queries) {
            Matcher names = METRIC.matcher(query);
            List<String> named = new ArrayList<>();
            while (names.find()) {
                named.add(names.group(1));
            }
            assertThat(named).as("metrics named by " + query).isNotEmpty();
            assertThat(exported).as("exported metrics, for " + query).containsAll(named);
        }
    }

    private String scrape() {
        return RawHttp.get(gateway.gateway().port(), "/metrics").text();
    }

    private static List<String> queries(JsonNode node) {
        List<String> queries = new ArrayList<>();
        if (node.has("expr")) {
            queries.add(node.get("expr").asText());
        }
        node.forEach(child -> queries.addAll(queries(child)));
        return queries;
    }
}
