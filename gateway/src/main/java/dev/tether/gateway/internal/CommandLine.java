package dev.tether.gateway.internal;

import dev.tether.gateway.AdmissionOptions;
import dev.tether.gateway.ConnectionOptions;
import dev.tether.gateway.GatewayConfig;
import dev.tether.gateway.HandlerOptions;
import dev.tether.gateway.PushApiOptions;
import dev.tether.gateway.ReplyOptions;
import dev.tether.gateway.ServerOptions;
import dev.tether.gateway.StoreOptions;
import dev.tether.protocol.Durations;
import dev.tether.protocol.session.SessionLimits;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.function.BiConsumer;

/**
 * The gateway's command line: {@code --flag value} or {@code --flag=value}, each flag also read from a
 * {@code TETHER_*} environment variable; a flag wins over its variable. May change without notice.
 */
public final class CommandLine {

    private record Option(String flag, String valueName, String description, String defaultValue,
                          BiConsumer<GatewayConfig.Builder, String> apply) {
        String env() {
            return "TETHER_" + flag.toUpperCase(Locale.ROOT).replace('-', '_');
        }
    }

    private static final List<Option> OPTIONS = List.of(
            new Option("host", "HOST", "interface to bind", ServerOptions.DEFAULT_HOST,
                    (b, v) -> b.server(o -> o.host(v))),
            new Option("port", "PORT", "TCP port, 0 for any free port", "" + ServerOptions.DEFAULT_PORT,
                    (b, v) -> b.server(o -> o.port(integer(v)))),
            new Option("path", "PATH", "WebSocket path", ServerOptions.DEFAULT_PATH,
                    (b, v) -> b.server(o -> o.path(v))),
            new Option("heartbeat", "DURATION", "ping interval; a silent connection is closed after 1.5x",
                    format(ConnectionOptions.DEFAULT_HEARTBEAT), (b, v) -> b.connections(o -> o.heartbeat(duration(v)))),
            new Option("grace", "DURATION", "how long a disconnected session is kept",
                    format(SessionLimits.DEFAULT_GRACE), (b, v) -> b.sessionLimits(o -> o.grace(duration(v)))),
            new Option("history", "FRAMES", "frames kept per session", "" + SessionLimits.DEFAULT_HISTORY_FRAMES,
                    (b, v) -> b.sessionLimits(o -> o.historyFrames(integer(v)))),
            new Option("history-age", "DURATION", "age limit of kept frames",
                    format(SessionLimits.DEFAULT_HISTORY_MAX_AGE), (b, v) -> b.sessionLimits(o -> o.historyMaxAge(duration(v)))),
            new Option("handler", "NAME", "conversation handler", HandlerOptions.DEFAULT_NAME,
                    (b, v) -> b.handler(o -> o.name(v))),
            new Option("echo-delay", "DURATION", "pause before each word of the echo handler",
                    format(HandlerOptions.DEFAULT_ECHO_DELAY), (b, v) -> b.handler(o -> o.echoDelay(duration(v)))),
            new Option("handshake-timeout", "DURATION", "time a new connection has to send hello",
                    format(ConnectionOptions.DEFAULT_HANDSHAKE_TIMEOUT), (b, v) -> b.connections(o -> o.handshakeTimeout(duration(v)))),
            new Option("max-frame", "BYTES", "largest accepted frame; larger closes with 1009",
                    "" + ConnectionOptions.DEFAULT_MAX_FRAME_BYTES, (b, v) -> b.connections(o -> o.maxFrameBytes(integer(v)))),
            new Option("node-id", "ID", "this node's id", "random", (b, v) -> b.server(o -> o.nodeId(v))),
            new Option("store", "memory|redis", "session store", "memory", (b, v) -> b.store(o -> o.kind(store(v)))),
            new Option("redis-uri", "URI", "Redis for --store redis: redis://host:port, or "
                    + "redis-cluster://host:port,host:port for a Redis Cluster", StoreOptions.DEFAULT_REDIS_URI,
                    (b, v) -> b.store(o -> o.redisUri(v))),
            new Option("redis-timeout", "DURATION", "timeout of one Redis command",
                    format(StoreOptions.DEFAULT_REDIS_TIMEOUT), (b, v) -> b.store(o -> o.redisTimeout(duration(v)))),
            new Option("reply-lease", "DURATION", "lease on a reply being produced; a reply whose node died is "
                    + "ended interrupted after it", format(ReplyOptions.DEFAULT_LEASE),
                    (b, v) -> b.replies(o -> o.lease(duration(v)))),
            new Option("max-reply-pause", "DURATION", "how long a reply waits for an unreachable store before "
                    + "it ends failed", format(ReplyOptions.DEFAULT_MAX_PAUSE),
                    (b, v) -> b.replies(o -> o.maxPause(duration(v)))),
            new Option("max-pending-frames", "FRAMES", "frames waiting to be written to one slow client before it "
                    + "is closed with 1013 (it resumes from the log)", "" + ConnectionOptions.DEFAULT_MAX_PENDING_FRAMES,
                    (b, v) -> b.connections(o -> o.maxPendingFrames(integer(v)))),
            new Option("max-handshakes", "COUNT", "handshakes in progress at once; more wait in a queue",
                    "" + AdmissionOptions.DEFAULT_MAX_HANDSHAKES, (b, v) -> b.admission(o -> o.maxHandshakes(integer(v)))),
            new Option("handshake-queue", "COUNT", "connections that may wait for a handshake place; more are "
                    + "refused with 1013 and a retry-after hint", "" + AdmissionOptions.DEFAULT_HANDSHAKE_QUEUE,
                    (b, v) -> b.admission(o -> o.handshakeQueue(integer(v)))),
            new Option("handshake-queue-wait", "DURATION", "longest wait for a handshake place before a refusal",
                    format(AdmissionOptions.DEFAULT_HANDSHAKE_QUEUE_WAIT), (b, v) -> b.admission(o -> o.handshakeQueueWait(duration(v)))),
            new Option("handshake-retry-after", "DURATION", "least retry-after hint of a refused handshake (each "
                    + "refusal hints between this and twice this)", format(AdmissionOptions.DEFAULT_HANDSHAKE_RETRY_AFTER),
                    (b, v) -> b.admission(o -> o.handshakeRetryAfter(duration(v)))),
            new Option("api-key", "KEY", "API key of POST /api/v1/sessions/{id}/events (the endpoint answers "
                    + "404 without one)", "none",
                    (b, v) -> b.pushApi(PushApiOptions.withApiKey(v))));

