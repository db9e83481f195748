package dev.tether.e2e.fuzz;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.tether.gateway.GatewayConfig;
import dev.tether.gateway.GatewayHandle;
import dev.tether.gateway.InMemorySessionStore;
import dev.tether.gateway.TetherGateway;
import dev.tether.gateway.testing.RawWebSocket;
import dev.tether.protocol.CloseCode;
import dev.tether.protocol.ErrorFrame;
import dev.tether.protocol.FrameCodec;
import dev.tether.protocol.FrameException;
import dev.tether.protocol.Pong;
import dev.tether.protocol.Protocol;
import dev.tether.protocol.ServerFrame;
import dev.tether.protocol.Welcome;
import dev.tether.testkit.HostileFrames;
import java.io.EOFException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.LoggerFactory;

/**
 * A fuzz run against a real gateway: hostile connections send frames from a seeded generator and hand-made RFC 6455
 * frames with bad bits, while bystander sessions chat with the real client. Tallies what the gateway answered to
 * each attack and every violation of the rules: an attack is answered with error frames or a close code from the
 * {@link CloseCode} table, nothing escapes to the gateway's log as an error, and bystanders get every reply complete,
 * exactly once.
 */
final class LiveFuzz {

    /** What one hostile frame tries, and how often (weights). */
    enum Attack {
        /** A frame from {@link HostileFrames}: mutations, wrong types, deep nesting, long strings... */
        HOSTILE_JSON(60, false),
        /** {@code hello} again on a connection that has done its handshake. */
        SECOND_HELLO(3, false),
        /** An {@code ack} of a {@code seq} the gateway never sent. */
        ACK_OF_THE_FUTURE(3, false),
        /** A {@code cancel} of a reply that does not exist. */
        CANCEL_UNKNOWN_REPLY(3, false),
        /** A binary frame of random bytes. */
        BINARY(3, false),
        /** A text frame that is not valid UTF-8. */
        INVALID_UTF8_TEXT(3, true),
        /** A binary frame that is not valid UTF-8. */
        INVALID_UTF8_BINARY(2, false),
        /** A text frame larger than the frame limit. */
        OVERSIZED(2, true),
        /** A text frame with RSV bits set, though no extension was negotiated. */
        RSV_BITS(3, true),
        /** A reserved opcode. */
        RESERVED_OPCODE(3, true),
        /** A frame without the mask every client frame must carry. */
        UNMASKED(2, true),
        /** A continuation frame with no message to continue. */
        LONE_CONTINUATION(2, true),
        /** A ping fragmented, or longer than the 125 bytes a control frame may carry. */
        BAD_CONTROL_FRAME(2, true),
        /** A close frame with a code no endpoint may send (999, 1004, 1005, 1006, 1015, 5000) or a bad reason. */
        BAD_CLOSE(2, true),
        /** A WebSocket ping: must be answered with a pong. */
        WEBSOCKET_PING(3, false),
        /** An unsolicited WebSocket pong: allowed by RFC 6455, must be ignored. */
        WEBSOCKET_PONG(3, false),
        /** The first fragment of a text message, never finished: the next frame interrupts it. */
        UNFINISHED_FRAGMENTS(2, true),
        /** Random bytes straight after the upgrade or between frames. */
        RANDOM_BYTES(1, true);

        final int weight;
        /** Whether RFC 6455 says the gateway must fail the connection (close it) for this. */
        final boolean failsTheConnection;

        Attack(int weight, boolean failsTheConnection) {
            this.weight = weight;
            this.failsTheConnection = failsTheConnection;
        }
    }

    /**
     * Attacks left out because the fault they find is not fixed yet, each with its finding; empty when every
     * invariant holds. Never add to this to make a run pass: fix the fault.
     */
    static final Map<Attack, String> KNOWN_OPEN = Map.of();

    /** Generator cases of {@link Attack#HOSTILE_JSON} left out for the same reason. */
    static final Map<HostileFrames.Kind, String> KNOWN_OPEN_FRAMES = Map.of();

