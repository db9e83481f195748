import type { TimerHandle } from './clock.js';
import { decodeServerFrame, encodeClientFrame } from './frames.js';
import type { ClientFrame, SequencedFrame, ServerFrame, Welcome } from './frames.js';
import type { Settings } from './options.js';
import { refreshDelay, TOKEN_RETRY_MS } from './token.js';
import { openConnection } from './transport.js';
import type { Connection } from './transport.js';

/** What a link reports to the client that owns it. */
export interface LinkHandler {
  /** The socket is open: say hello. */
  opened(link: Link): void;
  welcome(link: Link, welcome: Welcome): void;
  /** A sequenced frame after the welcome. */
  sequenced(link: Link, frame: SequencedFrame): void;
  ack(cseq: number): void;
  error(error: { code: string; message: string }): void;
  /** The gateway has not stored everything sent on this link: write the unacknowledged messages again. */
  resend(link: Link): void;
  heartbeat(event: { rttMs?: number }): void;
  /** The connection ended, cut by the network, closed by the gateway or dropped by the client. */
  ended(link: Link, code: number, reason: string): void;
}

/**
 * One connection, from its hello to its end, and the timers that live as long as it does: the handshake and idle
 * timeouts, the pings, a resend after the store was unavailable. Only the current link of a client acts; a link
 * that has been replaced or ended ignores whatever still arrives on it.
 */
export class Link {
  resumeRequested = false;
  welcomed = false;
  heartbeatMs = 0;
  /** The token presented in hello, then the one sent last in `auth`: a credential, never logged. */
  token: string | undefined;
  private conn!: Connection;
  private readonly timers = new Set<TimerHandle>();
  private idleTimer?: TimerHandle;
  private resendTimer?: TimerHandle;
  /** Told to wait by `rate_limited`: new messages stay in the outbox until the resend after the hint. */
  private paused = false;

  /** @param current whether this link is still its client's current one */
  constructor(private readonly settings: Settings, private readonly handler: LinkHandler,
              private readonly current: (link: Link) => boolean) {
  }

  /** Opens the socket; the handshake timeout starts now. */
  open(): void {
    this.conn = openConnection(this.settings.WebSocket, this.settings.url, {
      open: () => this.onOpen(),
      message: (text) => this.onText(text),
      closed: (code, reason) => this.handler.ended(this, code, reason),
    });
    this.armIdle(this.settings.handshakeTimeoutMs,
      () => `no welcome within the handshake timeout of ${this.settings.handshakeTimeoutMs} ms`);
  }

  /** Whether a new message goes out now: welcomed, and not told to wait by the gateway. */
  get sendsNow(): boolean {
    return this.welcomed && !this.paused;
  }

  /** The welcome came: from now on, a ping every heartbeat and nothing heard for heartbeat plus margin drops it. */
  markWelcomed(heartbeatMs: number): void {
    this.welcomed = true;
    this.heartbeatMs = heartbeatMs;
    this.armHeartbeat();
    this.schedulePing();
    this.scheduleRefresh();
  }

  write(frame: ClientFrame): void {
    if (this.current(this)) {
      this.conn.send(encodeClientFrame(frame));
    }
  }

  /** Closes the socket without waiting for its end. */
  close(code: number, reason: string): void {
    this.conn.close(code, reason);
  }

  /** The client ends a connection for a reason of its own; it is handled as a cut. */
  fail(reason: string): void {
    if (!this.current(this)) {
      return;
    }
    this.conn.close(4000, reason.slice(0, 120));
    this.handler.ended(this, 1006, reason);
  }

  /** Cancels every timer of this link. */
  end(): void {
    for (const timer of this.timers) {
      this.settings.clock.clearTimeout(timer);
    }
    this.timers.clear();
  }

  private onOpen(): void {
    if (this.current(this)) {
      this.handler.opened(this);
    }
  }

