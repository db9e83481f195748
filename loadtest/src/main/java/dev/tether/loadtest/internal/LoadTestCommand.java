package dev.tether.loadtest.internal;

import dev.tether.loadtest.Fault;
import dev.tether.loadtest.Injection;
import dev.tether.loadtest.LoadTestOptions;
import dev.tether.loadtest.Scenario;
import dev.tether.protocol.Durations;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.TypeConversionException;

/** The load test's command line, parsed by picocli into {@link LoadTestOptions}; {@code --help} generated. */
@Command(name = "tether-loadtest", mixinStandardHelpOptions = true, sortOptions = false, abbreviateSynopsis = true,
        versionProvider = LoadTestCommand.Version.class, usageHelpWidth = 110,
        description = "Runs virtual Tether clients against gateways and checks that nothing is lost.",
        footerHeading = "%n",
        footer = {"Durations are written like 250ms, 3s, 5m or 1h.",
                "Exit code: 0 when every check passed, 1 on any loss, 2 on a usage error."})
final class LoadTestCommand {

    /** The environment variable read for the publish API key when {@code --api-key} is absent. */
    static final String API_KEY_ENV = "TETHER_API_KEY";

    /** Default event interval of the storm scenario, when a publish API is given: 200 ms. */
    static final Duration STORM_EVENT_INTERVAL = Duration.ofMillis(200);

    /**
     * What the command line asks for.
     *
     * @param options the run's options; null for help, version or compare
     * @param output  the help or version text to print; null otherwise
     * @param compare JSON reports to compare instead of running
     */
    record Invocation(LoadTestOptions options, String output, List<Path> compare) {
    }

    @Option(names = "--target", paramLabel = "ws://host:port/ws", split = ",",
            description = "a gateway or load balancer; repeat or comma-separate for several")
    private List<URI> targets = new ArrayList<>();

    @Option(names = "--embedded-gateways", paramLabel = "N",
            description = "start N gateways in this JVM (loopback, one shared memory store)")
    private Integer embeddedGateways;

    @Option(names = "--echo-delay", paramLabel = "DURATION",
            description = "pause between echoed words on embedded gateways (default 20ms)")
    private Duration echoDelay;

    @Option(names = "--scenario", paramLabel = "steady|storm|churn", description = "the scenario (default steady)")
    private String scenario = "steady";

    @Option(names = "--clients", paramLabel = "N", converter = WholeNumber.class,
            description = "virtual clients (default 100); 10_000 is read as 10000")
    private Long clients;

    @Option(names = "--inject", paramLabel = "at-once|ramp:<duration>|rate:<per-second>", converter = Inject.class,
            description = "arrival profile (default at-once)")
    private Injection inject;

    @Option(names = "--message-rate", paramLabel = "0.2/s", converter = PerSecond.class,
            description = "user messages per client per second (default 0.2)")
    private Double messageRate;

    @Option(names = "--duration", paramLabel = "DURATION", description = "how long the load is held after the injection")
    private Duration hold;

    @Option(names = "--lifetime", paramLabel = "DURATION", description = "each client closes after this (churn: 10s)")
    private Duration lifetime;

    @Option(names = "--drain-timeout", paramLabel = "DURATION",
            description = "longest wait for outstanding replies and events at the end")
    private Duration drainTimeout;

    @Option(names = "--jitter", paramLabel = "on|off|<0..1>", converter = Jitter.class,
            description = "client reconnect jitter (on = 0.3, the client's default)")
    private Double jitter;

    @Option(names = "--reconnect-base", paramLabel = "DURATION", description = "first reconnect backoff (default 1s)")
    private Duration reconnectBase;

    @Option(names = "--reconnect-max", paramLabel = "DURATION", description = "largest reconnect backoff (default 30s)")
    private Duration reconnectMax;

    @Option(names = "--reconnect-attempts", paramLabel = "N|unlimited", converter = Attempts.class,
            description = "reconnect attempts before a client gives up (default unlimited)")
    private Long reconnectAttempts;

    @Option(names = "--publish-url", paramLabel = "http://host:port", split = ",",
            description = "the publish API; repeat or comma-separate for several nodes")
    private List<URI> publishUrls = new ArrayList<>();

    @Option(names = "--api-key", paramLabel = "KEY", description = "bearer key (or " + API_KEY_ENV + "); with "
            + "embedded gateways alone it enables their API and the producer publishes to them")
    private String apiKey;