    /** The figures of a run. */
    record Report(long seed, int framesSent, int connections, Map<String, Integer> outcomes,
                  Map<String, Map<String, Integer>> outcomesByAttack, Map<String, String> violations,
                  int bystanderMessages, int bystanderLosses, int bystanderReconnects, long heapBeforeBytes,
                  long heapAfterBytes, Duration took) {

        String summary() {
            return String.format("live fuzz: seed %d, %d hostile frames on %d connections in %d s; outcomes %s; "
                            + "bystanders: %d messages, %d replies lost or incomplete, %d reconnects; heap after GC "
                            + "%.1f MiB before, %.1f MiB after; %d sorts of violation%s",
                    seed, framesSent, connections, took.toSeconds(), outcomes, bystanderMessages, bystanderLosses,
                    bystanderReconnects, heapBeforeBytes / 1048576.0, heapAfterBytes / 1048576.0, violations.size(),
                    violations.isEmpty() ? "" : ": " + violations);
        }
    }

    private static final Duration ANSWER_TIMEOUT = Duration.ofSeconds(8);
    private static final Duration TIMEOUT = Duration.ofSeconds(60);
    /** As in the codec's fuzz test: a field path, what was expected and a short quoted value fit in 512. */
    private static final int MAX_ERROR_MESSAGE_CHARS = 512;
    private static final int BYSTANDERS = 3;
    private static final int WORKERS = 3;
    private static final int FRAMES_PER_CONNECTION = 40;
    private static final int[] BAD_CLOSE_CODES = {0, 999, 1004, 1005, 1006, 1015, 2999, 5000, 65535};
    private static final FrameCodec CODEC = new FrameCodec();

    private final long seed;
    private final int frames;
    private final Map<String, Integer> outcomes = new ConcurrentHashMap<>();
    private final Map<String, String> violations = new ConcurrentHashMap<>();
    private final AtomicInteger sent = new AtomicInteger();
    private final AtomicInteger connections = new AtomicInteger();
    private final AtomicLong sentinels = new AtomicLong(Long.MIN_VALUE / 2);
    private final int totalWeight;
    private final ThreadLocal<String> lastSample = ThreadLocal.withInitial(() -> "");
    private final ThreadLocal<String> currentAttack = ThreadLocal.withInitial(() -> "hello");
    private final Map<String, Map<String, Integer>> byAttack = new ConcurrentHashMap<>();

    LiveFuzz(long seed, int frames) {
        this.seed = seed;
        this.frames = frames;
        int sum = 0;
        for (Attack attack : Attack.values()) {
            sum += KNOWN_OPEN.containsKey(attack) ? 0 : attack.weight;
        }
        this.totalWeight = sum;
    }

