package dev.tether.client.internal;

import dev.tether.client.OutboxOnResumeFailure;
import dev.tether.client.OutboxOnRestart;
import dev.tether.client.SessionHandle;
import dev.tether.client.TetherClientOptions;
import dev.tether.protocol.Hello;
import dev.tether.protocol.ResumeFailure;
import dev.tether.protocol.Welcome;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The session a client keeps across its connections: its id, token and epoch, the {@link Outbox} of messages the
 * gateway has not stored and the {@link InboundTracker} of frames delivered, and what each handshake does to them.
 *
 * <p>Not thread-safe: the client guards it with its lock.
 */
final class ClientSession {

    private static final Logger log = LoggerFactory.getLogger(ClientSession.class);

    /**
     * What a {@code welcome} settled.
     *
     * @param acked    sends to complete: the resumed session had stored them
     * @param lost     sends to fail: the session could not be resumed and the policy drops its outbox
     * @param failure  why the resume failed, or {@code null} when none was asked for or it succeeded
     * @param replayed how many frames the gateway will replay
     */
    record Handshake(List<Outbox.Entry> acked, List<Outbox.Entry> lost, ResumeFailure failure, long replayed) {
    }

    private final Outbox outbox;
    private final InboundTracker tracker;
    private final OutboxOnResumeFailure onResumeFailure;
    private String sessionId;
    private String token;
    private long epoch;

    ClientSession(TetherClientOptions options) {
        Optional<SessionHandle> resume = options.resumeFrom();
        this.outbox = new Outbox(options.outboxCapacity(), options.maxFrameBytes(), resume.isEmpty());
        this.tracker = new InboundTracker(resume.map(SessionHandle::lastSeq).orElse(0L));
        this.onResumeFailure = options.outboxOnResumeFailure();
        resume.ifPresent(handle -> {
            sessionId = handle.sessionId();
            token = handle.token();
            epoch = handle.epoch();
        });
    }

    Outbox outbox() {
        return outbox;
    }

    InboundTracker tracker() {
        return tracker;
    }

    /** What a client with this session says first on a new connection: resume it, or start one. */
    Hello hello() {
        tracker.helloSent();
        return sessionId == null
                ? Hello.fresh()
                : Hello.resume(new Hello.Resume(sessionId, token, epoch, tracker.lastSeq()));
    }

    /** The handle to resume this session from, once there is one. */
    Optional<SessionHandle> handle() {
        return sessionId == null
                ? Optional.empty()
                : Optional.of(new SessionHandle(sessionId, token, epoch, tracker.lastSeq()));
    }

    /**
     * Forgets the session, so that the next {@code hello} starts a new one, and keeps the outbox for it, renumbered
     * from 1, or drops it. Returns the sends to fail.
     */
    List<Outbox.Entry> restart(OutboxOnRestart policy) {
        if (sessionId != null) {
            log.info("session {} given up for a new one, outbox {}", sessionId, policy);
        }
        sessionId = null;
        token = null;
        epoch = 0;
        tracker.reset();
        List<Outbox.Entry> dropped = policy == OutboxOnRestart.DROP ? outbox.drain() : List.of();
        outbox.renumber(1);
        return dropped;
    }

    /**
     * Takes the gateway's {@code welcome} in: the resumed session's acknowledgements, or a new session with the
     * outbox renumbered after it (or dropped, per {@link OutboxOnResumeFailure}).
     */
    Handshake welcome(Welcome welcome, boolean resumeRequested) {
        List<Outbox.Entry> acked = List.of();
        List<Outbox.Entry> lost = List.of();
        ResumeFailure failure = null;
        long replayed = 0;
        if (resumeRequested && welcome.resumed()) {
            replayed = Math.max(0, welcome.lastSeq() - tracker.lastSeq());
            acked = outbox.resumed(welcome.ackedCseq());
        } else {
            if (resumeRequested) {
                failure = welcome.reason() != null ? welcome.reason() : ResumeFailure.NOT_FOUND;
                log.info("session {} could not be resumed ({}); a new session started", sessionId,
                        failure.wireName());
                if (onResumeFailure == OutboxOnResumeFailure.FAIL) {
                    lost = outbox.drain();
                }
            }
            tracker.reset();
            outbox.renumber(welcome.ackedCseq() + 1);
        }
        sessionId = welcome.sessionId();
        token = welcome.token();
        epoch = welcome.epoch();
        return new Handshake(acked, lost, failure, replayed);
    }
}
