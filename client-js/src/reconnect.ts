import { Backoff, parseRetryAfter, retryAfterWait } from './backoff.js';
import type { TimerHandle } from './clock.js';
import { ConnectionFailedError } from './errors.js';
import type { Settings, TetherEvents } from './options.js';

/** What the reconnect scheduling needs from its client. */
export interface ReconnectHost {
  /** Whether the client is running (connected, or trying to be). */
  running(): boolean;
  /** Whether a connection is open or opening. */
  linked(): boolean;
  /** Opens a new connection now. */
  open(): void;
  reconnecting(): void;
  emit<K extends 'reconnecting' | 'offline'>(type: K, event: TetherEvents[K]): void;
  /** Whether a follower tab this one serves is visible. */
  followerVisible(): boolean;
}

/**
 * When the next connection is opened: after the backoff (or the gateway's retry-after hint), never while the page
 * is hidden or offline, and at once when it comes back.
 */
export class Reconnect {
  readonly backoff: Backoff;
  private timer: TimerHandle | undefined;
  private waitingForPage = false;
  private wasOffline = false;
  private wasActive = true;

  constructor(private readonly settings: Settings, private readonly host: ReconnectHost) {
    this.backoff = new Backoff(settings.reconnect, settings.random);
  }

  /** Takes the page's current state as the one changes are measured from. */
  watch(): void {
    this.wasOffline = !this.settings.environment.online();
    this.wasActive = this.pageActive();
  }

  /** Whether a connection may be opened now; when not, the page coming back opens it. */
  mayOpen(reconnecting: boolean): boolean {
    if (reconnecting && !this.pageActive()) {
      // No attempts while hidden or offline (battery, and attempts that cannot succeed): pageChanged() resumes.
      this.waitingForPage = true;
      return false;
    }
    this.waitingForPage = false;
    return true;
  }

  /** Whether a reconnect is waiting out its backoff or the page. */
  get pending(): boolean {
    return this.timer !== undefined || this.waitingForPage;
  }

  /** Cancels a pending reconnect. */
  cancel(): void {
    this.settings.clock.clearTimeout(this.timer);
    this.timer = undefined;
    this.waitingForPage = false;
  }

  /** Opens the pending connection at once. */
  now(): void {
    this.cancel();
    this.host.open();
  }

  /**
   * Schedules the connection after one that ended with a code worth reconnecting after; returns the failure when
   * the attempts are used up.
   */
  afterClose(code: number, reason: string): ConnectionFailedError | undefined {
    const hint = parseRetryAfter(reason);
    if (hint !== undefined) {
      // A refusal, not a failure: wait the hint instead of the backoff, and start the backoff over.
      this.backoff.reset();
      this.schedule(1, retryAfterWait(hint, this.settings.reconnect.jitter, this.settings.random));
      return undefined;
    }
    const next = this.backoff.next();
    if (!next) {
      return new ConnectionFailedError(`gave up reconnecting after ${this.settings.reconnect.maxAttempts} attempts: `
        + `closed with ${code}${reason ? ` (${reason})` : ''}`, code);
    }
    this.schedule(next.attempt, next.delayMs);
    return undefined;
  }

  /** Emits 'offline' when the network came or went. */
  checkOffline(): void {
    const offline = !this.settings.environment.online();
    if (offline !== this.wasOffline) {
      this.wasOffline = offline;
      this.host.emit('offline', { offline });
    }
  }

  /** The page's visibility or network changed (here or in a follower): a pending reconnect may go at once. */
  pageChanged(): void {
    const active = this.pageActive();
    const becameActive = active && !this.wasActive;
    this.wasActive = active;
    if (!this.host.running() || !active) {
      return;
    }
    if (this.waitingForPage || (becameActive && this.timer !== undefined)) {
      // Visible or online again: the pending reconnect happens at once.
      this.now();
    }
  }

  private pageActive(): boolean {
    const environment = this.settings.environment;
    // A leader in a background tab serves the visible followers too.
    const visible = !environment.hidden() || this.host.followerVisible();
    return !this.settings.pauseWhenHidden || (visible && environment.online());
  }

  private schedule(attempt: number, delayMs: number): void {
    this.host.reconnecting();
    if (!this.host.running()) {
      return;
    }
    this.host.emit('reconnecting', { attempt, max: this.settings.reconnect.maxAttempts, delayMs });
    if (!this.host.running() || this.host.linked() || this.timer !== undefined) {
      return;
    }
    this.timer = this.settings.clock.setTimeout(() => {
      this.timer = undefined;
      this.host.open();
    }, delayMs);
  }
}
