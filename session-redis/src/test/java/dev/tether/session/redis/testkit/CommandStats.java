package dev.tether.session.redis.testkit;

import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Calls per command from {@code INFO commandstats}. Redis counts the commands a Lua script calls as well as the
 * EVALSHA itself, so this tells the two apart: {@link #clientCalls()} is what clients sent (round trips),
 * {@link #totalCalls()} includes the commands run inside scripts.
 */
public record CommandStats(Map<String, Long> calls) {

    /** Commands only a client sends; everything else in the table ran inside a script. */
    private static final Set<String> CLIENT_COMMANDS = Set.of("evalsha", "eval", "ping", "ssubscribe",
            "sunsubscribe", "subscribe", "unsubscribe", "hello", "info", "hdel", "select", "quit");

    /** Resets the server's counters. */
    public static void reset(RedisServer server) {
        server.cli("CONFIG", "RESETSTAT");
    }

    /** Reads the server's counters. */
    public static CommandStats read(RedisServer server) {
        Map<String, Long> calls = new TreeMap<>();
        for (String line : server.cli("INFO", "commandstats").split("\r?\n")) {
            if (line.startsWith("cmdstat_")) {
                String name = line.substring("cmdstat_".length(), line.indexOf(':'));
                int at = line.indexOf("calls=") + "calls=".length();
                calls.put(name, Long.parseLong(line.substring(at, line.indexOf(',', at))));
            }
        }
        return new CommandStats(calls);
    }

    /** Everything the clients sent, without the commands the measurement itself sends. */
    public long clientCalls() {
        return calls.entrySet().stream()
                .filter(e -> CLIENT_COMMANDS.contains(e.getKey()) || e.getKey().startsWith("client|"))
                .filter(e -> !e.getKey().equals("info"))
                .mapToLong(Map.Entry::getValue).sum();
    }

    /** Every call the server counted, including those inside scripts, without the measurement's own. */
    public long totalCalls() {
        return calls.entrySet().stream()
                .filter(e -> !e.getKey().equals("info") && !e.getKey().startsWith("config|"))
                .mapToLong(Map.Entry::getValue).sum();
    }

    /** One line per command. */
    public String table() {
        StringBuilder out = new StringBuilder();
        calls.forEach((name, count) -> out.append(String.format("  %-22s %,10d%n", name, count)));
        return out.toString();
    }
}
