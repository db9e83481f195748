package dev.tether.client;

import dev.tether.protocol.ResumeFailure;

/**
 * A resume failed and, as configured with {@link OutboxOnResumeFailure#FAIL}, a message still in the outbox was not
 * carried over to the new session. Sending it again, in the new session, may succeed.
 */
public final class SessionLostException extends TetherClientException {

    private final ResumeFailure reason;

    SessionLostException(ResumeFailure reason) {
        super("the session could not be resumed (" + reason.wireName()
                + "); the message was not sent to the new session", null, false);
        this.reason = reason;
    }

    /** Why the resume failed. */
    public ResumeFailure reason() {
        return reason;
    }

    @Override
    public boolean isRetryable() {
        return true;
    }
}