    Report run() throws Exception {
        Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        Level level = root.getLevel();
        ListAppender<ILoggingEvent> log = new ListAppender<>();
        log.start();
        root.setLevel(Level.INFO);
        root.addAppender(log);
        GatewayConfig config = GatewayConfig.builder()
                .server(s -> s.host("127.0.0.1").port(0))
                .handler(h -> h.echoDelay(Duration.ofMillis(2)))
                // A short heartbeat bounds every connection the fuzz leaves silent (a frame header announcing a
                // payload that never comes) by a few seconds instead of 37.
                .connections(c -> c.heartbeat(Duration.ofSeconds(2)).handshakeTimeout(Duration.ofSeconds(3)))
                .build();
        InMemorySessionStore store = InMemorySessionStore.builder().limits(config.sessionLimits()).build();
        GatewayHandle gateway = TetherGateway.builder(config).store(store).build().start().block(TIMEOUT);
        long started = System.nanoTime();
        long heapBefore = heapAfterGc();
        List<Bystander> bystanders = new ArrayList<>();
        try {
            for (int i = 0; i < BYSTANDERS; i++) {
                bystanders.add(new Bystander(i, URI.create("ws://127.0.0.1:" + gateway.port() + gateway.path())));
            }
            ExecutorService workers = Executors.newFixedThreadPool(WORKERS);
            List<Future<?>> running = new ArrayList<>();
            for (int w = 0; w < WORKERS; w++) {
                long workerSeed = seed + w;
                running.add(workers.submit(() -> {
                    hostile(gateway, workerSeed);
                    return null;
                }));
            }
            for (Future<?> future : running) {
                try {
                    future.get();
                } catch (ExecutionException e) {
                    // A fault of the run itself: reported with the figures gathered so far, not instead of them.
                    violate("a fuzz worker failed", String.valueOf(e.getCause()));
                }
            }
            workers.shutdown();
            int messages = 0;
            int losses = 0;
            int reconnects = 0;
            for (Bystander bystander : bystanders) {
                bystander.stop();
                messages += bystander.sent();
                losses += bystander.losses();
                reconnects += bystander.reconnects();
            }
            List<ILoggingEvent> logged;
            // The appender appends under its own lock while the gateway still runs.
            synchronized (log) {
                logged = List.copyOf(log.list);
            }
            for (ILoggingEvent event : logged) {
                boolean error = event.getLevel().isGreaterOrEqual(Level.ERROR);
                boolean unexpected = event.getLevel().isGreaterOrEqual(Level.WARN) && event.getThrowableProxy() != null;
                if (error || unexpected) {
                    violate("gateway log " + event.getLevel() + " " + event.getLoggerName(),
                            event.getFormattedMessage() + (event.getThrowableProxy() == null ? ""
                                    : " " + event.getThrowableProxy().getClassName() + ": "
                                    + event.getThrowableProxy().getMessage()));
                }
            }
            if (losses > 0) {
                violate("bystander replies lost, duplicated or incomplete", losses + " of " + messages);
            }
            if (reconnects > 0) {
                violate("bystanders reconnected", reconnects + " times");
            }
            long heapAfter = heapAfterGc();
            Map<String, Map<String, Integer>> perAttack = new TreeMap<>();
            byAttack.forEach((attack, counts) -> perAttack.put(attack, new TreeMap<>(counts)));
            return new Report(seed, sent.get(), connections.get(), new TreeMap<>(outcomes), perAttack,
                    new TreeMap<>(violations), messages, losses, reconnects, heapBefore, heapAfter,
                    Duration.ofNanos(System.nanoTime() - started));
        } finally {
            bystanders.forEach(Bystander::close);
            gateway.dispose();
            gateway.onDispose().block(TIMEOUT);
            store.close();
            root.detachAppender(log);
            root.setLevel(level);
        }
    }

    // ------------------------------------------------------------------ hostile connections

    private void hostile(GatewayHandle gateway, long workerSeed) throws IOException {
        HostileFrames generator = new HostileFrames(workerSeed, 2 * Protocol.DEFAULT_MAX_FRAME_BYTES,
                KNOWN_OPEN_FRAMES.keySet());
        Random random = generator.random();
        URI endpoint = URI.create("ws://127.0.0.1:" + gateway.port() + gateway.path());
        while (sent.get() < frames) {
            connections.incrementAndGet();
            RawWebSocket ws;
            try {
                ws = RawWebSocket.connect(endpoint);
            } catch (UncheckedIOException | AssertionError e) {
                violate("the upgrade failed", String.valueOf(e.getMessage()));
                continue;
            }
            try (ws) {
                if (random.nextInt(8) == 0) {
                    // Before hello: a bad first frame ends the connection; after anything else, hello is welcomed.
                    Attack attack = pick(random);
                    sent.incrementAndGet();
                    attack(ws, attack, generator, 0);
                    sendText(ws, "{\"type\":\"hello\",\"v\":1}");
                    verdict("before hello: " + describe(attack), ws, attack, null);
                    continue;
                }
                currentAttack.set("hello");
                sendText(ws, "{\"type\":\"hello\",\"v\":1}");
                Welcome welcome = awaitWelcome(ws);
                if (welcome == null) {
                    continue;
                }
                long cseq = 1;
                for (int i = 0; i < FRAMES_PER_CONNECTION && sent.get() < frames; i++) {
                    Attack attack = pick(random);
                    sent.incrementAndGet();
                    cseq = attack(ws, attack, generator, cseq);
                    long sentinel = sentinels.incrementAndGet();
                    if (!sendText(ws, "{\"type\":\"ping\",\"t\":" + sentinel + "}")) {
                        sentinel = 0;
                    }
                    if (!verdict(describe(attack), ws, attack, sentinel)) {
                        break;
                    }
                }
            } catch (IOException e) {
                // The gateway reset the connection while it was written to: it had closed it, which is an answer.
                count("io:" + e.getClass().getSimpleName());
                if (!(e instanceof java.net.SocketException)) {
                    violate("connection failed: " + e.getClass().getSimpleName(), String.valueOf(e.getMessage()));
                }
            }
        }
    }

