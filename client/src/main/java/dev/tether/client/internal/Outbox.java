package dev.tether.client.internal;

import dev.tether.client.TetherClientException;
import dev.tether.protocol.ClientMessage;
import dev.tether.protocol.FrameCodec;
import dev.tether.protocol.FrameException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.function.LongFunction;
import reactor.core.publisher.Sinks;

/**
 * The bounded queue of client messages the gateway has not acknowledged yet, in cseq order.
 *
 * <p>Not thread-safe: the client guards it with its lock. The caller completes or fails the entries it gets back,
 * outside that lock.
 */
final class Outbox {

    /**
     * One pending message and the sink of its {@code send} Mono.
     */
    static final class Entry {
        private ClientMessage message;
        private final Sinks.One<Long> result;

        Entry(ClientMessage message, Sinks.One<Long> result) {
            this.message = message;
            this.result = result;
        }

        ClientMessage message() {
            return message;
        }

        Sinks.One<Long> result() {
            return result;
        }

        /** Completes the send Mono with the message's final cseq. */
        void complete() {
            result.tryEmitValue(message.cseq());
        }

        void fail(Throwable error) {
            result.tryEmitError(error);
        }

        /** Fails every send of {@code entries} with {@code error}. */
        static void failAll(List<Entry> entries, Throwable error) {
            entries.forEach(entry -> entry.fail(error));
        }
    }

    // Sizing a message with the longest possible cseq gives an upper bound that renumbering can never exceed.
    private static final long WIDEST_CSEQ = Long.MAX_VALUE;

    private final int capacity;
    /** Checks messages as the gateway will, so that none it would refuse is queued. */
    private final FrameCodec codec;
    private final ArrayDeque<Entry> pending = new ArrayDeque<>();
    private long nextCseq = 1;
    private long ackedCseq;
    // A process that resumes a session it did not start does not know the gateway's cseq until welcome says it.
    private boolean numberingKnown;

    Outbox(int capacity, int maxFrameBytes, boolean numberingKnown) {
        this.capacity = capacity;
        this.codec = new FrameCodec(maxFrameBytes);
        this.numberingKnown = numberingKnown;
    }

    /**
     * Why the gateway would refuse the message {@code factory} makes, whatever its cseq: a
     * {@link dev.tether.client.MessageTooBigException} or an {@link IllegalArgumentException}; null when it would
     * not. Needs no lock.
     */
    RuntimeException refusal(LongFunction<ClientMessage> factory) {
        try {
            codec.check(factory.apply(WIDEST_CSEQ));
            return null;
        } catch (FrameException refused) {
            // The gateway would answer validation_error and never acknowledge it: queued, it would block the
            // outbox for good, resent after every welcome.
            return refused.isTooLarge() ? TetherClientException.messageTooBig(refused.getMessage())
                    : new IllegalArgumentException(refused.getMessage());
        }
    }

    /** Numbers a new message with the next cseq and queues it; fails with OutboxFullException when full. */
    ClientMessage offer(LongFunction<ClientMessage> factory, Sinks.One<Long> result) {
        if (pending.size() >= capacity) {
            throw TetherClientException.outboxFull(capacity);
        }
        ClientMessage message = factory.apply(nextCseq++);
        pending.addLast(new Entry(message, result));
        return message;
    }

    /** Removes and returns the entries the cumulative ack covers. */
    List<Entry> ack(long cseq) {
        List<Entry> done = new ArrayList<>();
        while (!pending.isEmpty() && pending.peekFirst().message.cseq() <= cseq) {
            done.add(pending.pollFirst());
        }
        ackedCseq = Math.max(ackedCseq, cseq);
        // Another process may have sent on this session: never reuse a cseq the gateway already stored.
        nextCseq = Math.max(nextCseq, ackedCseq + 1);
        return done;
    }

    /** Renumbers every pending message from {@code firstCseq} on, for a new session or once the numbering is known. */
    void renumber(long firstCseq) {
        long cseq = firstCseq;
        for (Entry entry : pending) {
            entry.message = entry.message.withCseq(cseq++);
        }
        nextCseq = cseq;
        ackedCseq = firstCseq - 1;
        numberingKnown = true;
    }

    /** Applies a welcome's ackedCseq for a resumed session; returns the entries it acknowledges. */
    List<Entry> resumed(long welcomeAckedCseq) {
        if (!numberingKnown) {
            renumber(welcomeAckedCseq + 1);
            return List.of();
        }
        return ack(welcomeAckedCseq);
    }

    /** The messages to (re)send after a handshake, in cseq order. */
    List<ClientMessage> unacked() {
        List<ClientMessage> messages = new ArrayList<>(pending.size());
        for (Entry entry : pending) {
            messages.add(entry.message);
        }
        return messages;
    }

    /** Removes and returns every entry, to fail them. */
    List<Entry> drain() {
        List<Entry> all = new ArrayList<>(pending);
        pending.clear();
        return all;
    }

    int size() {
        return pending.size();
    }

    long nextCseq() {
        return nextCseq;
    }

    long ackedCseq() {
        return ackedCseq;
    }
}