  private onText(text: string): void {
    if (!this.current(this)) {
      return;
    }
    if (this.welcomed) {
      this.armHeartbeat();
    }
    let frame: ServerFrame;
    try {
      frame = decodeServerFrame(text);
    } catch (error) {
      // A newer gateway may send types this client does not know; a broken sequenced frame leaves a gap, and the
      // gap makes the client resume.
      console.warn('tether: ignoring a frame from the gateway:', (error as Error).message);
      return;
    }
    switch (frame.type) {
      case 'welcome':
        if (this.welcomed) {
          this.fail('unexpected frame from the gateway: a second welcome');
        } else {
          this.handler.welcome(this, frame);
        }
        return;
      case 'assistant_delta':
      case 'assistant_done':
      case 'event':
        if (!this.welcomed) {
          this.fail(`unexpected frame from the gateway: ${frame.type} before welcome`);
        } else {
          this.handler.sequenced(this, frame);
        }
        return;
      case 'ack':
        this.handler.ack(frame.cseq);
        return;
      case 'auth_ok':
        // The refreshed token was accepted; the next refresh is already scheduled.
        return;
      case 'error':
        this.handler.error({ code: frame.code, message: frame.message });
        if (this.welcomed && frame.code === 'out_of_order') {
          // The gateway missed a message before the one it refused: send everything it has not stored.
          this.handler.resend(this);
        } else if (this.welcomed && frame.code === 'rate_limited' && !this.paused) {
          // Neither stored nor acknowledged, nor what followed it: wait the hint, then send it all again. Later
          // hints of the same pause answer messages already on their way, and do not push the resend back.
          this.paused = true;
          this.settings.clock.clearTimeout(this.resendTimer);
          this.timers.delete(this.resendTimer!);
          this.resendTimer = this.schedule(() => {
            this.resendTimer = undefined;
            this.paused = false;
            this.handler.resend(this);
          }, frame.retryAfterMs ?? this.settings.reconnect.baseDelayMs);
        } else if (this.welcomed && frame.code === 'store_unavailable' && this.resendTimer === undefined) {
          // Neither stored nor acknowledged; the gateway drops duplicates, so a resend is safe.
          this.resendTimer = this.schedule(() => {
            this.resendTimer = undefined;
            this.handler.resend(this);
          }, this.settings.reconnect.baseDelayMs);
        }
        return;
      case 'ping':
        this.write({ type: 'pong', t: frame.t });
        this.handler.heartbeat({});
        return;
      case 'pong':
        this.handler.heartbeat({ rttMs: Math.max(0, this.settings.clock.now() - frame.t) });
        return;
    }
  }

  private armHeartbeat(): void {
    const ms = this.heartbeatMs + this.settings.heartbeatMarginMs;
    this.armIdle(ms, () => `nothing heard for ${ms} ms (heartbeat plus margin)`);
  }

  /** (Re)arms the timer that drops a connection on which nothing was heard for `ms`. */
  private armIdle(ms: number, why: () => string): void {
    this.settings.clock.clearTimeout(this.idleTimer);
    this.timers.delete(this.idleTimer!);
    this.idleTimer = this.schedule(() => this.fail(why()), ms);
  }

  /** Replaces the token with a fresh one from the provider before it expires, for as long as the link lives. */
  private scheduleRefresh(): void {
    const delay = this.token === undefined ? undefined : refreshDelay(this.token, this.settings.clock.now());
    if (this.settings.tokenProvider && delay !== undefined) {
      this.schedule(() => this.refreshToken(), delay);
    }
  }

  private refreshToken(): void {
    const provider = this.settings.tokenProvider!;
    Promise.resolve()
      .then(() => provider())
      .then((token) => {
        if (typeof token !== 'string' || token === '') {
          throw new TypeError('the token provider gave no token');
        }
        if (this.current(this)) {
          this.token = token;
          this.write({ type: 'auth', token });
          this.scheduleRefresh();
        }
      })
      .catch(() => {
        // Asked again shortly; the gateway closes with 4001 only once the token has expired.
        if (this.current(this)) {
          this.schedule(() => this.refreshToken(), TOKEN_RETRY_MS);
        }
      });
  }

  private schedulePing(): void {
    this.schedule(() => {
      this.write({ type: 'ping', t: this.settings.clock.now() });
      this.schedulePing();
    }, this.heartbeatMs);
  }

  /** Runs `action` after `ms` unless the link has ended by then. */
  private schedule(action: () => void, ms: number): TimerHandle {
    const handle = this.settings.clock.setTimeout(() => {
      this.timers.delete(handle);
      if (this.current(this)) {
        action();
      }
    }, ms);
    this.timers.add(handle);
    return handle;
  }
}