    private Welcome awaitWelcome(RawWebSocket ws) throws IOException {
        while (true) {
            Received received = read(ws);
            if (received.opcode() == RawWebSocket.TEXT) {
                ServerFrame frame = decode("hello", received);
                if (frame instanceof Welcome welcome) {
                    return welcome;
                }
                continue;
            }
            if (received.opcode() == RawWebSocket.CLOSE) {
                // Refused at the handshake, for example by admission control: a documented code is an answer.
                closeOutcome("hello", received);
                return null;
            }
            violate("no welcome for hello", describe(received));
            return null;
        }
    }

    /** Sends one attack; returns the next cseq this connection may use. */
    private long attack(RawWebSocket ws, Attack attack, HostileFrames generator, long cseq) throws IOException {
        Random random = generator.random();
        currentAttack.set(attack.name());
        switch (attack) {
            case HOSTILE_JSON -> {
                HostileFrames.Sample sample = generator.next();
                lastSample.set(sample.toString());
                sendText(ws, sample.text());
            }
            case SECOND_HELLO -> sendText(ws, "{\"type\":\"hello\",\"v\":1}");
            case ACK_OF_THE_FUTURE -> sendText(ws, "{\"type\":\"ack\",\"seq\":" + (1_000_000 + random.nextInt(1 << 30))
                    + "}");
            case CANCEL_UNKNOWN_REPLY -> {
                sendText(ws, "{\"type\":\"cancel\",\"cseq\":" + cseq + ",\"replyTo\":"
                        + (500_000 + random.nextInt(1000)) + "}");
                return cseq + 1;
            }
            case BINARY -> send(ws, true, 0, RawWebSocket.BINARY, bytes(random, random.nextInt(300)), true);
            case INVALID_UTF8_TEXT -> send(ws, true, 0, RawWebSocket.TEXT, generator.invalidUtf8(), true);
            case INVALID_UTF8_BINARY -> send(ws, true, 0, RawWebSocket.BINARY, generator.invalidUtf8(), true);
            case OVERSIZED -> sendText(ws, "{\"type\":\"user_message\",\"cseq\":" + cseq + ",\"text\":\""
                    + "x".repeat(Protocol.DEFAULT_MAX_FRAME_BYTES + random.nextInt(10_000)) + "\"}");
            case RSV_BITS -> send(ws, true, 1 + random.nextInt(7), RawWebSocket.TEXT,
                    "{\"type\":\"ping\",\"t\":1}".getBytes(StandardCharsets.UTF_8), true);
            case RESERVED_OPCODE -> send(ws, true, 0, new int[]{3, 4, 5, 6, 7, 0xB, 0xC, 0xD, 0xE, 0xF}
                    [random.nextInt(10)], bytes(random, random.nextInt(20)), true);
            case UNMASKED -> send(ws, true, 0, RawWebSocket.TEXT,
                    "{\"type\":\"ping\",\"t\":2}".getBytes(StandardCharsets.UTF_8), false);
            case LONE_CONTINUATION -> send(ws, random.nextBoolean(), 0, 0, bytes(random, 10), true);
            case BAD_CONTROL_FRAME -> {
                if (random.nextBoolean()) {
                    send(ws, false, 0, RawWebSocket.PING, bytes(random, 4), true);
                } else {
                    send(ws, true, 0, RawWebSocket.PING, bytes(random, 126 + random.nextInt(200)), true);
                }
            }
            case BAD_CLOSE -> {
                byte[] payload;
                if (random.nextBoolean()) {
                    int code = BAD_CLOSE_CODES[random.nextInt(BAD_CLOSE_CODES.length)];
                    payload = new byte[]{(byte) (code >>> 8), (byte) code, 'b', 'y', 'e'};
                } else {
                    payload = new byte[]{0x03, (byte) 0xE8, (byte) 0xC0, (byte) 0x80, (byte) 0xFF};
                }
                send(ws, true, 0, RawWebSocket.CLOSE, random.nextInt(5) == 0 ? new byte[]{1} : payload, true);
            }
            case UNFINISHED_FRAGMENTS -> send(ws, false, 0, RawWebSocket.TEXT,
                    "{\"type\":\"ping\",".getBytes(StandardCharsets.UTF_8), true);
            case WEBSOCKET_PING -> send(ws, true, 0, RawWebSocket.PING, "are you there".getBytes(
                    StandardCharsets.US_ASCII), true);
            case WEBSOCKET_PONG -> send(ws, true, 0, RawWebSocket.PONG, bytes(random, random.nextInt(20)), true);
            case RANDOM_BYTES -> {
                // Random bytes may announce a frame of any length: the zeros after them complete any frame within
                // the limit, and then read as an unmasked frame, which the gateway must refuse.
                byte[] noise = bytes(random, 64);
                byte[] padded = new byte[noise.length + Protocol.DEFAULT_MAX_FRAME_BYTES + 64];
                System.arraycopy(noise, 0, padded, 0, noise.length);
                ws.writeUnlessAnswered(padded);
            }
        }
        return cseq;
    }

