import { reconnectOptions } from './backoff.js';
import type { ReconnectOptions } from './backoff.js';
import { systemClock } from './clock.js';
import type { Clock } from './clock.js';
import type { Conversation } from './conversation.js';
import { DEFAULT_MAX_FRAME_BYTES } from './frames.js';
import type { SequencedFrame } from './frames.js';
import { isBrowser, resolveStorage } from './storage.js';
import type { SessionStorage } from './storage.js';
import type { TabsApi } from './tabs.js';
import { resolveWebSocket } from './transport.js';
import type { WebSocketConstructor } from './transport.js';
import { alwaysActive, browserEnvironment } from './visibility.js';
import type { PageEnvironment } from './visibility.js';
import type { TokenProvider } from './token.js';

/** Where a client is in its life. */
export type ConnectionState = 'idle' | 'connecting' | 'connected' | 'reconnecting' | 'failed' | 'closed';

/** What a client needs to resume its session. The token is a credential: never log it. */
export interface SessionHandle {
  id: string;
  token: string;
  epoch: number;
  /** The highest seq delivered to the application (0 for none). */
  lastSeq: number;
}

/** How a client behaves; every field but `url` has a default, the Java client's where it has the same setting. */
export interface TetherClientOptions {
  /** The gateway's WebSocket endpoint, such as `ws://localhost:8787/ws`. */
  url: string;
  /** Where the session, the outbox and the conversation are kept: default 'local' in browsers (memory where
   *  localStorage is blocked), 'memory' in Node. */
  storage?: SessionStorage | 'local' | 'memory';
  /** The key the state is kept under; one conversation per key. Default 'tether'. */
  storageKey?: string;
  /** The WebSocket constructor; default `globalThis.WebSocket` (Node 20 has none: pass `ws`). */
  WebSocket?: WebSocketConstructor;
  /** The source of time and timers; tests pass a FakeClock. */
  clock?: Clock;
  /** Source of randomness for the jitter, from 0 (inclusive) to 1; default Math.random. */
  random?: () => number;
  reconnect?: ReconnectOptions;
  /** Unacknowledged messages the outbox holds before `send` fails with OutboxFullError; default 1000. */
  outboxCapacity?: number;
  /** Received frames after which an ack is sent at once; default 16. */
  ackBatchSize?: number;
  /** Longest wait before acknowledging received frames, in ms; 0 acknowledges each at once. Default 200. */
  ackDelayMs?: number;
  /** Time allowed from opening a connection to its welcome, in ms; default 10000. */
  handshakeTimeoutMs?: number;
  /** Slack on top of the gateway's heartbeat before a silent connection is dropped, in ms; default 10000. */
  heartbeatMarginMs?: number;
  /** Largest frame sent or accepted, in bytes; default 65536. */
  maxFrameBytes?: number;
  /** What happens to unacknowledged messages when a resume fails: sent to the new session renumbered ('resend',
   *  the default), or failed with SessionLostError ('drop'). */
  outboxOnResumeFailure?: 'resend' | 'drop';
  /** Several tabs of one conversation share one connection (Web Locks + BroadcastChannel); default 'auto' in
   *  browsers, where the APIs exist. */
  tabs?: 'auto' | 'off';
  /** No reconnect attempts while the page is hidden or offline; default true in browsers. */
  pauseWhenHidden?: boolean;
  /** Where visibility and network changes come from; default the browser's, or none in Node. */
  environment?: PageEnvironment;
  /** Web Locks and BroadcastChannel for `tabs: 'auto'`; default the browser's, where both exist. */
  tabsApi?: TabsApi;
  /** Conversation entries kept (older ones are dropped); default 200. */
  maxEntries?: number;
  /** Where the client gets a JSON Web Token for a gateway that authenticates (`--auth jwt`): called before every
   *  connect and resume, and before each token's `exp` to refresh it on the open connection (`auth`). After a close
   *  with 4001 the client asks it again and reconnects, at most 3 times in a row. Default none: no credential. */
  tokenProvider?: TokenProvider;
}

