package dev.tether.gateway.testing;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A WebSocket spoken byte by byte over a plain TCP socket, for tests that send what no WebSocket library would:
 * reserved bits, bad close codes, pongs nobody asked for, half a request. Frames it sends are masked like a
 * client's; frames it reads are the server's, unmasked.
 */
public final class RawWebSocket implements AutoCloseable {

    private static final int WRITE_CHUNK = 4096;

    public static final int CONTINUATION = 0x0;
    public static final int TEXT = 0x1;
    public static final int BINARY = 0x2;
    public static final int CLOSE = 0x8;
    public static final int PING = 0x9;
    public static final int PONG = 0xA;

    /** A frame from the server. */
    public record Frame(int opcode, int rsv, byte[] payload) {

        public String text() {
            return new String(payload, StandardCharsets.UTF_8);
        }

        /** A close frame's status code, or -1 when it has none. */
        public int closeCode() {
            return payload.length < 2 ? -1 : ((payload[0] & 0xFF) << 8) | (payload[1] & 0xFF);
        }

        /** A close frame's reason. */
        public String closeReason() {
            return payload.length <= 2 ? "" : new String(payload, 2, payload.length - 2, StandardCharsets.UTF_8);
        }
    }

    private final Socket socket;
    private final DataInputStream in;
    private final OutputStream out;

    private RawWebSocket(Socket socket) throws IOException {
        this.socket = socket;
        this.in = new DataInputStream(socket.getInputStream());
        this.out = socket.getOutputStream();
        socket.setSoTimeout((int) TestSocket.TIMEOUT.toMillis());
    }