    /**
     * Reads what the gateway answered, up to the sentinel pong (or, before hello, the welcome), or to the close:
     * checks each frame and counts the outcome. Returns whether the connection is still open.
     */
    private boolean verdict(String where, RawWebSocket ws, Attack attack, Long sentinel) throws IOException {
        boolean error = false;
        boolean webSocketPong = false;
        while (true) {
            Received received = read(ws);
            switch (received.opcode()) {
                case RawWebSocket.TEXT -> {
                    ServerFrame frame = decode(where, received);
                    if (frame instanceof ErrorFrame e) {
                        error = true;
                        count("error:" + e.code().wireName());
                        if (attack == Attack.WEBSOCKET_PONG || attack == Attack.WEBSOCKET_PING) {
                            violate(attack + " answered with an error", e.toString());
                        }
                    } else if (sentinel == null ? frame instanceof Welcome
                            : frame instanceof Pong pong && pong.t() == sentinel) {
                        if (attack == Attack.WEBSOCKET_PING && !webSocketPong) {
                            violate("WebSocket ping not answered with a pong", where);
                        }
                        if (!error) {
                            count("accepted");
                        }
                        if (attack.failsTheConnection) {
                            violate(attack + " did not fail the connection (RFC 6455)", where);
                        }
                        return true;
                    }
                }
                case RawWebSocket.PONG -> webSocketPong = true;
                case RawWebSocket.PING -> send(ws, true, 0, RawWebSocket.PONG, received.payload(), true);
                case RawWebSocket.CLOSE -> {
                    closeOutcome(where, received);
                    if (attack == Attack.OVERSIZED && received.closeCode() != CloseCode.MESSAGE_TOO_BIG.code()) {
                        violate("a frame over the limit closed with " + received.closeCode() + ", not 1009", where);
                    }
                    return false;
                }
                default -> {
                    if (received == Received.EOF) {
                        violate("connection dropped without a close frame", where);
                    } else if (received == Received.TIMEOUT) {
                        violate("no answer and no close within " + ANSWER_TIMEOUT.toSeconds() + " s", where);
                    } else {
                        violate("the gateway sent opcode " + received.opcode(), where);
                    }
                    count("violation");
                    return false;
                }
            }
        }
    }

