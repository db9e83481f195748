package dev.tether.loadtest.internal;

import dev.tether.loadtest.Durations;
import dev.tether.loadtest.Fault;
import dev.tether.loadtest.Injection;
import dev.tether.loadtest.LoadTestOptions;
import dev.tether.loadtest.Scenario;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Parses the load test's command line into {@link LoadTestOptions}. */
final class CommandLine {

    /** The environment variable read for the publish API key when {@code --api-key} is absent. */
    static final String API_KEY_ENV = "TETHER_API_KEY";

    /** Default event interval of the storm scenario, when a publish API is given: 200 ms. */
    static final Duration STORM_EVENT_INTERVAL = Duration.ofMillis(200);

    private static final List<String> FLAGS = List.of("--scenario", "--clients", "--inject", "--message-rate",
            "--duration", "--jitter", "--reconnect-base", "--reconnect-max", "--reconnect-attempts", "--target",
            "--embedded-gateways", "--echo-delay", "--publish-url", "--api-key", "--event-interval", "--cut",
            "--cut-after", "--kill-pid", "--kill-cmd", "--lifetime", "--drain-timeout", "--results",
            "--producer-concurrency", "--compare", "--warmup");
    private static final List<String> SWITCHES = List.of("--compare-jitter", "--quiet", "--help", "-h",
            "--allow-loss");

    /**
     * What the command line asks for.
     *
     * @param options the run's options; {@code null} for help or compare
     * @param help    whether {@code --help} was given
     * @param compare JSON reports to compare instead of running
     */
    record Invocation(LoadTestOptions options, boolean help, List<Path> compare) {
    }

    private CommandLine() {
    }

