package dev.tether.gateway.testing;

import dev.tether.protocol.ClientMessage;
import dev.tether.protocol.Sequenced;
import dev.tether.protocol.session.Attachment;
import dev.tether.protocol.session.ClientAppend;
import dev.tether.protocol.session.ForwardingSessionStore;
import dev.tether.protocol.session.SessionStats;
import dev.tether.protocol.session.SessionStore;
import dev.tether.protocol.session.SessionStoreException;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import reactor.core.publisher.Mono;

/** A store that passes everything to another, except when a test makes it unreachable or not ready. */
public final class FaultyStore extends ForwardingSessionStore {

    private final SessionStore delegate;
    private volatile boolean failClientAppends;
    private volatile boolean loseClientAppendAnswers;
    private final AtomicInteger replyAppendsLeft = new AtomicInteger(-1);
    private final AtomicInteger replyAnswersToLose = new AtomicInteger();
    private volatile boolean notReady;
    private volatile boolean silent;

    public FaultyStore(SessionStore delegate) {
        this.delegate = delegate;
    }

    /** Client messages fail as if the store could not be reached. */
    public void failClientAppends(boolean fail) {
        this.failClientAppends = fail;
    }

    /**
     * Client messages are stored, but the caller is told the store did not answer in time: the ambiguous failure of
     * a command that ran in Redis and whose reply was lost.
     */
    public void loseClientAppendAnswers(boolean lose) {
        this.loseClientAppendAnswers = lose;
    }

    /**
     * After {@code count} more reply frames, every reply frame fails as if the store timed out, without being
     * stored; a negative count stores them all again.
     */
    public void failReplyAppendsAfter(int count) {
        replyAppendsLeft.set(count);
    }

    /** The next {@code count} reply frames are stored, but the caller is told the store did not answer in time. */
    public void loseReplyAppendAnswers(int count) {
        replyAnswersToLose.set(count);
    }

    /**
     * The store stops answering statistics and new sessions, like a Redis that accepts connections but never replies.
     */
    public void silent(boolean silent) {
        this.silent = silent;
    }

    /** The store reports not ready. */
    public void notReady(boolean notReady) {
        this.notReady = notReady;
    }

    @Override
    public Mono<ClientAppend> appendClient(String sessionId, ClientMessage message, String nodeId,
                                           Duration replyLease) {
        if (failClientAppends) {
            return Mono.error(SessionStoreException.unavailable("appendClient", new IOException("connection reset")));
        }
        Mono<ClientAppend> applied = delegate.appendClient(sessionId, message, nodeId, replyLease);
        return loseClientAppendAnswers ? answerLost(applied, "appendClient") : applied;
    }

    private static SessionStoreException timedOut(String operation) {
        return SessionStoreException.unavailable(operation, new IOException("command timed out"));
    }

    /** {@code applied} runs, and then the caller is told the store did not answer in time. */
    private static <T> Mono<T> answerLost(Mono<T> applied, String operation) {
        return applied.then(Mono.error(timedOut(operation)));
    }

    /** Takes one from {@code counter}, never below zero; returns what it held before. */
    private static int countDown(AtomicInteger counter) {
        return counter.getAndUpdate(left -> Math.max(0, left - 1));
    }

    @Override
    public boolean isReady() {
        return !notReady && delegate.isReady();
    }

    @Override
    public Mono<Attachment> create(String sessionId, byte[] tokenDigest, String nodeId, String user) {
        return silent ? Mono.never() : delegate.create(sessionId, tokenDigest, nodeId, user);
    }

    @Override
    public Mono<Sequenced> appendReply(String sessionId, long replyTo, long part, Sequenced frame, String nodeId,
                                       Duration ttl) {
        if (replyAppendsLeft.get() >= 0 && countDown(replyAppendsLeft) == 0) {
            return Mono.error(timedOut("appendReply"));
        }
        Mono<Sequenced> applied = delegate.appendReply(sessionId, replyTo, part, frame, nodeId, ttl);
        return countDown(replyAnswersToLose) > 0 ? answerLost(applied, "appendReply") : applied;
    }

    @Override
    public Mono<SessionStats> stats() {
        return silent ? Mono.never() : delegate.stats();
    }

    @Override
    protected SessionStore delegate() {
        return delegate;
    }
}
