package dev.tether.gateway.internal;

import dev.tether.protocol.ClientMessage;
import dev.tether.protocol.UserMessage;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import reactor.core.scheduler.Scheduler;

/**
 * The limit on user messages as one connection meets it. A user message beyond its user's rate ({@link UserLimits})
 * starts a pause: it and every later client message (they could not be stored before it, since client messages are
 * stored in order) are answered {@code rate_limited} with what is left of the pause, and not stored. Resends of
 * messages already stored pass, and spend nothing.
 *
 * <p>A client that honours the hint sends nothing new during the pause, apart from what it had sent before it heard
 * of it, which arrives within a round trip. A message that arrives a {@link #GRACE} or more into the pause, or a
 * resend of a refused message before the pause is over, ignores the hint; a connection that does so too often is
 * closed with 1008. Not thread-safe: a connection handles its frames one at a time.
 */
final class MessageRate {

    /** How long after a pause starts messages may still arrive that were sent before the client heard of it. */
    static final Duration GRACE = Duration.ofSeconds(1);

    private final UserLimits limits;
    private final Scheduler scheduler;
    /** The highest cseq the store acknowledged on this connection: anything at or below it is a resend. */
    private long storedCseq;
    private long pauseStart;
    private long pauseUntil;
    private boolean paused;
    /** The highest cseq answered {@code rate_limited}. */
    private long highestRefused;
    private int ignored;

    /** A message refused: how long to wait, and how many times this connection ignored the hint so far. */
    record Refusal(Duration retryAfter, int ignored) {
    }

    MessageRate(UserLimits limits, Scheduler scheduler) {
        this.limits = limits;
        this.scheduler = scheduler;
    }

    /** The store acknowledged every client message up to {@code ackedCseq}. */
    void stored(long ackedCseq) {
        storedCseq = Math.max(storedCseq, ackedCseq);
    }

    /**
     * Counts {@code message} of {@code user} (a user's {@code sub}, or a session when nobody authenticates): null when
     * it may be stored, else why not.
     */
    Refusal check(ClientMessage message, String user) {
        if (!limits.limitsMessages() || message.cseq() <= storedCseq) {
            return null;
        }
        long now = scheduler.now(TimeUnit.NANOSECONDS);
        if (paused && now - pauseUntil < 0) {
            if (now - pauseStart >= GRACE.toNanos() || message.cseq() <= highestRefused) {
                ignored++;
            }
            highestRefused = Math.max(highestRefused, message.cseq());
            return new Refusal(Duration.ofNanos(pauseUntil - now), ignored);
        }
        paused = false;
        if (!(message instanceof UserMessage)) {
            return null;
        }
        Duration wait = limits.message(user);
        if (wait.isZero()) {
            return null;
        }
        paused = true;
        pauseStart = now;
        pauseUntil = now + wait.toNanos();
        highestRefused = message.cseq();
        return new Refusal(wait, ignored);
    }
}
