package dev.tether.protocol.session;

import dev.tether.protocol.TetherException;

/** A session store operation that failed. Ask the predicates rather than reading the message. */
public final class SessionStoreException extends TetherException {

    private enum Kind {
        NOT_FOUND, ALREADY_EXISTS, HISTORY_TRUNCATED, REPLY_ENDED, PART_NOT_NEXT, KEY_REUSED, STATE_CONFLICT,
        STATE_TOO_LARGE, UNAVAILABLE, REJECTED
    }

    private final Kind kind;

    private SessionStoreException(Kind kind, String message, Throwable cause, boolean withStackTrace) {
        super(message, cause, withStackTrace);
        this.kind = kind;
    }

    /** The session does not exist: never created, expired, or removed. Stackless. */
    public static SessionStoreException notFound(String sessionId) {
        return new SessionStoreException(Kind.NOT_FOUND, "session " + sessionId + " not found", null, false);
    }

    /** A session with this id exists already, so it was not created again. */
    public static SessionStoreException alreadyExists(String sessionId) {
        return new SessionStoreException(Kind.ALREADY_EXISTS, "session " + sessionId + " already exists", null, true);
    }

    /** Frames after {@code afterSeq} were trimmed: the oldest retained one is {@code firstSeq}. Stackless. */
    public static SessionStoreException historyTruncated(String sessionId, long afterSeq, long firstSeq) {
        return new SessionStoreException(Kind.HISTORY_TRUNCATED, "session " + sessionId + ": frames after seq "
                + afterSeq + " are no longer retained (oldest retained is " + firstSeq + ")", null, false);
    }

    /**
     * The reply to {@code replyTo} has ended (finished, or ended {@code interrupted} by another node), so its lease is
     * gone and nothing more may be written for it. Stackless.
     */
    public static SessionStoreException replyEnded(String sessionId, long replyTo) {
        return new SessionStoreException(Kind.REPLY_ENDED, "session " + sessionId + ": the reply to cseq " + replyTo
                + " has ended", null, false);
    }

    /**
     * Part {@code part} of the reply to {@code replyTo} is neither the part stored last nor the next one, of which
     * {@code stored} are stored: a producer that lost count. Nothing was appended.
     */
    public static SessionStoreException partNotNext(String sessionId, long replyTo, long part, long stored) {
        return new SessionStoreException(Kind.PART_NOT_NEXT, "session " + sessionId + ": part " + part
                + " of the reply to cseq " + replyTo + " is not the next one: " + stored + " parts are stored",
                null, true);
    }

    /**
     * An idempotency key of {@link SessionStore#appendOnce} came with a frame other than the one first appended under
     * it: not a retry, but a different request reusing its key. Nothing was appended. Stackless.
     */
    public static SessionStoreException keyReused(String sessionId) {
        return new SessionStoreException(Kind.KEY_REUSED, "session " + sessionId
                + ": the idempotency key was first used for a different frame", null, false);
    }

    /**
     * A compare-and-set of the session's state ({@link SessionStore#writeState}) expected version {@code expected},
     * but the state is at {@code actual}: someone wrote it in between. Nothing was written; read it again and retry.
     * Stackless: concurrent writers meet it in the normal course.
     */
    public static SessionStoreException stateConflict(String sessionId, long expected, long actual) {
        return new SessionStoreException(Kind.STATE_CONFLICT, "session " + sessionId + ": the state is at version "
                + actual + ", not " + expected, null, false);
    }

    /** A session state of {@code bytes} bytes exceeds the bound of {@code max} bytes. Nothing was written. */
    public static SessionStoreException stateTooLarge(String sessionId, int bytes, int max) {
        return new SessionStoreException(Kind.STATE_TOO_LARGE, "session " + sessionId + ": a state of " + bytes
                + " bytes exceeds the limit of " + max + " bytes", null, true);
    }

    /**
     * The store cannot be reached or did not answer, and the operation may or may not have been applied: a write
     * that timed out or was in flight when the connection dropped may have run. Sending it again could apply it
     * twice.
     */
    public static SessionStoreException unavailable(String operation, Throwable cause) {
        return new SessionStoreException(Kind.UNAVAILABLE,
                "session store unavailable during " + operation + ": " + cause.getMessage(), cause, true);
    }

    /**
     * The store cannot be reached and the operation was certainly not applied: it never left this process (the
     * store was not connected, or rejected it at once). Stackless: during an outage it comes at a high rate.
     */
    public static SessionStoreException rejected(String operation, Throwable cause) {
        return new SessionStoreException(Kind.REJECTED,
                "session store unavailable, " + operation + " not sent: " + cause.getMessage(), cause, false);
    }

    public boolean isNotFound() {
        return kind == Kind.NOT_FOUND;
    }

    public boolean isAlreadyExists() {
        return kind == Kind.ALREADY_EXISTS;
    }

    public boolean isHistoryTruncated() {
        return kind == Kind.HISTORY_TRUNCATED;
    }

    public boolean isReplyEnded() {
        return kind == Kind.REPLY_ENDED;
    }

    public boolean isPartNotNext() {
        return kind == Kind.PART_NOT_NEXT;
    }

    public boolean isKeyReused() {
        return kind == Kind.KEY_REUSED;
    }

    public boolean isStateConflict() {
        return kind == Kind.STATE_CONFLICT;
    }

    public boolean isStateTooLarge() {
        return kind == Kind.STATE_TOO_LARGE;
    }

    /** Only an unavailable store is worth trying again. */
    @Override
    public boolean isRetryable() {
        return kind == Kind.UNAVAILABLE || kind == Kind.REJECTED;
    }

    /** Whether the operation certainly was not applied, so that sending it again cannot apply it twice. */
    public boolean isNotApplied() {
        return kind == Kind.REJECTED;
    }

    /** Whether {@code error} says the store certainly did not apply the operation. */
    public static boolean isNotApplied(Throwable error) {
        return error instanceof SessionStoreException e && e.isNotApplied();
    }

    /** Whether {@code error} says the session does not exist. */
    public static boolean isNotFound(Throwable error) {
        return error instanceof SessionStoreException e && e.isNotFound();
    }

    /** Whether {@code error} says a reply has ended and takes no more frames. */
    public static boolean isReplyEnded(Throwable error) {
        return error instanceof SessionStoreException e && e.isReplyEnded();
    }

    /** Whether {@code error} says the session to create exists already. */
    public static boolean isAlreadyExists(Throwable error) {
        return error instanceof SessionStoreException e && e.isAlreadyExists();
    }

    /** Whether {@code error} says a reply part was out of order. */
    public static boolean isPartNotNext(Throwable error) {
        return error instanceof SessionStoreException e && e.isPartNotNext();
    }

    /** Whether {@code error} says an idempotency key came with a different frame. */
    public static boolean isKeyReused(Throwable error) {
        return error instanceof SessionStoreException e && e.isKeyReused();
    }

    /** Whether {@code error} says frames were trimmed. */
    public static boolean isHistoryTruncated(Throwable error) {
        return error instanceof SessionStoreException e && e.isHistoryTruncated();
    }

    /** Whether {@code error} says a state's compare-and-set found another version. */
    public static boolean isStateConflict(Throwable error) {
        return error instanceof SessionStoreException e && e.isStateConflict();
    }

    /** Whether {@code error} says a state exceeds its bound. */
    public static boolean isStateTooLarge(Throwable error) {
        return error instanceof SessionStoreException e && e.isStateTooLarge();
    }
}
