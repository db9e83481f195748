/**
 * Several tabs, one connection: the tab holding a Web Lock named after the conversation is the leader and holds the
 * socket; the others are followers that mirror it over a BroadcastChannel and route their calls through it. When
 * the leader's tab closes, the browser releases its lock and the next tab in line takes it over.
 */

/** The part of the Web Locks API used here (`navigator.locks`). */
export interface LockManagerLike {
  request(name: string, options: { ifAvailable?: boolean; signal?: AbortSignal },
          callback: (lock: unknown) => Promise<void> | void): Promise<unknown>;
}

/** The part of BroadcastChannel used here. */
export interface ChannelLike {
  postMessage(message: unknown): void;
  onmessage: ((event: { data: unknown }) => void) | null;
  close(): void;
}

/** What tab coordination needs from the platform. */
export interface TabsApi {
  locks: LockManagerLike;
  channel(name: string): ChannelLike;
}

/** The browser's Web Locks and BroadcastChannel, or undefined where either is missing. */
export function browserTabsApi(): TabsApi | undefined {
  const g = globalThis as unknown as {
    navigator?: { locks?: LockManagerLike };
    BroadcastChannel?: new (name: string) => ChannelLike;
    document?: unknown;
  };
  const locks = g.navigator?.locks;
  const Channel = g.BroadcastChannel;
  if (!g.document || !locks || typeof locks.request !== 'function' || !Channel) {
    return undefined;
  }
  return { locks, channel: (name) => new Channel(name) };
}

/**
 * Elects this tab leader or follower for one lock name: at once if the lock is free, otherwise a follower that
 * waits in line and becomes leader when the lock is released.
 */
export class TabElection {
  private readonly abort = new AbortController();
  private release: (() => void) | undefined;
  private stopped = false;

  constructor(private readonly locks: LockManagerLike, private readonly name: string,
              private readonly onLeader: () => void, private readonly onFollower: () => void) {
  }

  start(): void {
    this.locks.request(this.name, { ifAvailable: true }, (lock) => {
      if (this.stopped) {
        return undefined;
      }
      if (lock === null || lock === undefined) {
        this.onFollower();
        this.waitInLine();
        return undefined;
      }
      return this.lead();
    }).catch(() => {});
  }

  /** Gives the lock up, or leaves the line. */
  stop(): void {
    this.stopped = true;
    this.abort.abort();
    this.release?.();
  }

  private waitInLine(): void {
    this.locks.request(this.name, { signal: this.abort.signal }, () => (this.stopped ? undefined : this.lead()))
      // An abort when stopped: nothing to do.
      .catch(() => {});
  }

  private lead(): Promise<void> {
    const held = new Promise<void>((resolve) => {
      this.release = resolve;
    });
    this.onLeader();
    return held;
  }
}

/** The messages tabs exchange; `from` and `to` are tab ids. */
export type TabMessage =
  | { kind: 'hello'; from: string; hidden: boolean }
  | { kind: 'page'; from: string; hidden: boolean }
  | { kind: 'gone'; from: string }
  | { kind: 'sync'; from: string; mirror: Mirror }
  | { kind: 'event'; from: string; type: string; event: unknown; mirror: Mirror }
  | { kind: 'call'; from: string; id: number; op: TabOp; args: unknown[] }
  | { kind: 'result'; from: string; to: string; id: number; value?: unknown;
    error?: { name: string; message: string; retryable?: boolean } };

/** The operations a follower routes through the leader. */
export type TabOp = 'connect' | 'send' | 'sendEvent' | 'cancel' | 'disconnect' | 'close' | 'restart' | 'retry';

/** What a follower shows of the leader's client. */
export interface Mirror {
  state: string;
  session: { id: string; token: string; epoch: number; lastSeq: number } | undefined;
  queueSize: number;
  conversation?: { entries: unknown[] };
}