    @Option(names = "--event-interval", paramLabel = "DURATION",
            description = "one event per client per interval (storm's default 200ms)")
    private Duration eventInterval;

    @Option(names = "--producer-concurrency", paramLabel = "N",
            description = "publish requests in flight at once (default 256)")
    private Integer producerConcurrency;

    @Option(names = "--cut", paramLabel = "proxy|node|none", description = "cut every connection on the harness's "
            + "own proxy, or stop embedded node-1 (needs 2+ embedded gateways); storm's default proxy")
    private String cut;

    @Option(names = "--kill-pid", paramLabel = "PID", description = "kill -9 a gateway process")
    private Long killPid;

    @Option(names = "--kill-cmd", paramLabel = "CMD",
            description = "run a shell command, e.g. \"scripts/cluster.sh kill-node node-1\"")
    private String killCommand;

    @Option(names = "--cut-after", paramLabel = "DURATION", description = "when the fault happens, after the injection")
    private Duration cutAfter;

    @Option(names = "--results", paramLabel = "FOLDER",
            description = "reports go to a new subfolder: summary.txt, report.json, report.html")
    private Path results;

    @Option(names = "--compare-jitter", description = "run twice, with the jitter and with none, and compare")
    private boolean compareJitter;

    @Option(names = "--compare", paramLabel = "REPORT.json", arity = "2..*",
            description = "compare reports of earlier runs instead of running")
    private List<Path> compare = new ArrayList<>();

    @Option(names = "--allow-loss", description = "report the checks but exit 0 anyway")
    private boolean allowLoss;

    @Option(names = "--warmup", paramLabel = "N",
            description = "unmeasured clients connected, chatting and closed first (default 200)")
    private Integer warmup;

    @Option(names = "--quiet", description = "no progress lines")
    private boolean quiet;

    private LoadTestCommand() {
    }

