import { CloseCode, shouldReconnect } from './backoff.js';
import type { TimerHandle } from './clock.js';
import { ClientClosedError, ConnectionFailedError } from './errors.js';
import { Link } from './link.js';
import type { ConnectionState, Settings, TetherEvents } from './options.js';
import type { Persistence } from './persistence.js';
import type { Reconnect } from './reconnect.js';
import { rejectAll } from './session.js';
import type { ClientSession } from './session.js';
import { MAX_UNAUTHORIZED_IN_A_ROW } from './token.js';

/** What the lifecycle needs from its client. */
export interface LifecycleHost {
  emit<K extends keyof TetherEvents>(type: K, event: TetherEvents[K]): void;
  state(): ConnectionState;
  transition(current: ConnectionState): void;
  /** Whether this tab is a follower (which never holds the state). */
  follower(): boolean;
  /** Takes the persisted state as the client's. */
  reload(): void;
  /** The client has closed for good: stop listening to the page. */
  closed(): void;
}

/**
 * A client's run from start to end: the current link, and what follows when it ends (a reconnect, a failure, or
 * the end of the session).
 */
export class Lifecycle {
  link: Link | undefined;
  running = false;
  closeRequested = false;
  lastFailure: Error | undefined;
  /** The application asked to connect: a tab that takes the connection over connects. */
  connectRequested = false;
  private byeTimer: TimerHandle | undefined;
  /** Closes with 4001 since the last welcome, each followed by a new token. */
  private unauthorizedInARow = 0;
  /** Counts connection attempts, so that a token arriving after its attempt was abandoned is dropped. */
  private attempts = 0;

  constructor(private readonly settings: Settings, private readonly store: Persistence,
              private readonly session: ClientSession, private readonly reconnect: Reconnect,
              private readonly host: LifecycleHost) {
  }

  start(): void {
    if (!this.host.follower() && (!this.store.touched || this.store.blocked)) {
      // Another tab may have written a newer state since this one read it (without Web Locks, the newest tab
      // takes the session over; retry() after a takeover takes it back): resume from that.
      this.host.reload();
      this.store.blocked = false;
    }
    this.running = true;
    this.lastFailure = undefined;
    this.reconnect.backoff.reset();
    this.host.transition('connecting');
    this.open(false);
  }

  /** A follower asked the leader to connect. */
  connectForFollower(): void {
    if (this.host.state() === 'closed' || this.closeRequested) {
      throw new ClientClosedError('the client is closed');
    }
    this.connectRequested = true;
    if (!this.running) {
      this.start();
    }
  }

  /** This tab, a follower until now, holds the connection: carry on from the state the leader was in. */
  tookOver(mirrored: string | undefined): void {
    // The old leader's storage is the newest state of the conversation: carry on from it (start() reads it,
    // a follower having never written).
    if (mirrored === 'closed') {
      this.host.reload();
      this.closeRequested = true;
    } else if (this.connectRequested || mirrored === 'connecting' || mirrored === 'connected'
      || mirrored === 'reconnecting') {
      this.start();
    } else {
      this.host.reload();
      this.host.transition('idle');
    }
  }

  /** Why a message cannot be queued now, if it cannot. */
  refusal(): Error | undefined {
    const state = this.host.state();
    if (state === 'closed' || this.closeRequested) {
      return new ClientClosedError('the client is closed');
    }
    if (state === 'failed') {
      return new ConnectionFailedError('the client has failed; call retry() or connect() to try again'
        + (this.lastFailure ? ` (${this.lastFailure.message})` : ''), undefined, { cause: this.lastFailure });
    }
    return undefined;
  }

  /** Stops the lifecycle without waiting for anything: the connection, its timers, a pending reconnect. */
  stop(): void {
    this.running = false;
    this.reconnect.cancel();
    const link = this.link;
    if (link) {
      this.endLink(link);
      link.close(1000, 'closed by the client');
    }
  }

