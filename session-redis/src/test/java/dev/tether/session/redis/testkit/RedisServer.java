package dev.tether.session.redis.testkit;

import dev.tether.testkit.Eventually;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.IntSupplier;

/**
 * One Redis server for tests: either a {@code redis-server} process this class started from the PATH (which can be
 * killed with SIGKILL and restarted, empty, on the same port), or a server someone else runs.
 */
public final class RedisServer implements AutoCloseable {

    /** How long a started server may take to accept connections. */
    static final Duration START_TIMEOUT = Duration.ofSeconds(15);
    /** How many free ports {@link #startLocal} tries. */
    static final int START_ATTEMPTS = 3;

    private final String host;
    private final int port;
    private final Path dir;
    private final List<String> extraArgs;
    private final boolean managed;
    private final AutoCloseable external;
    private Process process;

    private RedisServer(String host, int port, Path dir, List<String> extraArgs, boolean managed,
                        AutoCloseable external) {
        this.host = host;
        this.port = port;
        this.dir = dir;
        this.extraArgs = extraArgs;
        this.managed = managed;
        this.external = external;
    }

    /** Whether {@code redis-server} can be run from the PATH. */
    public static boolean binaryAvailable() {
        return Executables.onPath("redis-server");
    }

    /**
     * Starts {@code redis-server} from the PATH on a free port, without persistence. The port is picked free and
     * released just before the start, so another process may take it first; a start that loses it is retried on
     * another port.
     */
    public static RedisServer startLocal(String... extraArgs) {
        return startLocal(Ports::free, extraArgs);
    }

    /** {@link #startLocal(String...)} on the ports {@code ports} gives, one per attempt. */
    static RedisServer startLocal(IntSupplier ports, String... extraArgs) {
        IllegalStateException last = null;
        for (int attempt = 0; attempt < START_ATTEMPTS; attempt++) {
            RedisServer server;
            try {
                server = new RedisServer("127.0.0.1", ports.getAsInt(), Files.createTempDirectory("tether-redis-"),
                        List.of(extraArgs), true, null);
            } catch (IOException e) {
                throw new IllegalStateException("cannot start redis-server", e);
            }
            try {
                server.start();
                return server;
            } catch (IllegalStateException | AssertionError e) {
                last = new IllegalStateException("redis-server did not start on port " + server.port, e);
                server.close();
            }
        }
        throw last;
    }

    /** A server that someone else runs, at {@code host:port}; it cannot be killed by the tests. */
    static RedisServer external(String host, int port, AutoCloseable onClose) {
        return new RedisServer(host, port, null, List.of(), false, onClose);
    }

    public String host() {
        return host;
    }

    public int port() {
        return port;
    }

    /** The server's URI for Lettuce. */
    public String uri() {
        return "redis://" + host + ":" + port;
    }

    /** Whether this server is a process the tests started, and so can kill and restart. */
    public boolean isManaged() {
        return managed;
    }

    synchronized void start() {
        List<String> command = new ArrayList<>(List.of("redis-server",
                "--port", Integer.toString(port),
                "--bind", "127.0.0.1",
                "--save", "",
                "--appendonly", "no",
                "--dir", dir.toString(),
                "--protected-mode", "no"));
        command.addAll(extraArgs);
        try {
            process = new ProcessBuilder(command)
                    .redirectErrorStream(true)
                    .redirectOutput(dir.resolve("redis-" + port + ".log").toFile())
                    .start();
            Process started = process;
            // A test JVM that dies without closing its servers must not leave them running.
            Runtime.getRuntime().addShutdownHook(new Thread(started::destroyForcibly, "redis-" + port + "-reaper"));
        } catch (IOException e) {
            throw new IllegalStateException("cannot run redis-server (is it on the PATH?)", e);
        }
        awaitListening();
    }

    /** Kills the process with SIGKILL: no shutdown, no goodbye to clients, nothing saved. */
    public synchronized void kill() {
        requireManaged("kill");
        if (process != null) {
            process.destroyForcibly();
            try {
                process.waitFor();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
            process = null;
        }
    }

    /** Freezes the process with SIGSTOP: connections stay open, nothing is answered. */
    public synchronized void pause() {
        signal("STOP");
    }

    /** Lets a {@link #pause() paused} process go on with SIGCONT. */
    public synchronized void resumeProcess() {
        signal("CONT");
    }

    private void signal(String name) {
        requireManaged(name);
        if (process == null) {
            throw new IllegalStateException("redis-server on port " + port + " is not running");
        }
        try {
            int exit = new ProcessBuilder("kill", "-" + name, Long.toString(process.pid())).start().waitFor();
            if (exit != 0) {
                throw new IllegalStateException("kill -" + name + " " + process.pid() + " exited " + exit);
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot signal redis-server", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Starts the killed server again on the same port; it comes back empty. */
    public synchronized void restart() {
        requireManaged("restart");
        if (process != null) {
            throw new IllegalStateException("redis-server on port " + port + " is still running");
        }
        start();
    }

    /** Deletes the server's data files (append-only file, snapshot), so that a restart comes back empty. */
    public synchronized void wipeData() {
        requireManaged("wipe");
        if (process != null) {
            throw new IllegalStateException("kill redis-server on port " + port + " before wiping its data");
        }
        try (var files = Files.walk(dir)) {
            files.sorted(java.util.Comparator.reverseOrder())
                    .filter(p -> !p.equals(dir) && !p.getFileName().toString().endsWith(".log"))
                    .forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            throw new IllegalStateException("cannot wipe " + dir, e);
        }
    }

    /** Whether the process is running. */
    public synchronized boolean isRunning() {
        return !managed || (process != null && process.isAlive());
    }

    private void requireManaged(String what) {
        if (!managed) {
            throw new IllegalStateException("cannot " + what + " a Redis the tests did not start (" + uri()
                    + "); fault tests need redis-server on the PATH");
        }
    }

    private void awaitListening() {
        Process started = process;
        Eventually.await("redis-server listening on " + port, START_TIMEOUT, () -> {
            if (!started.isAlive()) {
                throw new IllegalStateException("redis-server on port " + port + " exited with "
                        + started.exitValue() + ":\n" + logTail());
            }
            return answersAs(started.pid());
        });
    }

    /** Whether the server on the port is process {@code pid}: a lost port answers with someone else's server. */
    private boolean answersAs(long pid) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(host, port), 200);
            socket.setSoTimeout(1000);
            socket.getOutputStream().write("INFO server\r\nQUIT\r\n".getBytes(StandardCharsets.US_ASCII));
            String info = new String(socket.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
            return info.contains("process_id:" + pid + "\r\n");
        } catch (IOException notYet) {
            return false;
        }
    }

    private String logTail() {
        try {
            List<String> lines = Files.readAllLines(dir.resolve("redis-" + port + ".log"));
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 10), lines.size()));
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }

    @Override
    public synchronized void close() {
        if (managed) {
            kill();
            wipeData();
            try (var files = Files.walk(dir)) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            } catch (IOException e) {
                // Only the log of a temporary directory is left behind.
            }
        } else if (external != null) {
            try {
                external.close();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }
    }

    @Override
    public String toString() {
        return "RedisServer[" + uri() + (managed ? ", started by the tests" : "") + "]";
    }

    /** Runs {@code redis-cli} against this server and returns its output. */
    public String cli(String... args) {
        return Executables.run(Objects.requireNonNull(host), port, args);
    }
}