    /**
     * Parses the arguments; {@code env} gives {@link #API_KEY_ENV}.
     *
     * @throws IllegalArgumentException naming the option and what it accepts
     */
    static Invocation parse(List<String> args, Map<String, String> env) {
        LoadTestCommand command = new LoadTestCommand();
        CommandLine commandLine = commandLine(command);
        try {
            commandLine.parseArgs(args.toArray(String[]::new));
        } catch (ParameterException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
        if (commandLine.isUsageHelpRequested()) {
            return new Invocation(null, commandLine.getUsageMessage(), List.of());
        }
        if (commandLine.isVersionHelpRequested()) {
            return new Invocation(null, "tether-loadtest " + Version.version() + System.lineSeparator(), List.of());
        }
        if (!command.compare.isEmpty()) {
            return new Invocation(null, null, List.copyOf(command.compare));
        }
        try {
            return new Invocation(command.options(env), null, List.of());
        } catch (IllegalStateException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
    }

    /** The help text. */
    static String usage() {
        return commandLine(new LoadTestCommand()).getUsageMessage();
    }

    private static CommandLine commandLine(LoadTestCommand command) {
        CommandLine commandLine = new CommandLine(command)
                .registerConverter(Duration.class, converter(Durations::parse));
        commandLine.setExpandAtFiles(false);
        return commandLine;
    }

    private LoadTestOptions options(Map<String, String> env) {
        Scenario.Builder builder = switch (scenario) {
            case "steady" -> Scenario.steady();
            case "storm" -> Scenario.storm();
            case "churn" -> Scenario.churn();
            default -> throw new IllegalArgumentException("--scenario must be steady, storm or churn, got " + scenario);
        };
        Optional.ofNullable(clients).ifPresent(builder::clients);
        Optional.ofNullable(inject).ifPresent(builder::inject);
        Optional.ofNullable(messageRate).ifPresent(builder::messageRate);
        Optional.ofNullable(hold).ifPresent(builder::hold);
        Optional.ofNullable(drainTimeout).ifPresent(builder::drainTimeout);
        Optional.ofNullable(lifetime).ifPresent(builder::lifetime);
        Optional.ofNullable(jitter).ifPresent(builder::reconnectJitter);
        builder.reconnectBackoff(Optional.ofNullable(reconnectBase).orElse(Scenario.DEFAULT_RECONNECT_BASE),
                Optional.ofNullable(reconnectMax).orElse(Scenario.DEFAULT_RECONNECT_MAX));
        Optional.ofNullable(reconnectAttempts).ifPresent(builder::reconnectAttempts);
        fault().ifPresent(builder::fault);
        Optional.ofNullable(cutAfter).ifPresent(after -> builder.fault(builder.build().fault(), after));
        builder.requireNoLoss(!allowLoss);
        if (eventInterval != null) {
            builder.events(eventInterval);
        } else if (scenario.equals("storm")) {
            builder.events(STORM_EVENT_INTERVAL);
        }

        LoadTestOptions.Builder options = LoadTestOptions.builder(builder.build());
        targets.forEach(options::target);
        publishUrls.forEach(options::publishUrl);
        options.apiKey(apiKey != null ? apiKey : env.get(API_KEY_ENV));
        Optional.ofNullable(embeddedGateways).ifPresent(options::embeddedGateways);
        Optional.ofNullable(echoDelay).ifPresent(options::echoDelay);
        Optional.ofNullable(results).ifPresent(options::results);
        Optional.ofNullable(producerConcurrency).ifPresent(options::producerConcurrency);
        Optional.ofNullable(warmup).ifPresent(options::warmupClients);
        return options.compareJitter(compareJitter).quiet(quiet).build();
    }

    private Optional<Fault> fault() {
        List<Fault> faults = new ArrayList<>();
        if (cut != null) {
            faults.add(switch (cut) {
                case "proxy" -> Fault.proxyCut();
                case "node" -> Fault.stopEmbeddedNode();
                case "none" -> Fault.none();
                default -> throw new IllegalArgumentException("--cut must be proxy, node or none, got " + cut);
            });
        }
        Optional.ofNullable(killPid).map(Fault::killPid).ifPresent(faults::add);
        Optional.ofNullable(killCommand).map(Fault::killCommand).ifPresent(faults::add);
        if (faults.size() > 1) {
            throw new IllegalArgumentException("give one fault: --cut, --kill-pid or --kill-cmd");
        }
        return faults.stream().findFirst();
    }

    /** A picocli converter whose error message is {@code read}'s own. */
    private static <T> ITypeConverter<T> converter(Function<String, T> read) {
        return text -> {
            try {
                return read.apply(text);
            } catch (IllegalArgumentException e) {
                throw new TypeConversionException(e.getMessage());
            }
        };
    }

    private static double number(String text) {
        try {
            return Double.parseDouble(text);
        } catch (NumberFormatException e) {
            throw new TypeConversionException("expected a number, got \"" + text + "\"");
        }
    }

    /** Whole numbers, with {@code _} allowed between digits. */
    static final class WholeNumber implements ITypeConverter<Long> {
        @Override
        public Long convert(String text) {
            try {
                return Long.parseLong(text.replace("_", ""));
            } catch (NumberFormatException e) {
                throw new TypeConversionException("expected a whole number, got \"" + text + "\"");
            }
        }
    }

    /** {@code N} or {@code unlimited}. */
    static final class Attempts implements ITypeConverter<Long> {
        @Override
        public Long convert(String text) {
            return text.equals("unlimited") ? Scenario.DEFAULT_RECONNECT_ATTEMPTS : new WholeNumber().convert(text);
        }
    }

    /** {@code 0.2} or {@code 0.2/s}. */
    static final class PerSecond implements ITypeConverter<Double> {
        @Override
        public Double convert(String text) {
            return number(text.endsWith("/s") ? text.substring(0, text.length() - 2) : text);
        }
    }

    /** {@code on} (the client's default jitter), {@code off} or a factor from 0 to 1. */
    static final class Jitter implements ITypeConverter<Double> {
        @Override
        public Double convert(String text) {
            return switch (text) {
                case "on" -> Scenario.DEFAULT_RECONNECT_JITTER;
                case "off" -> 0.0;
                default -> number(text);
            };
        }
    }

    /** {@link Injection#parse}. */
    static final class Inject implements ITypeConverter<Injection> {
        @Override
        public Injection convert(String text) {
            try {
                return Injection.parse(text);
            } catch (IllegalArgumentException e) {
                throw new TypeConversionException(e.getMessage());
            }
        }
    }

    /** This build's version, from the runnable jar's manifest. */
    static final class Version implements CommandLine.IVersionProvider {
        static String version() {
            return Optional.ofNullable(LoadTestCommand.class.getPackage().getImplementationVersion())
                    .orElse("(development build)");
        }

        @Override
        public String[] getVersion() {
            return new String[] {"tether-loadtest " + version()};
        }
    }
}