    private final boolean help;
    private final GatewayConfig config;

    private CommandLine(boolean help, GatewayConfig config) {
        this.help = help;
        this.config = config;
    }

    /** Whether {@code --help} was asked for; then {@link #config()} is null. */
    public boolean helpRequested() {
        return help;
    }

    /** The configuration the flags and environment make. */
    public GatewayConfig config() {
        return config;
    }

    /**
     * Parses flags over environment variables over defaults.
     *
     * @throws IllegalArgumentException naming the flag or variable and the accepted form
     */
    public static CommandLine parse(List<String> args, Map<String, String> env) {
        Objects.requireNonNull(args, "args");
        Objects.requireNonNull(env, "env");
        GatewayConfig.Builder builder = GatewayConfig.builder();
        for (Option option : OPTIONS) {
            String value = env.get(option.env());
            if (value != null && !value.isEmpty()) {
                apply(builder, option, value, option.env());
            }
        }
        for (int i = 0; i < args.size(); i++) {
            String arg = args.get(i);
            if (arg.equals("--help") || arg.equals("-h")) {
                return new CommandLine(true, null);
            }
            if (!arg.startsWith("--")) {
                throw new IllegalArgumentException("unexpected argument \"" + arg + "\"; flags look like --port 8787");
            }
            String name = arg.substring(2);
            String value = null;
            int equals = name.indexOf('=');
            if (equals >= 0) {
                value = name.substring(equals + 1);
                name = name.substring(0, equals);
            }
            Option option = find(name);
            if (value == null) {
                if (i + 1 >= args.size() || args.get(i + 1).startsWith("--")) {
                    throw new IllegalArgumentException("--" + name + " needs a value: --" + name + " "
                            + option.valueName());
                }
                value = args.get(++i);
            }
            apply(builder, option, value, "--" + name);
        }
        return new CommandLine(false, builder.build());
    }

    /** The {@code --help} text: every flag with its variable and default. */
    public static String usage() {
        StringBuilder text = new StringBuilder("""
                Usage: java -jar tether-gateway.jar [flags]

                Runs a Tether gateway: a WebSocket server whose sessions survive reconnects.
                Every flag can also be set with its environment variable; a flag wins.
                Durations are written like 20ms, 3s, 5m or 1h.

                """);
        for (Option option : OPTIONS) {
            String left = "  --" + option.flag() + " " + option.valueName();
            text.append(String.format(Locale.ROOT, "%-32s %s%n%-32s env %s, default %s%n", left,
                    option.description(), "", option.env(), option.defaultValue()));
        }
        text.append(String.format(Locale.ROOT, "%-32s %s%n", "  --help", "print this and exit"));
        return text.toString();
    }

    private static Duration duration(String value) {
        return Durations.parse(value);
    }

    private static String format(Duration duration) {
        return Durations.format(duration);
    }

    private static int integer(String value) {
        try {
            return Integer.parseInt(value.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("expected a whole number, got \"" + value + "\"");
        }
    }

    private static StoreOptions.Kind store(String value) {
        return switch (value.trim().toLowerCase(Locale.ROOT)) {
            case "memory" -> StoreOptions.Kind.MEMORY;
            case "redis" -> StoreOptions.Kind.REDIS;
            default -> throw new IllegalArgumentException("expected memory or redis, got \"" + value + "\"");
        };
    }

    private static Option find(String name) {
        for (Option option : OPTIONS) {
            if (option.flag().equals(name)) {
                return option;
            }
        }
        throw new IllegalArgumentException("unknown flag --" + name + "; see --help");
    }

    private static void apply(GatewayConfig.Builder builder, Option option, String value, String source) {
        try {
            option.apply().accept(builder, value);
        } catch (IllegalArgumentException e) {
            // The API key is a credential: its value never appears in a message.
            String message = option.flag().equals("api-key") ? e.getMessage().replace(value, "***") : e.getMessage();
            throw new IllegalArgumentException(source + ": " + message, e);
        }
    }
}
