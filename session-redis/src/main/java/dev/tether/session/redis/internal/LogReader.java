package dev.tether.session.redis.internal;

import dev.tether.protocol.ClientMessage;
import dev.tether.protocol.FrameCodec;
import dev.tether.protocol.Sequenced;
import dev.tether.protocol.session.SessionStoreException;
import java.util.ArrayList;
import java.util.List;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Reads a session's log and its client messages page by page, one script call a page, checking the frames of each
 * page against the metadata read with them so that a log that lost frames is reported truncated, never replayed
 * in part.
 */
public final class LogReader {

    /** Frames or messages fetched per round trip. */
    static final int PAGE = 256;

    private final ScriptCalls calls;
    private final Keys keys;
    private final FrameCodec codec;
    private final String maxAgeMs;

    public LogReader(ScriptCalls calls, Keys keys, FrameCodec codec, String maxAgeMs) {
        this.calls = calls;
        this.keys = keys;
        this.codec = codec;
        this.maxAgeMs = maxAgeMs;
    }

    /** The frames from {@code afterSeq + 1} to the last seq, in order, or an error as {@code operation}'s. */
    public Flux<Sequenced> frames(String sessionId, long afterSeq, String operation) {
        return framePage(sessionId, afterSeq, operation)
                .expandDeep(page -> page.done() ? Mono.empty() : framePage(sessionId, page.end(), operation))
                .concatMapIterable(Page::frames);
    }

    /** The retained client messages from {@code afterCseq + 1}, in order. */
    public Flux<ClientMessage> clientMessages(String sessionId, long afterCseq) {
        return clientPage(sessionId, afterCseq)
                .expandDeep(page -> page.size() < PAGE ? Mono.empty()
                        : clientPage(sessionId, page.get(page.size() - 1).cseq()))
                .concatMapIterable(page -> page);
    }

    private record Page(List<Sequenced> frames, long end, boolean done) {
    }

    private Mono<Page> framePage(String sessionId, long afterSeq, String operation) {
        return calls.run(Scripts.READ, operation, new String[] {keys.meta(sessionId), keys.log(sessionId)},
                        Long.toString(afterSeq), Integer.toString(PAGE), maxAgeMs)
                .map(reply -> {
                    if (ScriptCalls.status(reply) == 0) {
                        throw SessionStoreException.notFound(sessionId);
                    }
                    long first = (Long) reply.get(1);
                    long last = (Long) reply.get(2);
                    if (afterSeq >= last) {
                        return new Page(List.of(), afterSeq, true);
                    }
                    if (afterSeq + 1 < first) {
                        throw SessionStoreException.historyTruncated(sessionId, afterSeq, first);
                    }
                    List<?> entries = (List<?>) reply.get(3);
                    if (entries.isEmpty()) {
                        // The metadata says these frames exist but the log lost them: never replay partially.
                        throw SessionStoreException.historyTruncated(sessionId, afterSeq, last + 1);
                    }
                    List<Sequenced> frames = new ArrayList<>(entries.size());
                    long expected = afterSeq + 1;
                    for (Object entry : entries) {
                        Sequenced frame = codec.decodeSequenced((String) entry);
                        if (frame.seq() != expected) {
                            throw SessionStoreException.historyTruncated(sessionId, expected - 1, frame.seq());
                        }
                        frames.add(frame);
                        expected++;
                    }
                    long end = expected - 1;
                    return new Page(frames, end, end >= last);
                });
    }

    private Mono<List<ClientMessage>> clientPage(String sessionId, long afterCseq) {
        return calls.run(Scripts.READ_CLIENT, "readClient", new String[] {keys.meta(sessionId), keys.in(sessionId)},
                        Long.toString(afterCseq), Integer.toString(PAGE), maxAgeMs)
                .map(reply -> {
                    if (ScriptCalls.status(reply) == 0) {
                        throw SessionStoreException.notFound(sessionId);
                    }
                    List<ClientMessage> messages = new ArrayList<>();
                    for (Object entry : (List<?>) reply.get(1)) {
                        messages.add(codec.decodeClientMessage((String) entry));
                    }
                    return messages;
                });
    }
}