    private void closeOutcome(String where, Received close) {
        int code = close.closeCode();
        count("close:" + code);
        CloseCode known = CloseCode.of(code);
        if (known == CloseCode.ABNORMAL) {
            violate("close code " + code + " is not in the CloseCode table", where);
        }
        if (close.payload().length > 125) {
            violate("close frame longer than 125 bytes", where);
        }
    }

    private ServerFrame decode(String where, Received received) {
        if (received.payload().length > Protocol.DEFAULT_MAX_FRAME_BYTES) {
            violate("a frame from the gateway exceeds the frame limit",
                    where + ": " + received.payload().length + " bytes");
        }
        try {
            ServerFrame frame = CODEC.decodeServer(received.text());
            if (frame instanceof ErrorFrame error && error.message().length() > MAX_ERROR_MESSAGE_CHARS) {
                violate("error message longer than " + MAX_ERROR_MESSAGE_CHARS + " chars: it echoes the input",
                        where + ": " + error.message().length() + " chars");
            }
            return frame;
        } catch (FrameException e) {
            violate("the gateway sent a frame its own codec rejects", where + ": " + e.getMessage());
            return null;
        }
    }

    private Attack pick(Random random) {
        int roll = random.nextInt(totalWeight);
        for (Attack attack : Attack.values()) {
            roll -= KNOWN_OPEN.containsKey(attack) ? 0 : attack.weight;
            if (roll < 0) {
                return attack;
            }
        }
        throw new IllegalStateException();
    }

    private void count(String outcome) {
        outcomes.merge(outcome, 1, Integer::sum);
        byAttack.computeIfAbsent(currentAttack.get(), k -> new ConcurrentHashMap<>()).merge(outcome, 1, Integer::sum);
    }

    private void violate(String sort, String example) {
        String shown = example.length() > 300 ? example.substring(0, 300) + "..." : example;
        violations.putIfAbsent(sort, shown);
    }

    private String describe(Attack attack) {
        return attack == Attack.HOSTILE_JSON ? attack + " " + lastSample.get() : attack.name();
    }

    private static boolean send(RawWebSocket ws, boolean fin, int rsv, int opcode, byte[] payload, boolean masked)
            throws IOException {
        return ws.writeUnlessAnswered(RawWebSocket.frame(fin, rsv, opcode, payload, masked));
    }

    private static boolean sendText(RawWebSocket ws, String text) throws IOException {
        return send(ws, true, 0, RawWebSocket.TEXT, text.getBytes(StandardCharsets.UTF_8), true);
    }

    private static Received read(RawWebSocket ws) throws IOException {
        try {
            Optional<RawWebSocket.Frame> frame = ws.poll(ANSWER_TIMEOUT);
            return frame.map(f -> new Received(f.opcode(), f.payload())).orElse(Received.TIMEOUT);
        } catch (EOFException e) {
            return Received.EOF;
        }
    }

    /** A frame from the gateway, or the end of the connection without one, or nothing in time. */
    private record Received(int opcode, byte[] payload) {
        static final Received EOF = new Received(-1, new byte[0]);
        static final Received TIMEOUT = new Received(-2, new byte[0]);

        String text() {
            return new String(payload, StandardCharsets.UTF_8);
        }

        /** The close code of a close frame; 1005 (no status) when it has none. */
        int closeCode() {
            return payload.length >= 2 ? ((payload[0] & 0xFF) << 8) | (payload[1] & 0xFF) : 1005;
        }
    }

    private static String describe(Received received) {
        return received == Received.EOF ? "end of stream"
                : received == Received.TIMEOUT ? "timeout" : "opcode " + received.opcode();
    }

    private static byte[] bytes(Random random, int length) {
        byte[] bytes = new byte[length];
        random.nextBytes(bytes);
        return bytes;
    }

    private static long heapAfterGc() {
        for (int i = 0; i < 3; i++) {
            System.gc();
        }
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }
}