    /** A TCP connection to the host and port of {@code uri}, not upgraded: send what you like. */
    public static RawWebSocket open(URI uri) {
        try {
            return new RawWebSocket(new Socket(uri.getHost(), uri.getPort()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A WebSocket to {@code uri}, upgraded with a well-formed request; fails unless the server answers 101. */
    public static RawWebSocket connect(URI uri) {
        RawWebSocket socket = open(uri);
        String key = Base64.getEncoder().encodeToString(randomBytes(16));
        socket.write(("GET " + uri.getPath() + " HTTP/1.1\r\nHost: " + uri.getHost() + ":" + uri.getPort()
                + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: " + key
                + "\r\nSec-WebSocket-Version: 13\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        String head = socket.readHttpHead();
        if (!head.startsWith("HTTP/1.1 101")) {
            socket.close();
            throw new AssertionError("upgrade refused: " + head);
        }
        return socket;
    }

    /** Sends raw bytes. */
    public void write(byte[] bytes) {
        try {
            out.write(bytes);
            out.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Sends one final, masked frame. */
    public void sendFrame(int opcode, byte[] payload) {
        write(frame(true, 0, opcode, payload));
    }

    public void sendText(String text) {
        sendFrame(TEXT, text.getBytes(StandardCharsets.UTF_8));
    }

    /** Sends a close frame with this code and reason bytes. */
    public void sendClose(int code, byte[] reason) {
        ByteBuffer payload = ByteBuffer.allocate(2 + reason.length).putShort((short) code).put(reason);
        sendFrame(CLOSE, payload.array());
    }

    /** The bytes of a masked client frame with these bits. */
    public static byte[] frame(boolean fin, int rsv, int opcode, byte[] payload) {
        return frame(fin, rsv, opcode, payload, true);
    }

    /** The bytes of a client frame with these bits, masked or (against RFC 6455) not. */
    public static byte[] frame(boolean fin, int rsv, int opcode, byte[] payload, boolean masked) {
        ByteArrayOutputStream frame = new ByteArrayOutputStream();
        frame.write((fin ? 0x80 : 0) | (rsv & 0x7) << 4 | opcode & 0xF);
        int maskBit = masked ? 0x80 : 0;
        if (payload.length < 126) {
            frame.write(maskBit | payload.length);
        } else if (payload.length < 65_536) {
            frame.write(maskBit | 126);
            frame.writeBytes(ByteBuffer.allocate(2).putShort((short) payload.length).array());
        } else {
            frame.write(maskBit | 127);
            frame.writeBytes(ByteBuffer.allocate(8).putLong(payload.length).array());
        }
        byte[] mask = masked ? randomBytes(4) : new byte[4];
        if (masked) {
            frame.writeBytes(mask);
        }
        for (int i = 0; i < payload.length; i++) {
            frame.write(payload[i] ^ mask[i % 4]);
        }
        return frame.toByteArray();
    }

    /**
     * Sends raw bytes in chunks, stopping early once the server has answered: writing on into a connection the
     * server closed would reset it and lose its close frame. Returns whether every byte was written.
     */
    public boolean writeUnlessAnswered(byte[] bytes) throws IOException {
        for (int at = 0; at < bytes.length; at += WRITE_CHUNK) {
            if (at > 0 && in.available() > 0) {
                return false;
            }
            out.write(bytes, at, Math.min(WRITE_CHUNK, bytes.length - at));
            out.flush();
        }
        return true;
    }

    /**
     * The next frame from the server if one comes within {@code timeout}; an {@link EOFException} if the connection
     * ended instead, another {@link IOException} if it was reset.
     */
    public Optional<Frame> poll(Duration timeout) throws IOException {
        socket.setSoTimeout((int) Math.max(1, timeout.toMillis()));
        try {
            int first = in.read();
            if (first < 0) {
                throw new EOFException("the server ended the connection");
            }
            return Optional.of(readFrame(first));
        } catch (SocketTimeoutException e) {
            return Optional.empty();
        } finally {
            socket.setSoTimeout((int) TestSocket.TIMEOUT.toMillis());
        }
    }

    /** The next frame from the server, waiting up to {@link TestSocket#TIMEOUT}; fails if the connection ends. */
    public Frame next() {
        try {
            return readFrame(in.readUnsignedByte());
        } catch (IOException e) {
            throw new AssertionError("no frame: " + e, e);
        }
    }

    private Frame readFrame(int first) throws IOException {
        int second = in.readUnsignedByte();
        long length = second & 0x7F;
        if (length == 126) {
            length = in.readUnsignedShort();
        } else if (length == 127) {
            length = in.readLong();
        }
        if ((second & 0x80) != 0) {
            throw new AssertionError("a server frame must not be masked");
        }
        byte[] payload = new byte[Math.toIntExact(length)];
        in.readFully(payload);
        return new Frame(first & 0xF, (first >> 4) & 0x7, payload);
    }

    /** The next frame that is not of {@code opcode}, skipping those. */
    public Frame nextExcept(int opcode) {
        Frame frame = next();
        while (frame.opcode() == opcode) {
            frame = next();
        }
        return frame;
    }

    /** Waits for the server to end the TCP connection, reading and dropping what comes before; fails if it does not. */
    public void awaitEnd(Duration timeout) {
        try {
            socket.setSoTimeout((int) timeout.toMillis());
            byte[] buffer = new byte[8192];
            InputStream input = in;
            while (input.read(buffer) >= 0) {
                // Drop whatever arrives before the end.
            }
        } catch (SocketTimeoutException e) {
            throw new AssertionError("the server kept the connection open for " + timeout);
        } catch (IOException e) {
            // A reset ends it too.
        }
    }

    /** Whether the server ended the TCP connection within {@code timeout}. */
    public boolean endsWithin(Duration timeout) {
        try {
            awaitEnd(timeout);
            return true;
        } catch (AssertionError e) {
            return false;
        }
    }

    /** An HTTP response's status line and headers, up to the empty line. */
    public String readHttpHead() {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        try {
            while (!head.toString(StandardCharsets.ISO_8859_1).endsWith("\r\n\r\n")) {
                int b = in.read();
                if (b < 0) {
                    if (head.size() == 0) {
                        throw new EOFException("the connection ended without a response");
                    }
                    break;
                }
                head.write(b);
            }
        } catch (IOException e) {
            throw new AssertionError("no HTTP response: " + e, e);
        }
        return head.toString(StandardCharsets.ISO_8859_1);
    }

    private static byte[] randomBytes(int count) {
        byte[] bytes = new byte[count];
        ThreadLocalRandom.current().nextBytes(bytes);
        return bytes;
    }

    @Override
    public void close() {
        try {
            socket.close();
        } catch (IOException e) {
            // Closing anyway.
        }
    }
}