/** The events of a client, by name. */
export interface TetherEvents {
  stateChange: { previous: ConnectionState; current: ConnectionState };
  /** The client will open a new connection after `delayMs`; `max` is `Infinity` for unlimited attempts. */
  reconnecting: { attempt: number; max: number; delayMs: number };
  /** After every welcome: `resumed` false on a new session, with the reason a requested resume failed. */
  resumed: { resumed: boolean; reason?: string; replayed: number };
  /** Messages waiting in the outbox were (re)sent after a welcome. */
  queueFlushed: { count: number };
  /** A connection ended; 1006 when it was cut or dropped by the client. */
  closed: { code: number; reason: string };
  /** A ping or pong was heard; `rttMs` for the answer to the client's own ping. */
  heartbeat: { rttMs?: number };
  /** The gateway reported an error frame; the connection stays open. */
  error: { code: string; message: string };
  /** Every sequenced frame, once and in seq order across reconnects and reloads. */
  message: SequencedFrame;
  /** The conversation view changed. */
  conversation: Conversation;
  /** The browser went offline or came back. */
  offline: { offline: boolean };
}

const DEFAULTS = {
  storageKey: 'tether',
  outboxCapacity: 1000,
  ackBatchSize: 16,
  ackDelayMs: 200,
  handshakeTimeoutMs: 10_000,
  heartbeatMarginMs: 10_000,
};

/** The options with every default filled in and every range checked. */
export interface Settings {
  readonly url: string;
  readonly clock: Clock;
  readonly random: () => number;
  readonly storage: SessionStorage;
  readonly storageKey: string;
  readonly WebSocket: WebSocketConstructor;
  readonly reconnect: Required<ReconnectOptions>;
  readonly maxFrameBytes: number;
  readonly outboxCapacity: number;
  readonly ackBatchSize: number;
  readonly ackDelayMs: number;
  readonly handshakeTimeoutMs: number;
  readonly heartbeatMarginMs: number;
  readonly outboxOnResumeFailure: 'resend' | 'drop' | undefined;
  readonly tabs: 'auto' | 'off';
  readonly tabsApi: TabsApi | undefined;
  readonly environment: PageEnvironment;
  readonly pauseWhenHidden: boolean;
  readonly maxEntries: number | undefined;
  readonly tokenProvider: TokenProvider | undefined;
}

/** Validates the options and fills in the defaults; throws TypeError or RangeError on a bad one. */
export function resolveOptions(options: TetherClientOptions): Settings {
  if (!options || typeof options.url !== 'string' || !/^wss?:\/\//i.test(options.url)) {
    throw new TypeError(`url must be a ws:// or wss:// URL, got ${options?.url}`);
  }
  const setting = <K extends keyof typeof DEFAULTS>(key: K): (typeof DEFAULTS)[K] =>
    (options[key] as (typeof DEFAULTS)[K] | undefined) ?? DEFAULTS[key];
  const clock = options.clock ?? systemClock;
  const random = options.random ?? Math.random;
  const storage = resolveStorage(options.storage);
  const storageKey = setting('storageKey');
  const WebSocket = resolveWebSocket(options.WebSocket);
  const reconnect = reconnectOptions(options.reconnect);
  const maxFrameBytes = checkRange('maxFrameBytes', options.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES, 1024,
    16 * 1024 * 1024);
  const outboxCapacity = checkRange('outboxCapacity', setting('outboxCapacity'), 1, 1_000_000);
  const ackBatchSize = checkRange('ackBatchSize', setting('ackBatchSize'), 1, 100_000);
  const ackDelayMs = checkRange('ackDelayMs', setting('ackDelayMs'), 0, 60_000);
  const handshakeTimeoutMs = checkRange('handshakeTimeoutMs', setting('handshakeTimeoutMs'), 1, 600_000);
  const heartbeatMarginMs = checkRange('heartbeatMarginMs', setting('heartbeatMarginMs'), 0, 600_000);
  return {
    url: options.url,
    clock,
    random,
    storage,
    storageKey,
    WebSocket,
    reconnect,
    maxFrameBytes,
    outboxCapacity,
    ackBatchSize,
    ackDelayMs,
    handshakeTimeoutMs,
    heartbeatMarginMs,
    outboxOnResumeFailure: options.outboxOnResumeFailure,
    tabs: options.tabs ?? 'auto',
    tabsApi: options.tabsApi,
    environment: options.environment ?? (isBrowser() ? browserEnvironment() : alwaysActive),
    pauseWhenHidden: options.pauseWhenHidden ?? isBrowser(),
    maxEntries: options.maxEntries,
    tokenProvider: checkProvider(options.tokenProvider),
  };
}

function checkProvider(provider: TokenProvider | undefined): TokenProvider | undefined {
  if (provider !== undefined && typeof provider !== 'function') {
    throw new TypeError(`tokenProvider must be a function, got ${typeof provider}`);
  }
  return provider;
}

function checkRange(name: string, value: number, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new RangeError(`${name} must be an integer between ${min} and ${max}, got ${value}`);
  }
  return value;
}