  /** A handshake succeeded: the last failure is forgotten and the backoff starts over. */
  welcomed(): void {
    this.lastFailure = undefined;
    this.unauthorizedInARow = 0;
    this.reconnect.backoff.reset();
  }

  open(reconnecting: boolean): void {
    if (!this.running || !this.reconnect.mayOpen(reconnecting)) {
      return;
    }
    const provider = this.settings.tokenProvider;
    if (!provider) {
      this.openWith(undefined);
      return;
    }
    // A fresh token for every connect and resume: the one before may have expired while disconnected.
    const attempt = ++this.attempts;
    const stillWanted = () => this.running && attempt === this.attempts && !this.link;
    Promise.resolve()
      .then(() => provider())
      .then((token) => {
        if (typeof token !== 'string' || token === '') {
          throw new TypeError('the token provider gave no token');
        }
        if (stillWanted()) {
          this.openWith(token);
        }
      })
      .catch((error: unknown) => {
        if (stillWanted()) {
          const reason = `the token provider failed: ${(error as Error)?.message ?? String(error)}`;
          this.host.emit('closed', { code: CloseCode.ABNORMAL, reason });
          const failure = this.reconnect.afterClose(CloseCode.ABNORMAL, reason);
          if (failure) {
            this.fail(failure);
          }
        }
      });
  }

  private openWith(token: string | undefined): void {
    const link = new Link(this.settings, this.session, (l) => this.link === l);
    link.token = token;
    this.link = link;
    link.open();
  }

  /** Says bye on a welcomed link and waits for the gateway to close, at most the handshake timeout. */
  bye(link: Link): void {
    // The gateway answers bye by closing with 1000, which ends the client.
    link.write({ type: 'bye' });
    this.byeTimer = this.settings.clock.setTimeout(() => this.finishClosed(), this.settings.handshakeTimeoutMs);
  }

  clearBye(): void {
    this.settings.clock.clearTimeout(this.byeTimer);
  }

  ended(link: Link, code: number, reason: string): void {
    if (this.link !== link) {
      return;
    }
    this.endLink(link);
    this.host.emit('closed', { code, reason });
    if (!this.running) {
      return;
    }
    if (this.closeRequested || code === 1000) {
      // After bye, or the session was ended elsewhere (bye on another connection): it is over.
      this.finishClosed();
      return;
    }
    // A refused token is retried with a new one from the provider, a few times in a row at most.
    const newToken = code === CloseCode.UNAUTHORIZED && this.settings.tokenProvider !== undefined
      && ++this.unauthorizedInARow < MAX_UNAUTHORIZED_IN_A_ROW;
    if (!shouldReconnect(code) && !newToken) {
      if (code === 4009) {
        // Another tab or process resumed the session and holds the newer state.
        this.store.blocked = true;
      }
      this.fail(new ConnectionFailedError(`not reconnecting: the gateway closed the connection with ${code}`
        + (reason ? ` (${reason})` : ''), code));
      return;
    }
    const failure = this.reconnect.afterClose(code, reason);
    if (failure) {
      this.fail(failure);
    }
  }

  /** Gives up: pending sends fail (as the Java client's), the session is kept for retry(). */
  fail(error: ConnectionFailedError): void {
    this.stop();
    this.lastFailure = error;
    const drained = this.session.drainFailed();
    this.store.save();
    this.host.transition('failed');
    rejectAll(drained, error);
    if (drained.length > 0) {
      this.session.emitConversation();
    }
  }

  finishClosed(): void {
    if (this.host.state() === 'closed') {
      return;
    }
    this.closeRequested = true;
    this.clearBye();
    this.stop();
    const drained = this.session.drainFailed();
    this.store.session = undefined;
    this.store.clear();
    this.host.closed();
    this.host.transition('closed');
    rejectAll(drained, new ClientClosedError('the client is closed'));
  }

  private endLink(link: Link): void {
    link.end();
    if (this.link === link) {
      this.link = undefined;
      this.store.delivery.detach();
    }
  }
}
