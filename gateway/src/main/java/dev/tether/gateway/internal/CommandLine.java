package dev.tether.gateway.internal;

import dev.tether.gateway.GatewayConfig;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.function.BiConsumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The gateway's command line: {@code --flag value} or {@code --flag=value}, each flag also read from a
 * {@code TETHER_*} environment variable; a flag wins over its variable. May change without notice.
 */
public final class CommandLine {

    private static final Pattern DURATION = Pattern.compile("(\\d{1,12})(ms|s|m|h)");
    private static final String DURATION_FORM = "a duration like 20ms, 3s, 5m or 1h";

    private record Option(String flag, String valueName, String description, String defaultValue,
                          BiConsumer<GatewayConfig.Builder, String> apply) {
        String env() {
            return "TETHER_" + flag.toUpperCase(Locale.ROOT).replace('-', '_');
        }
    }

    private static final List<Option> OPTIONS = List.of(
            new Option("host", "HOST", "interface to bind", GatewayConfig.DEFAULT_HOST,
                    (b, v) -> b.host(v)),
            new Option("port", "PORT", "TCP port, 0 for any free port", "" + GatewayConfig.DEFAULT_PORT,
                    (b, v) -> b.port(integer(v))),
            new Option("path", "PATH", "WebSocket path", GatewayConfig.DEFAULT_PATH,
                    (b, v) -> b.path(v)),
            new Option("heartbeat", "DURATION", "ping interval; a silent connection is closed after 1.5x",
                    format(GatewayConfig.DEFAULT_HEARTBEAT), (b, v) -> b.heartbeat(duration(v))),
            new Option("grace", "DURATION", "how long a disconnected session is kept",
                    format(GatewayConfig.DEFAULT_GRACE), (b, v) -> b.grace(duration(v))),
            new Option("history", "FRAMES", "frames kept per session", "" + GatewayConfig.DEFAULT_HISTORY_FRAMES,
                    (b, v) -> b.historyFrames(integer(v))),
            new Option("history-age", "DURATION", "age limit of kept frames",
                    format(GatewayConfig.DEFAULT_HISTORY_MAX_AGE), (b, v) -> b.historyMaxAge(duration(v))),
            new Option("handler", "NAME", "conversation handler", GatewayConfig.DEFAULT_HANDLER,
                    (b, v) -> b.handler(v)),
            new Option("echo-delay", "DURATION", "pause before each word of the echo handler",
                    format(GatewayConfig.DEFAULT_ECHO_DELAY), (b, v) -> b.echoDelay(duration(v))),
            new Option("handshake-timeout", "DURATION", "time a new connection has to send hello",
                    format(GatewayConfig.DEFAULT_HANDSHAKE_TIMEOUT), (b, v) -> b.handshakeTimeout(duration(v))),
            new Option("max-frame", "BYTES", "largest accepted frame; larger closes with 1009",
                    "" + GatewayConfig.DEFAULT_MAX_FRAME_BYTES, (b, v) -> b.maxFrameBytes(integer(v))),
            new Option("node-id", "ID", "this node's id", "random", (b, v) -> b.nodeId(v)),
            new Option("store", "memory|redis", "session store", "memory", (b, v) -> b.store(store(v))),
            new Option("redis-uri", "URI", "Redis for --store redis: redis://host:port, or "
                    + "redis-cluster://host:port,host:port for a Redis Cluster", GatewayConfig.DEFAULT_REDIS_URI,
                    (b, v) -> b.redisUri(v)),
            new Option("redis-timeout", "DURATION", "timeout of one Redis command",
                    format(GatewayConfig.DEFAULT_REDIS_TIMEOUT), (b, v) -> b.redisTimeout(duration(v))),
            new Option("reply-lease", "DURATION", "lease on a reply being produced; a reply whose node died is "
                    + "ended interrupted after it", format(GatewayConfig.DEFAULT_REPLY_LEASE),
                    (b, v) -> b.replyLease(duration(v))),
            new Option("max-reply-pause", "DURATION", "how long a reply waits for an unreachable store before "
                    + "it ends failed", format(GatewayConfig.DEFAULT_MAX_REPLY_PAUSE),
                    (b, v) -> b.maxReplyPause(duration(v))),
            new Option("max-pending-frames", "FRAMES", "frames waiting to be written to one slow client before it "
                    + "is closed with 1013 (it resumes from the log)", "" + GatewayConfig.DEFAULT_MAX_PENDING_FRAMES,
                    (b, v) -> b.maxPendingFrames(integer(v))),
            new Option("max-handshakes", "COUNT", "handshakes in progress at once; more wait in a queue",
                    "" + GatewayConfig.DEFAULT_MAX_HANDSHAKES, (b, v) -> b.maxHandshakes(integer(v))),
            new Option("handshake-queue", "COUNT", "connections that may wait for a handshake place; more are "
                    + "refused with 1013 and a retry-after hint", "" + GatewayConfig.DEFAULT_HANDSHAKE_QUEUE,
                    (b, v) -> b.handshakeQueue(integer(v))),
            new Option("handshake-queue-wait", "DURATION", "longest wait for a handshake place before a refusal",
                    format(GatewayConfig.DEFAULT_HANDSHAKE_QUEUE_WAIT), (b, v) -> b.handshakeQueueWait(duration(v))),
            new Option("handshake-retry-after", "DURATION", "least retry-after hint of a refused handshake (each "
                    + "refusal hints between this and twice this)", format(GatewayConfig.DEFAULT_HANDSHAKE_RETRY_AFTER),
                    (b, v) -> b.handshakeRetryAfter(duration(v))),
            new Option("api-key", "KEY", "API key of POST /api/v1/sessions/{id}/events (the endpoint answers "
                    + "404 without one)", "none",
                    (b, v) -> b.apiKey(v)));

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

    /** Parses a duration written like {@code 20ms}, {@code 3s}, {@code 5m} or {@code 1h}. */
    static Duration duration(String value) {
        Matcher matcher = DURATION.matcher(value.trim());
        if (!matcher.matches()) {
            throw new IllegalArgumentException("expected " + DURATION_FORM + ", got \"" + value + "\"");
        }
        long amount = Long.parseLong(matcher.group(1));
        return switch (matcher.group(2)) {
            case "ms" -> Duration.ofMillis(amount);
            case "s" -> Duration.ofSeconds(amount);
            case "m" -> Duration.ofMinutes(amount);
            default -> Duration.ofHours(amount);
        };
    }

    /** Writes a duration the way {@link #duration(String)} reads it. */
    static String format(Duration duration) {
        long ms = duration.toMillis();
        if (ms % 3_600_000 == 0 && ms > 0) {
            return ms / 3_600_000 + "h";
        }
        if (ms % 60_000 == 0 && ms > 0) {
            return ms / 60_000 + "m";
        }
        if (ms % 1000 == 0 && ms > 0) {
            return ms / 1000 + "s";
        }
        return ms + "ms";
    }

    private static int integer(String value) {
        try {
            return Integer.parseInt(value.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("expected a whole number, got \"" + value + "\"");
        }
    }

    private static GatewayConfig.StoreKind store(String value) {
        return switch (value.trim().toLowerCase(Locale.ROOT)) {
            case "memory" -> GatewayConfig.StoreKind.MEMORY;
            case "redis" -> GatewayConfig.StoreKind.REDIS;
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
