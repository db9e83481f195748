/**
 * The errors a client reports, named after the Java client's exceptions; ask `retryable` rather than testing
 * classes where a retry is the question.
 */
export class TetherError extends Error {
  /** Whether trying the same operation again later may succeed. */
  readonly retryable: boolean;

  constructor(message: string, retryable = false, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.retryable = retryable;
  }
}

/** The outbox already holds its capacity of unacknowledged messages. */
export class OutboxFullError extends TetherError {
  constructor(readonly capacity: number) {
    super(`the outbox is full: ${capacity} messages wait for the gateway's acknowledgement`, true);
  }
}

/** A message is too large for the frame limit, or for the frames the gateway would make of it. */
export class MessageTooBigError extends TetherError {
}

/** The client is closed (by `close()` or the gateway ending the session), or was restarted before the ack. */
export class ClientClosedError extends TetherError {
}

/** The client gave up connecting (retries exhausted or a terminal close code); `retry()` tries again. */
export class ConnectionFailedError extends TetherError {
  constructor(message: string, readonly closeCode?: number, options?: { cause?: unknown }) {
    super(message, false, options);
  }
}

/** A resume failed and the outbox was not carried over to the new session (`outboxOnResumeFailure: 'drop'`). */
export class SessionLostError extends TetherError {
  constructor(readonly reason: string) {
    super(`the session could not be resumed (${reason}); the message was not sent to the new session`);
  }
}

/** A connection ended for a reason of the client's own: no welcome in time, silence, a gap in seq. */
export class ConnectionLostError extends TetherError {
  constructor(message: string) {
    super(message, true);
  }
}