    static Invocation parse(List<String> args, Map<String, String> env) {
        Map<String, List<String>> values = new LinkedHashMap<>();
        for (int i = 0; i < args.size(); i++) {
            String arg = args.get(i);
            String value = null;
            int eq = arg.indexOf('=');
            if (arg.startsWith("--") && eq > 0) {
                value = arg.substring(eq + 1);
                arg = arg.substring(0, eq);
            }
            if (SWITCHES.contains(arg)) {
                if (value != null) {
                    throw new IllegalArgumentException(arg + " takes no value");
                }
                values.computeIfAbsent(arg, k -> new ArrayList<>()).add("true");
                continue;
            }
            if (!FLAGS.contains(arg)) {
                throw new IllegalArgumentException("unknown option " + arg);
            }
            if (value == null) {
                if (i + 1 >= args.size()) {
                    throw new IllegalArgumentException(arg + " needs a value");
                }
                value = args.get(++i);
            }
            values.computeIfAbsent(arg, k -> new ArrayList<>()).add(value);
            if (arg.equals("--compare") && i + 1 < args.size() && !args.get(i + 1).startsWith("--")) {
                values.get(arg).add(args.get(++i));
            }
        }
        if (values.containsKey("--help") || values.containsKey("-h")) {
            return new Invocation(null, true, List.of());
        }
        if (values.containsKey("--compare")) {
            List<Path> files = values.get("--compare").stream().map(Path::of).toList();
            if (files.size() < 2) {
                throw new IllegalArgumentException("--compare needs two or more report.json files");
            }
            return new Invocation(null, false, files);
        }

        String name = last(values, "--scenario", "steady");
        Scenario.Builder scenario = switch (name) {
            case "steady" -> Scenario.steady();
            case "storm" -> Scenario.storm();
            case "churn" -> Scenario.churn();
            default -> throw new IllegalArgumentException("--scenario must be steady, storm or churn, got " + name);
        };
        String clients = last(values, "--clients", null);
        if (clients != null) {
            scenario.clients(parseLong("--clients", clients));
        }
        String inject = last(values, "--inject", null);
        if (inject != null) {
            scenario.inject(Injection.parse(inject));
        }
        String rate = last(values, "--message-rate", null);
        if (rate != null) {
            scenario.messageRate(parseRate(rate));
        }
        duration(values, "--duration").ifPresent(scenario::hold);
        duration(values, "--drain-timeout").ifPresent(scenario::drainTimeout);
        duration(values, "--lifetime").ifPresent(scenario::lifetime);
        String jitter = last(values, "--jitter", null);
        if (jitter != null) {
            scenario.reconnectJitter(switch (jitter) {
                case "on" -> Scenario.DEFAULT_RECONNECT_JITTER;
                case "off" -> 0.0;
                default -> parseDouble("--jitter", jitter);
            });
        }
        Duration base = duration(values, "--reconnect-base").orElse(Scenario.DEFAULT_RECONNECT_BASE);
        Duration max = duration(values, "--reconnect-max").orElse(Scenario.DEFAULT_RECONNECT_MAX);
        scenario.reconnectBackoff(base, max);
        String attempts = last(values, "--reconnect-attempts", null);
        if (attempts != null) {
            scenario.reconnectAttempts(attempts.equals("unlimited") ? Scenario.DEFAULT_RECONNECT_ATTEMPTS
                    : parseLong("--reconnect-attempts", attempts));
        }

        List<Fault> faults = new ArrayList<>();
        String cut = last(values, "--cut", null);
        if (cut != null) {
            faults.add(switch (cut) {
                case "proxy" -> Fault.proxyCut();
                case "node" -> Fault.stopEmbeddedNode();
                case "none" -> Fault.none();
                default -> throw new IllegalArgumentException("--cut must be proxy, node or none, got " + cut);
            });
        }
        String pid = last(values, "--kill-pid", null);
        if (pid != null) {
            faults.add(Fault.killPid(parseLong("--kill-pid", pid)));
        }
        String command = last(values, "--kill-cmd", null);
        if (command != null) {
            faults.add(Fault.killCommand(command));
        }
        if (faults.size() > 1) {
            throw new IllegalArgumentException("give one fault: --cut, --kill-pid or --kill-cmd");
        }
        if (!faults.isEmpty()) {
            scenario.fault(faults.getFirst());
        }
        duration(values, "--cut-after").ifPresent(after -> scenario.fault(scenario.build().fault(), after));
        if (values.containsKey("--allow-loss")) {
            scenario.requireNoLoss(false);
        }

        String apiKey = last(values, "--api-key", env.get(API_KEY_ENV));
        List<URI> publish = list(values, "--publish-url").stream().map(URI::create).toList();
        duration(values, "--event-interval").ifPresent(scenario::events);
        if (name.equals("storm") && !values.containsKey("--event-interval")) {
            scenario.events(STORM_EVENT_INTERVAL);
        }

        LoadTestOptions.Builder options = LoadTestOptions.builder(scenario.build());
        list(values, "--target").forEach(target -> options.target(URI.create(target)));
        publish.forEach(options::publishUrl);
        options.apiKey(apiKey);
        String embedded = last(values, "--embedded-gateways", null);
        if (embedded != null) {
            options.embeddedGateways((int) parseLong("--embedded-gateways", embedded));
        }
        duration(values, "--echo-delay").ifPresent(options::echoDelay);
        String results = last(values, "--results", null);
        if (results != null) {
            options.results(Path.of(results));
        }
        String concurrency = last(values, "--producer-concurrency", null);
        if (concurrency != null) {
            options.producerConcurrency((int) parseLong("--producer-concurrency", concurrency));
        }
        String warmup = last(values, "--warmup", null);
        if (warmup != null) {
            options.warmupClients((int) parseLong("--warmup", warmup));
        }
        options.compareJitter(values.containsKey("--compare-jitter"));
        options.quiet(values.containsKey("--quiet"));
        try {
            return new Invocation(options.build(), false, List.of());
        } catch (IllegalStateException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
    }

    static String usage() {
        return """
                Usage: LoadTest [options]
                  Runs virtual Tether clients against gateways and checks that nothing is lost.

                Where:
                  --target ws://host:port/ws     a gateway or load balancer; repeat or comma-separate for several
                  --embedded-gateways N          start N gateways in this JVM (loopback, one shared memory store)
                  --echo-delay 20ms              pause between echoed words on embedded gateways
                Scenario:
                  --scenario steady|storm|churn  default steady
                  --clients N                    virtual clients (default 100)
                  --inject at-once|ramp:<duration>|rate:<per-second>   arrival profile (default at-once)
                  --message-rate 0.2/s           user messages per client per second (default 0.2)
                  --duration 30s                 how long the load is held after the injection
                  --lifetime 10s                 each client closes after this (churn's default 10s)
                  --drain-timeout 60s            longest wait for outstanding replies and events at the end
                  --jitter on|off|<0..1>         client reconnect jitter (on = 0.3, the client's default)
                  --reconnect-base 1s --reconnect-max 30s --reconnect-attempts N|unlimited
                Events (the producer):
                  --publish-url http://host:port the publish API; repeat or comma-separate for several nodes
                  --api-key KEY                  bearer key (or TETHER_API_KEY); with embedded gateways alone it
                                                 enables their API and the producer publishes to them
                  --event-interval 200ms         one event per client per interval (storm's default 200ms)
                  --producer-concurrency 256     publish requests in flight at once
                Faults (storm's default: --cut proxy):
                  --cut proxy|node|none          cut every connection on the harness's own proxy, or stop embedded
                                                 node-1 (needs 2+ embedded gateways)
                  --kill-pid PID                 kill -9 a gateway process
                  --kill-cmd "CMD"               run a shell command, e.g. "scripts/cluster.sh kill-node node-1"
                  --cut-after 10s                when, after the injection
                Output:
                  --results results/             reports go to a new subfolder: summary.txt, report.json, report.html
                  --compare-jitter               run twice, with the jitter and with none, and compare
                  --compare A.json B.json        compare reports of earlier runs
                  --allow-loss                   report the checks but exit 0 anyway
                  --warmup 200                   unmeasured clients connected, chatting and closed first
                  --quiet                        no progress lines
                Exit code: 0 when every check passed, 1 on any loss, 2 on a usage error.
                """;
    }

    private static String last(Map<String, List<String>> values, String flag, String fallback) {
        List<String> list = values.get(flag);
        return list == null ? fallback : list.getLast();
    }

    private static List<String> list(Map<String, List<String>> values, String flag) {
        List<String> all = new ArrayList<>();
        for (String value : values.getOrDefault(flag, List.of())) {
            for (String part : value.split(",")) {
                if (!part.isBlank()) {
                    all.add(part.trim());
                }
            }
        }
        return all;
    }

    private static java.util.Optional<Duration> duration(Map<String, List<String>> values, String flag) {
        String value = last(values, flag, null);
        return value == null ? java.util.Optional.empty() : java.util.Optional.of(Durations.parse(flag, value));
    }

    private static long parseLong(String flag, String value) {
        try {
            return Long.parseLong(value.replace("_", ""));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(flag + " must be a whole number, got " + value, e);
        }
    }

    private static double parseDouble(String flag, String value) {
        try {
            return Double.parseDouble(value);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(flag + " must be a number, got " + value, e);
        }
    }

    static double parseRate(String value) {
        String number = value.endsWith("/s") ? value.substring(0, value.length() - 2) : value;
        return parseDouble("--message-rate", number);
    }
}
