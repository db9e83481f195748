import { Backoff, parseRetryAfter, reconnectOptions, retryAfterWait, shouldReconnect } from './backoff.js';
import type { ReconnectOptions } from './backoff.js';
import { systemClock } from './clock.js';
import type { Clock, TimerHandle } from './clock.js';
import { ConversationLog } from './conversation.js';
import type { Conversation } from './conversation.js';
import { Delivery } from './delivery.js';
import { Emitter } from './emitter.js';
import {
  ClientClosedError, ConnectionFailedError, ConnectionLostError, MessageTooBigError, OutboxFullError,
  SessionLostError, TetherError,
} from './errors.js';
import {
  checkClientMessage, DEFAULT_MAX_FRAME_BYTES, decodeServerFrame, encodeClientFrame, FrameError, MessageSizeError,
  PROTOCOL_VERSION,
} from './frames.js';
import type { ClientFrame, ClientMessage, SequencedFrame, ServerFrame, Welcome } from './frames.js';
import { Outbox } from './outbox.js';
import type { OutboxEntry, UnnumberedMessage } from './outbox.js';
import { clearState, isBrowser, loadState, resolveStorage, saveState } from './storage.js';
import type { PersistedState, SessionStorage } from './storage.js';
import { openConnection, resolveWebSocket } from './transport.js';
import type { Connection, WebSocketConstructor } from './transport.js';
import { browserTabsApi, TabElection } from './tabs.js';
import type { ChannelLike, Mirror, TabMessage, TabOp, TabsApi } from './tabs.js';
import { alwaysActive, browserEnvironment } from './visibility.js';
import type { PageEnvironment } from './visibility.js';

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

/** One connection, from its hello to its end, and the timers that live as long as it does. */
interface Link {
  conn: Connection;
  resumeRequested: boolean;
  welcomed: boolean;
  heartbeatMs: number;
  timers: Set<TimerHandle>;
  idleTimer?: TimerHandle;
  resendTimer?: TimerHandle;
}

/**
 * A connection to a Tether gateway whose session survives reconnects, page reloads and several tabs: messages are
 * neither lost nor duplicated in either direction.
 *
 * Sending: {@link send} numbers the message (its cseq) and puts it in a bounded outbox; it is written at once when
 * connected, or after the next welcome, and leaves the outbox when the gateway acknowledges it. Receiving: every
 * sequenced frame is delivered once and in seq order ({@link TetherEvents.message}), folded into the
 * {@link conversation}, and acknowledged in batches.
 */
export class TetherClient {
  private readonly emitter = new Emitter<TetherEvents>();
  private readonly options: TetherClientOptions;
  private readonly clock: Clock;
  private readonly random: () => number;
  private readonly storage: SessionStorage;
  private readonly storageKey: string;
  private readonly WebSocketCtor: WebSocketConstructor;
  private readonly reconnect: Required<ReconnectOptions>;
  private readonly maxFrameBytes: number;
  private readonly environment: PageEnvironment;
  private readonly pauseWhenHidden: boolean;
  private unsubscribeEnvironment: () => void = () => {};

  private stateValue: ConnectionState = 'idle';
  private sessionInfo: { id: string; token: string; epoch: number } | undefined;
  private delivery: Delivery;
  private outbox: Outbox;
  private log: ConversationLog;
  private backoff: Backoff;
  private link: Link | undefined;
  private running = false;
  private closeRequested = false;
  private closing: Promise<void> | undefined;
  private byeTimer: TimerHandle | undefined;
  private reconnectTimer: TimerHandle | undefined;
  private waitingForPage = false;
  private lastFailure: Error | undefined;
  private wasOffline = false;
  private wasActive = true;
  /** Another tab took the session over: its state is the newer one, so this tab stops writing it. */
  private persistBlocked = false;

  // Tabs: a follower mirrors the leader and routes its calls through it.
  private readonly tabId = Math.random().toString(36).slice(2) + Date.now().toString(36);
  private roleValue: 'leader' | 'follower' | 'single' = 'single';
  private election: TabElection | undefined;
  private channel: ChannelLike | undefined;
  private decided: Promise<void> = Promise.resolve();
  private decide: (() => void) | undefined;
  private mirror: Mirror | undefined;
  private readonly calls = new Map<number, { resolve: (value: unknown) => void; reject: (error: unknown) => void }>();
  private nextCallId = 1;
  private connectRequested = false;
  private readonly hiddenFollowers = new Map<string, boolean>();
  private wasDisposed = false;
  private activated = false;
  /** Whether this client changed the persisted state since it read it. */
  private touched = false;

  constructor(options: TetherClientOptions) {
    if (!options || typeof options.url !== 'string' || !/^wss?:\/\//i.test(options.url)) {
      throw new TypeError(`url must be a ws:// or wss:// URL, got ${options?.url}`);
    }
    this.options = options;
    this.clock = options.clock ?? systemClock;
    this.random = options.random ?? Math.random;
    this.storage = resolveStorage(options.storage);
    this.storageKey = options.storageKey ?? DEFAULTS.storageKey;
    this.WebSocketCtor = resolveWebSocket(options.WebSocket);
    this.reconnect = reconnectOptions(options.reconnect);
    this.maxFrameBytes = checkRange('maxFrameBytes', options.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES, 1024,
      16 * 1024 * 1024);
    checkRange('outboxCapacity', this.setting('outboxCapacity'), 1, 1_000_000);
    checkRange('ackBatchSize', this.setting('ackBatchSize'), 1, 100_000);
    checkRange('ackDelayMs', this.setting('ackDelayMs'), 0, 60_000);
    checkRange('handshakeTimeoutMs', this.setting('handshakeTimeoutMs'), 1, 600_000);
    checkRange('heartbeatMarginMs', this.setting('heartbeatMarginMs'), 0, 600_000);
    this.environment = options.environment ?? (isBrowser() ? browserEnvironment() : alwaysActive);
    this.pauseWhenHidden = options.pauseWhenHidden ?? isBrowser();

    const persisted = loadState(this.storage, this.storageKey);
    this.sessionInfo = persisted?.session;
    this.delivery = this.newDelivery(persisted?.session ? persisted.lastSeq : 0);
    this.outbox = new Outbox(this.setting('outboxCapacity'), persisted?.outbox);
    this.log = new ConversationLog(persisted?.conversation, options.maxEntries);
    this.backoff = new Backoff(this.reconnect, this.random);
  }

  /**
   * Starts listening to the page and, with tabs, the election: on first use rather than in the constructor, so that
   * a client made and dropped (React's StrictMode makes state twice) holds no lock and no listener.
   */
  private activate(): void {
    if (this.activated || this.wasDisposed) {
      return;
    }
    this.activated = true;
    this.wasOffline = !this.environment.online();
    this.wasActive = this.pageActive();
    this.unsubscribeEnvironment = this.environment.subscribe(() => this.pageChanged());
    const tabsApi = (this.options.tabs ?? 'auto') === 'auto' ? this.options.tabsApi ?? browserTabsApi() : undefined;
    if (tabsApi) {
      this.startTabs(tabsApi);
    }
  }

  /** Whether {@link dispose} was called. */
  get disposed(): boolean {
    return this.wasDisposed;
  }

  // ---------------------------------------------------------------------------------------------- state

  /** Where the client is in its life. */
  get state(): ConnectionState {
    return this.stateValue;
  }

  /** The current session, to resume it later; undefined before the first welcome. */
  get session(): SessionHandle | undefined {
    if (this.roleValue === 'follower' && this.mirror) {
      return this.mirror.session ? { ...this.mirror.session } : undefined;
    }
    return this.sessionInfo ? { ...this.sessionInfo, lastSeq: this.delivery.lastSeq } : undefined;
  }

  /** Messages the gateway has not acknowledged storing yet. */
  get queueSize(): number {
    return this.roleValue === 'follower' && this.mirror ? this.mirror.queueSize : this.outbox.size;
  }

  /**
   * This tab's part in sharing one connection among tabs: the `leader` holds it, a `follower` mirrors the leader,
   * `single` is on its own (tabs off, or no Web Locks or BroadcastChannel).
   */
  get role(): 'leader' | 'follower' | 'single' {
    return this.roleValue;
  }

  /** The conversation so far: a new object whenever it changes, the same one otherwise. */
  get conversation(): Conversation {
    return this.roleValue === 'follower' && this.mirror?.conversation
      ? this.mirror.conversation as Conversation : this.log.snapshot;
  }

  /** Whether the browser reports being offline. */
  get offline(): boolean {
    return !this.environment.online();
  }

  /** Subscribes to an event; returns the function that unsubscribes. */
  on<K extends keyof TetherEvents>(type: K, fn: (e: TetherEvents[K]) => void): () => void {
    return this.emitter.on(type, fn);
  }

  // ---------------------------------------------------------------------------------------------- public API

  /**
   * Starts connecting, if idle or failed, and resolves once connected (a welcome came); rejects when the client
   * ends up failed, idle or closed first. A client with a session (from storage too) resumes it.
   */
  connect(): Promise<void> {
    if (this.stateValue === 'closed' || this.closeRequested) {
      return Promise.reject(new ClientClosedError('the client is closed'));
    }
    this.connectRequested = true;
    this.activate();
    if (this.roleValue === 'follower' || this.decide) {
      return this.decided.then(() => {
        if (this.roleValue !== 'follower') {
          return this.connect();
        }
        return this.call('connect', []).then(() => this.whenSettled(), (error: unknown) => {
          // The leader went away before answering: this tab may be the next one.
          return this.roleValue === 'leader' ? this.connect() : Promise.reject(error);
        });
      });
    }
    if (!this.running) {
      this.start();
    }
    return this.whenSettled();
  }

  /**
   * Sends a user message; resolves with its cseq once the gateway has stored it (after a failed resume, the cseq in
   * the new session). Rejects with OutboxFullError, MessageTooBigError, ConnectionFailedError (the client failed),
   * ClientClosedError, or SessionLostError (a failed resume under `outboxOnResumeFailure: 'drop'`).
   */
  send(text: string): Promise<number> {
    if (typeof text !== 'string') {
      return Promise.reject(new TypeError('text must be a string'));
    }
    return this.routed('send', [text], () => this.enqueue({ type: 'user_message', text }));
  }

  /** Sends an application event (any JSON value as data); otherwise like {@link send}. */
  sendEvent(name: string, data: unknown): Promise<number> {
    if (typeof name !== 'string' || name.length === 0) {
      return Promise.reject(new TypeError('name must be a non-empty string'));
    }
    return this.routed('sendEvent', [name, data ?? null], () => this.enqueue({ type: 'event', name, data: data ?? null }));
  }

  /** Asks the gateway to stop the reply to user message `replyTo`; otherwise like {@link send}. */
  cancel(replyTo: number): Promise<number> {
    if (!Number.isInteger(replyTo) || replyTo < 1) {
      return Promise.reject(new RangeError(`replyTo must be a cseq >= 1, got ${replyTo}`));
    }
    return this.routed('cancel', [replyTo], () => this.enqueue({ type: 'cancel', replyTo }));
  }

  /**
   * Drops the connection as a network loss would, keeping the session: the client resumes after its backoff.
   * With `{ reconnect: false }` it stays idle instead until {@link connect}, as the Java client's `disconnect()`.
   */
  disconnect(opts: { reconnect?: boolean } = {}): void {
    if (this.forward('disconnect', [opts])) {
      return;
    }
    if (this.stateValue === 'closed' || this.closeRequested || !this.running) {
      return;
    }
    if (opts.reconnect === false) {
      this.stopRun();
      this.transition('idle');
      return;
    }
    const link = this.link;
    if (link) {
      link.conn.close(1000, 'disconnected by the application');
      this.linkEnded(link, 1006, 'disconnected by the application');
    }
  }

  /**
   * Ends the session for good: says bye when connected, waits for the gateway to close (at most the handshake
   * timeout), and never reconnects. The state becomes 'closed', pending sends fail with ClientClosedError, and the
   * persisted state is removed.
   */
  close(): Promise<void> {
    if (this.stateValue === 'closed') {
      return Promise.resolve();
    }
    this.activate();
    if (this.roleValue === 'follower' || this.decide) {
      return this.routed('close', [], () => this.close());
    }
    if (this.closing) {
      return this.closing;
    }
    this.closeRequested = true;
    this.closing = new Promise<void>((resolve) => {
      const off = this.on('stateChange', ({ current }) => {
        if (current === 'closed') {
          off();
          resolve();
        }
      });
    });
    const link = this.link;
    if (link?.welcomed) {
      // The gateway answers bye by closing with 1000, which ends the client.
      this.write(link, { type: 'bye' });
      this.byeTimer = this.clock.setTimeout(() => this.finishClosed(), this.setting('handshakeTimeoutMs'));
    } else {
      this.finishClosed();
    }
    return this.closing;
  }

  /**
   * Starts a fresh session: the current one is ended (bye, when connected), the conversation cleared, and the
   * outbox kept for the new session (renumbered from 1) or dropped (its sends fail with ClientClosedError).
   * Resolves once connected to the new session.
   */
  restart(opts: { outbox?: 'keep' | 'drop' } = {}): Promise<void> {
    if (this.stateValue === 'closed' || this.closeRequested) {
      return Promise.reject(new ClientClosedError('the client is closed'));
    }
    this.activate();
    if (this.roleValue === 'follower' || this.decide) {
      return this.routed('restart', [opts], () => this.restart(opts)).then(() => this.whenSettled());
    }
    const link = this.link;
    if (link?.welcomed) {
      this.write(link, { type: 'bye' });
    }
    this.stopRun();
    const lost = opts.outbox === 'drop' ? this.outbox.drain() : [];
    this.outbox.renumber(1);
    this.log.clear();
    for (const message of this.outbox.unacked()) {
      if (message.type === 'user_message') {
        this.log.userSent(message.cseq, message.text, 'queued');
      }
    }
    this.sessionInfo = undefined;
    this.delivery.reset();
    this.persistBlocked = false;
    this.persist();
    rejectAll(lost, new ClientClosedError('the client was restarted with its outbox dropped'));
    this.emitConversation();
    this.start();
    return this.whenSettled();
  }

  /**
   * Connects again after the client failed (the page's Retry button), or at once when a reconnect is waiting out
   * its backoff.
   */
  retry(): void {
    if (this.forward('retry', [])) {
      return;
    }
    if (this.stateValue === 'closed' || this.closeRequested) {
      return;
    }
    if (!this.running) {
      this.start();
      return;
    }
    if (this.reconnectTimer !== undefined || this.waitingForPage) {
      this.clock.clearTimeout(this.reconnectTimer);
      this.reconnectTimer = undefined;
      this.waitingForPage = false;
      this.openLink(true);
    }
  }

  /**
   * Lets this client object go without ending the session: no bye, the storage kept, the tab lock released so that
   * another tab takes the connection over. For a page or component going away; the state becomes 'closed'.
   */
  dispose(): void {
    if (this.wasDisposed) {
      return;
    }
    this.wasDisposed = true;
    // Followers must not mirror this tab's end: the next leader carries the session on.
    this.roleValue = 'single';
    this.closeRequested = true;
    this.persistBlocked = true;
    this.clock.clearTimeout(this.byeTimer);
    this.stopRun();
    this.election?.stop();
    this.channel?.close();
    this.channel = undefined;
    this.rejectCalls(new ClientClosedError('the client was disposed'));
    this.unsubscribeEnvironment();
    const drained = this.outbox.drain();
    this.transition('closed');
    rejectAll(drained, new ClientClosedError('the client was disposed; the message stays in storage'));
    this.decide?.();
  }

  // ---------------------------------------------------------------------------------------------- tabs

  private startTabs(api: TabsApi): void {
    const name = `tether:${this.storageKey}`;
    this.decided = new Promise<void>((resolve) => {
      this.decide = () => {
        this.decide = undefined;
        resolve();
      };
    });
    this.channel = api.channel(name);
    this.channel.onmessage = (event) => this.onTabMessage(event.data as TabMessage);
    const g = globalThis as { addEventListener?: (type: string, fn: () => void) => void };
    g.addEventListener?.('pagehide', () => this.post({ kind: 'gone', from: this.tabId }));
    this.election = new TabElection(api.locks, name, () => this.becomeLeader(), () => this.becomeFollower());
    this.election.start();
  }

  private becomeFollower(): void {
    if (this.wasDisposed) {
      return;
    }
    this.roleValue = 'follower';
    this.post({ kind: 'hello', from: this.tabId, hidden: this.environment.hidden() });
    this.decide?.();
  }

  private becomeLeader(): void {
    if (this.wasDisposed) {
      return;
    }
    const wasFollower = this.roleValue === 'follower';
    this.roleValue = 'leader';
    if (wasFollower) {
      this.rejectCalls(new ConnectionLostError('the tab holding the connection went away before answering; the '
        + 'operation may or may not have been done (a message it took is in storage and will be sent)'));
      // The old leader's storage is the newest state of the conversation: carry on from it (start() reads it,
      // a follower having never written).
      const mirrored = this.mirror?.state;
      this.mirror = undefined;
      if (mirrored === 'closed') {
        this.reloadFromStorage();
        this.closeRequested = true;
      } else if (this.connectRequested || mirrored === 'connecting' || mirrored === 'connected'
        || mirrored === 'reconnecting') {
        this.start();
      } else {
        this.reloadFromStorage();
        this.transition('idle');
      }
    }
    this.syncFollowers(true);
    this.decide?.();
  }

  private onTabMessage(message: TabMessage): void {
    if (!message || typeof message !== 'object' || message.from === this.tabId || this.wasDisposed) {
      return;
    }
    if (this.roleValue === 'leader') {
      switch (message.kind) {
        case 'hello':
        case 'page':
          this.hiddenFollowers.set(message.from, message.hidden);
          if (message.kind === 'hello') {
            this.syncFollowers(true);
          }
          this.pageChanged();
          return;
        case 'gone':
          this.hiddenFollowers.delete(message.from);
          return;
        case 'call':
          void this.serve(message);
          return;
        default:
          return;
      }
    }
    if (this.roleValue !== 'follower') {
      return;
    }
    switch (message.kind) {
      case 'sync':
        this.applyMirror(message.mirror);
        if (message.mirror.conversation) {
          this.emitter.emit('conversation', this.conversation);
        }
        return;
      case 'event': {
        if (message.type === 'conversation') {
          this.mirror = { ...message.mirror, conversation: message.event as Conversation };
        } else if (message.type !== 'stateChange') {
          this.applyMirror(message.mirror);
        } else {
          this.mirror = { ...message.mirror, conversation: this.mirror?.conversation };
          this.stateValue = message.mirror.state as ConnectionState;
        }
        this.emitter.emit(message.type as keyof TetherEvents, message.event as never);
        return;
      }
      case 'result': {
        if (message.to !== this.tabId) {
          return;
        }
        const call = this.calls.get(message.id);
        this.calls.delete(message.id);
        if (message.error) {
          call?.reject(reviveError(message.error));
        } else {
          call?.resolve(message.value);
        }
        return;
      }
      default:
        return;
    }
  }

  /** Takes the leader's view in; a state change is emitted as the leader's would be. */
  private applyMirror(mirror: Mirror): void {
    this.mirror = { ...mirror, conversation: mirror.conversation ?? this.mirror?.conversation };
    const state = mirror.state as ConnectionState;
    if (state !== this.stateValue) {
      const previous = this.stateValue;
      this.stateValue = state;
      this.emitter.emit('stateChange', { previous, current: state });
    }
  }

  /** Runs a follower's call on this, the leader's, client and answers it. */
  private async serve(message: Extract<TabMessage, { kind: 'call' }>): Promise<void> {
    let value: unknown;
    let error: { name: string; message: string; retryable?: boolean } | undefined;
    try {
      const args = message.args;
      switch (message.op) {
        case 'connect':
          if (this.stateValue === 'closed' || this.closeRequested) {
            throw new ClientClosedError('the client is closed');
          }
          this.connectRequested = true;
          if (!this.running) {
            this.start();
          }
          break;
        case 'send':
          value = await this.send(args[0] as string);
          break;
        case 'sendEvent':
          value = await this.sendEvent(args[0] as string, args[1]);
          break;
        case 'cancel':
          value = await this.cancel(args[0] as number);
          break;
        case 'disconnect':
          this.disconnect(args[0] as { reconnect?: boolean });
          break;
        case 'close':
          await this.close();
          break;
        case 'restart':
          // The follower waits for the connection itself, from the states it mirrors.
          this.restart(args[0] as { outbox?: 'keep' | 'drop' }).catch(() => {});
          break;
        case 'retry':
          this.retry();
          break;
      }
    } catch (e) {
      const failure = e instanceof Error ? e : new Error(String(e));
      error = { name: failure.name, message: failure.message,
        retryable: failure instanceof TetherError ? failure.retryable : undefined };
    }
    this.post({ kind: 'result', from: this.tabId, to: message.from, id: message.id, value, error });
  }

  /** Runs an operation here, or through the leader when this tab is a follower. */
  private routed<T>(op: TabOp, args: unknown[], local: () => Promise<T>): Promise<T> {
    this.activate();
    if (this.decide) {
      return this.decided.then(() => this.routed(op, args, local));
    }
    return this.roleValue === 'follower' ? this.call(op, args) as Promise<T> : local();
  }

  /** For the void operations: true when it was taken care of (deferred, or sent to the leader). */
  private forward(op: TabOp, args: unknown[]): boolean {
    this.activate();
    if (this.decide) {
      void this.decided.then(() => (this as unknown as Record<string, (...a: unknown[]) => void>)[op]!(...args));
      return true;
    }
    if (this.roleValue === 'follower') {
      this.call(op, args).catch(() => {});
      return true;
    }
    return false;
  }

  private call(op: TabOp, args: unknown[]): Promise<unknown> {
    const id = this.nextCallId++;
    return new Promise((resolve, reject) => {
      this.calls.set(id, { resolve, reject });
      this.post({ kind: 'call', from: this.tabId, id, op, args });
    });
  }

  private rejectCalls(error: Error): void {
    const pending = [...this.calls.values()];
    this.calls.clear();
    pending.forEach((call) => call.reject(error));
  }

  private post(message: TabMessage): void {
    try {
      this.channel?.postMessage(message);
    } catch (error) {
      // A value that cannot be cloned (an event's data the application made): the followers miss this one.
      console.warn('tether: could not reach the other tabs', error);
    }
  }

  private mirrorOf(withConversation: boolean): Mirror {
    const mirror: Mirror = { state: this.stateValue, session: this.session, queueSize: this.outbox.size };
    if (withConversation) {
      mirror.conversation = this.log.snapshot;
    }
    return mirror;
  }

  private syncFollowers(withConversation: boolean): void {
    if (this.roleValue === 'leader') {
      this.post({ kind: 'sync', from: this.tabId, mirror: this.mirrorOf(withConversation) });
    }
  }

  /** Emits to this tab's listeners and, from the leader, to the followers'. */
  private emit<K extends keyof TetherEvents>(type: K, event: TetherEvents[K]): void {
    this.emitter.emit(type, event);
    // Each tab knows its own network.
    if (this.roleValue === 'leader' && type !== 'offline') {
      this.post({ kind: 'event', from: this.tabId, type, event, mirror: this.mirrorOf(false) });
    }
  }

  // ---------------------------------------------------------------------------------------------- sending

  private enqueue(message: UnnumberedMessage): Promise<number> {
    try {
      checkClientMessage({ ...message, cseq: 1 } as ClientMessage, this.maxFrameBytes);
    } catch (error) {
      // The gateway would answer validation_error and never acknowledge it: queued, it would block the outbox
      // for good, resent after every welcome.
      if (error instanceof MessageSizeError) {
        return Promise.reject(new MessageTooBigError(error.message));
      }
      return Promise.reject(error instanceof FrameError ? new TypeError(error.message) : error);
    }
    if (this.stateValue === 'closed' || this.closeRequested) {
      return Promise.reject(new ClientClosedError('the client is closed'));
    }
    if (this.stateValue === 'failed') {
      return Promise.reject(new ConnectionFailedError('the client has failed; call retry() or connect() to try again'
        + (this.lastFailure ? ` (${this.lastFailure.message})` : ''), undefined, { cause: this.lastFailure }));
    }
    return new Promise<number>((resolve, reject) => {
      let numbered: ClientMessage;
      try {
        numbered = this.outbox.offer(message, resolve, reject);
      } catch (error) {
        reject(error);
        return;
      }
      const link = this.link;
      const writeNow = link?.welcomed === true;
      if (numbered.type === 'user_message') {
        this.log.userSent(numbered.cseq, numbered.text, writeNow ? 'sent' : 'queued');
      }
      this.persist();
      if (writeNow) {
        this.write(link, numbered);
      }
      if (numbered.type === 'user_message') {
        this.emitConversation();
      } else {
        this.syncFollowers(false);
      }
    });
  }

  // ---------------------------------------------------------------------------------------------- lifecycle

  private start(): void {
    if (this.roleValue !== 'follower' && (!this.touched || this.persistBlocked)) {
      // Another tab may have written a newer state since this one read it (without Web Locks, the newest tab
      // takes the session over; retry() after a takeover takes it back): resume from that.
      this.reloadFromStorage();
      this.persistBlocked = false;
    }
    this.running = true;
    this.lastFailure = undefined;
    this.backoff.reset();
    this.transition('connecting');
    this.openLink(false);
  }

  /** Stops the lifecycle without waiting for anything: the connection, its timers, a pending reconnect. */
  private stopRun(): void {
    this.running = false;
    this.clock.clearTimeout(this.reconnectTimer);
    this.reconnectTimer = undefined;
    this.waitingForPage = false;
    const link = this.link;
    if (link) {
      this.endLink(link);
      link.conn.close(1000, 'closed by the client');
    }
  }

  private openLink(reconnecting: boolean): void {
    if (!this.running) {
      return;
    }
    if (reconnecting && !this.pageActive()) {
      // No attempts while hidden or offline (battery, and attempts that cannot succeed): pageChanged() resumes.
      this.waitingForPage = true;
      return;
    }
    this.waitingForPage = false;
    const timers = new Set<TimerHandle>();
    const link: Link = {
      conn: undefined as unknown as Connection,
      resumeRequested: false,
      welcomed: false,
      heartbeatMs: 0,
      timers,
    };
    this.link = link;
    link.conn = openConnection(this.WebSocketCtor, this.options.url, {
      open: () => this.onOpen(link),
      message: (text) => this.onText(link, text),
      closed: (code, reason) => this.linkEnded(link, code, reason),
    });
    this.armIdle(link, this.setting('handshakeTimeoutMs'),
      () => `no welcome within the handshake timeout of ${this.setting('handshakeTimeoutMs')} ms`);
  }

  private onOpen(link: Link): void {
    if (this.link !== link) {
      return;
    }
    const session = this.sessionInfo;
    link.resumeRequested = session !== undefined;
    this.delivery.helloSent((seq) => this.write(link, { type: 'ack', seq }));
    this.write(link, session
      ? { type: 'hello', v: PROTOCOL_VERSION, resume: { sessionId: session.id, token: session.token,
        epoch: session.epoch, lastSeq: this.delivery.lastSeq } }
      : { type: 'hello', v: PROTOCOL_VERSION });
  }

  /** (Re)arms the timer that drops a connection on which nothing was heard for `ms`. */
  private armIdle(link: Link, ms: number, why: () => string): void {
    this.clock.clearTimeout(link.idleTimer);
    link.timers.delete(link.idleTimer);
    link.idleTimer = this.schedule(link, () => this.failLink(link, why()), ms);
  }

  /** Runs `action` after `ms` unless the link has ended by then. */
  private schedule(link: Link, action: () => void, ms: number): TimerHandle {
    const handle = this.clock.setTimeout(() => {
      link.timers.delete(handle);
      if (this.link === link) {
        action();
      }
    }, ms);
    link.timers.add(handle);
    return handle;
  }

  private write(link: Link, frame: ClientFrame): void {
    if (this.link === link) {
      link.conn.send(encodeClientFrame(frame));
    }
  }

  private onText(link: Link, text: string): void {
    if (this.link !== link) {
      return;
    }
    if (link.welcomed) {
      this.armIdle(link, link.heartbeatMs + this.setting('heartbeatMarginMs'),
        () => `nothing heard for ${link.heartbeatMs + this.setting('heartbeatMarginMs')} ms (heartbeat plus margin)`);
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
        if (link.welcomed) {
          this.failLink(link, 'unexpected frame from the gateway: a second welcome');
        } else {
          this.onWelcome(link, frame);
        }
        return;
      case 'assistant_delta':
      case 'assistant_done':
      case 'event':
        this.onSequenced(link, frame);
        return;
      case 'ack':
        this.onAck(frame.cseq);
        return;
      case 'error':
        this.emit('error', { code: frame.code, message: frame.message });
        if (link.welcomed && frame.code === 'out_of_order') {
          // The gateway missed a message before the one it refused: send everything it has not stored.
          this.resendUnacked(link);
        } else if (link.welcomed && frame.code === 'store_unavailable' && link.resendTimer === undefined) {
          // Neither stored nor acknowledged; the gateway drops duplicates, so a resend is safe.
          link.resendTimer = this.schedule(link, () => {
            link.resendTimer = undefined;
            this.resendUnacked(link);
          }, this.reconnect.baseDelayMs);
        }
        return;
      case 'ping':
        this.write(link, { type: 'pong', t: frame.t });
        this.emit('heartbeat', {});
        return;
      case 'pong':
        this.emit('heartbeat', { rttMs: Math.max(0, this.clock.now() - frame.t) });
        return;
    }
  }

  private onWelcome(link: Link, welcome: Welcome): void {
    let acked: OutboxEntry[] = [];
    let lost: OutboxEntry[] = [];
    let failure: string | undefined;
    let replayed = 0;
    if (link.resumeRequested && welcome.resumed) {
      replayed = Math.max(0, welcome.lastSeq - this.delivery.lastSeq);
      const result = this.outbox.resumed(welcome.ackedCseq);
      acked = result.acked;
      if (result.renumbered.length > 0) {
        this.log.renumber(new Map(result.renumbered));
      }
      this.log.ackedUpTo(welcome.ackedCseq);
    } else {
      if (link.resumeRequested) {
        failure = welcome.reason ?? 'not_found';
      }
      const pending = this.outbox.unacked().map((message) => message.cseq);
      if (failure && this.options.outboxOnResumeFailure === 'drop') {
        lost = this.outbox.drain();
      }
      this.delivery.reset();
      const renumbered = new Map(pending.map((cseq) => [cseq, cseq] as [number, number]));
      for (const [from, to] of this.outbox.renumber(welcome.ackedCseq + 1)) {
        renumbered.set(from, to);
      }
      this.log.newSession(pending, lost.length > 0 ? undefined : renumbered);
    }
    this.sessionInfo = { id: welcome.sessionId, token: welcome.token, epoch: welcome.epoch };
    link.welcomed = true;
    link.heartbeatMs = welcome.heartbeatMs;
    this.lastFailure = undefined;
    // Emitting after each handshake is what restarts the attempt count.
    this.backoff.reset();
    this.persist();
    this.armIdle(link, link.heartbeatMs + this.setting('heartbeatMarginMs'),
      () => `nothing heard for ${link.heartbeatMs + this.setting('heartbeatMarginMs')} ms (heartbeat plus margin)`);
    this.schedulePing(link);
    // The outcome of the resume first: whoever waits for 'connected' then knows it.
    this.emit('resumed', failure === undefined
      ? { resumed: link.resumeRequested && welcome.resumed, replayed }
      : { resumed: false, reason: failure, replayed: 0 });
    this.transition('connected');
    // A stateChange listener may have dropped or closed the connection already; the outbox then waits for the
    // next welcome.
    if (this.link === link) {
      const resent = this.resendUnacked(link);
      if (resent > 0) {
        this.emit('queueFlushed', { count: resent });
      }
    }
    acked.forEach((entry) => entry.resolve?.(entry.message.cseq));
    rejectAll(lost, new SessionLostError(failure ?? 'not_found'));
    this.emitConversation();
  }

  private schedulePing(link: Link): void {
    this.schedule(link, () => {
      this.write(link, { type: 'ping', t: this.clock.now() });
      this.schedulePing(link);
    }, link.heartbeatMs);
  }

  /** Writes every message the gateway has not acknowledged storing; returns how many. */
  private resendUnacked(link: Link): number {
    const unacked = this.outbox.unacked();
    let changed = false;
    for (const message of unacked) {
      this.write(link, message);
      if (message.type === 'user_message') {
        changed = this.log.setStatus(message.cseq, 'sent') || changed;
      }
    }
    if (changed) {
      this.persist();
    }
    return unacked.length;
  }

  private onSequenced(link: Link, frame: SequencedFrame): void {
    if (!link.welcomed) {
      this.failLink(link, `unexpected frame from the gateway: ${frame.type} before welcome`);
      return;
    }
    switch (this.delivery.classify(frame.seq)) {
      case 'duplicate':
        this.delivery.scheduleAck();
        return;
      case 'gap':
        this.failLink(link, `expected seq ${this.delivery.expected} but received ${frame.seq}`);
        return;
      case 'next':
        // The seq and the conversation it changed are persisted together: a reload resumes after this frame and
        // never folds it twice.
        this.delivery.delivered(frame.seq);
        this.log.fold(frame);
        this.persist();
        this.emit('message', frame);
        this.emitConversation();
        if (this.link === link) {
          this.delivery.scheduleAck();
        }
    }
  }

  private onAck(cseq: number): void {
    const done = this.outbox.ack(cseq);
    const changed = this.log.ackedUpTo(cseq);
    this.persist();
    done.forEach((entry) => entry.resolve?.(entry.message.cseq));
    if (changed) {
      this.emitConversation();
    } else if (done.length > 0) {
      this.syncFollowers(false);
    }
  }

  /** The client ends a connection for a reason of its own; it is handled as a cut. */
  private failLink(link: Link, reason: string): void {
    if (this.link !== link) {
      return;
    }
    link.conn.close(4000, reason.slice(0, 120));
    this.linkEnded(link, 1006, reason);
  }

  private endLink(link: Link): void {
    for (const timer of link.timers) {
      this.clock.clearTimeout(timer);
    }
    link.timers.clear();
    if (this.link === link) {
      this.link = undefined;
      this.delivery.detach();
    }
  }

  private linkEnded(link: Link, code: number, reason: string): void {
    if (this.link !== link) {
      return;
    }
    this.endLink(link);
    this.emit('closed', { code, reason });
    if (!this.running) {
      return;
    }
    if (this.closeRequested || code === 1000) {
      // After bye, or the session was ended elsewhere (bye on another connection): it is over.
      this.finishClosed();
      return;
    }
    if (!shouldReconnect(code)) {
      if (code === 4009) {
        // Another tab or process resumed the session and holds the newer state.
        this.persistBlocked = true;
      }
      this.fail(new ConnectionFailedError(`not reconnecting: the gateway closed the connection with ${code}`
        + (reason ? ` (${reason})` : ''), code));
      return;
    }
    const hint = parseRetryAfter(reason);
    if (hint !== undefined) {
      // A refusal, not a failure: wait the hint instead of the backoff, and start the backoff over.
      this.backoff.reset();
      this.scheduleReconnect(1, retryAfterWait(hint, this.reconnect.jitter, this.random));
      return;
    }
    const next = this.backoff.next();
    if (!next) {
      this.fail(new ConnectionFailedError(`gave up reconnecting after ${this.reconnect.maxAttempts} attempts: `
        + `closed with ${code}${reason ? ` (${reason})` : ''}`, code));
      return;
    }
    this.scheduleReconnect(next.attempt, next.delayMs);
  }

  private scheduleReconnect(attempt: number, delayMs: number): void {
    this.transition('reconnecting');
    if (!this.running) {
      return;
    }
    this.emit('reconnecting', { attempt, max: this.reconnect.maxAttempts, delayMs });
    if (!this.running || this.link || this.reconnectTimer !== undefined) {
      return;
    }
    this.reconnectTimer = this.clock.setTimeout(() => {
      this.reconnectTimer = undefined;
      this.openLink(true);
    }, delayMs);
  }

  /** Gives up: pending sends fail (as the Java client's), the session is kept for retry(). */
  private fail(error: ConnectionFailedError): void {
    this.stopRun();
    this.lastFailure = error;
    const drained = this.outbox.drain();
    this.log.failed(drained.filter((e) => e.message.type === 'user_message').map((e) => e.message.cseq));
    this.persist();
    this.transition('failed');
    rejectAll(drained, error);
    if (drained.length > 0) {
      this.emitConversation();
    }
  }

  private finishClosed(): void {
    if (this.stateValue === 'closed') {
      return;
    }
    this.closeRequested = true;
    this.clock.clearTimeout(this.byeTimer);
    this.stopRun();
    const drained = this.outbox.drain();
    this.log.failed(drained.filter((e) => e.message.type === 'user_message').map((e) => e.message.cseq));
    this.sessionInfo = undefined;
    if (!this.persistBlocked) {
      clearState(this.storage, this.storageKey);
    }
    this.unsubscribeEnvironment();
    this.transition('closed');
    rejectAll(drained, new ClientClosedError('the client is closed'));
  }

  // ---------------------------------------------------------------------------------------------- page

  private pageActive(): boolean {
    // A leader in a background tab serves the visible followers too.
    const visible = !this.environment.hidden() || [...this.hiddenFollowers.values()].some((hidden) => !hidden);
    return !this.pauseWhenHidden || (visible && this.environment.online());
  }

  private pageChanged(): void {
    const offline = !this.environment.online();
    if (offline !== this.wasOffline) {
      this.wasOffline = offline;
      this.emit('offline', { offline });
    }
    if (this.roleValue === 'follower') {
      this.post({ kind: 'page', from: this.tabId, hidden: this.environment.hidden() });
      return;
    }
    const active = this.pageActive();
    const becameActive = active && !this.wasActive;
    this.wasActive = active;
    if (!this.running || !active) {
      return;
    }
    if (this.waitingForPage || (becameActive && this.reconnectTimer !== undefined)) {
      // Visible or online again: the pending reconnect happens at once.
      this.clock.clearTimeout(this.reconnectTimer);
      this.reconnectTimer = undefined;
      this.openLink(true);
    }
  }

  // ---------------------------------------------------------------------------------------------- helpers

  private whenSettled(): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const settle = (current: ConnectionState): boolean => {
        switch (current) {
          case 'connected':
            resolve();
            return true;
          case 'failed':
            reject(this.lastFailure ?? new ConnectionFailedError('the client has failed'));
            return true;
          case 'idle':
            reject(new ClientClosedError('the client was disconnected before the connection was established'));
            return true;
          case 'closed':
            reject(new ClientClosedError('the client is closed'));
            return true;
          default:
            return false;
        }
      };
      if (settle(this.stateValue)) {
        return;
      }
      const off = this.on('stateChange', ({ current }) => {
        if (settle(current)) {
          off();
        }
      });
    });
  }

  private transition(current: ConnectionState): void {
    const previous = this.stateValue;
    if (previous === current || previous === 'closed') {
      return;
    }
    this.stateValue = current;
    this.emit('stateChange', { previous, current });
  }

  /** Takes the persisted state as this client's; sends made since the last read must be settled already. */
  private reloadFromStorage(): void {
    const persisted = loadState(this.storage, this.storageKey);
    this.sessionInfo = persisted?.session;
    this.delivery = this.newDelivery(persisted?.session ? persisted.lastSeq : 0);
    this.outbox = new Outbox(this.setting('outboxCapacity'), persisted?.outbox);
    this.log = new ConversationLog(persisted?.conversation, this.options.maxEntries);
    this.touched = false;
    if (this.activated) {
      this.emitConversation();
    }
  }

  private persist(): void {
    if (this.persistBlocked || this.roleValue === 'follower') {
      return;
    }
    this.touched = true;
    const state: PersistedState = {
      v: 1,
      lastSeq: this.delivery.lastSeq,
      outbox: this.outbox.toState(),
      conversation: this.log.toState(),
    };
    if (this.sessionInfo) {
      state.session = this.sessionInfo;
    }
    saveState(this.storage, this.storageKey, state);
  }

  private emitConversation(): void {
    this.emit('conversation', this.log.snapshot);
  }

  private newDelivery(lastSeq: number): Delivery {
    return new Delivery(lastSeq, this.clock, this.setting('ackBatchSize'), this.setting('ackDelayMs'));
  }

  private setting<K extends keyof typeof DEFAULTS>(key: K): (typeof DEFAULTS)[K] {
    return (this.options[key] as (typeof DEFAULTS)[K] | undefined) ?? DEFAULTS[key];
  }
}

const ERRORS: Record<string, new (message: string) => Error> = {
  OutboxFullError: OutboxFullError as unknown as new (message: string) => Error,
  MessageTooBigError, ClientClosedError, ConnectionFailedError,
  SessionLostError: SessionLostError as unknown as new (message: string) => Error,
  ConnectionLostError, TypeError, RangeError,
};

/** An error answered by the leader tab, as an instance of its class so that `instanceof` works in the follower. */
function reviveError(error: { name: string; message: string; retryable?: boolean }): Error {
  const revived = Object.create((ERRORS[error.name] ?? TetherError).prototype) as Error & { retryable?: boolean };
  Object.defineProperty(revived, 'message', { value: error.message, writable: true, configurable: true });
  Object.defineProperty(revived, 'name', { value: error.name, writable: true, configurable: true });
  revived.stack = `${error.name}: ${error.message}\n    (in the tab holding the connection)`;
  if (error.retryable !== undefined) {
    revived.retryable = error.retryable;
  }
  return revived;
}

function rejectAll(entries: OutboxEntry[], error: unknown): void {
  for (const entry of entries) {
    entry.reject?.(error);
  }
}

function checkRange(name: string, value: number, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new RangeError(`${name} must be an integer between ${min} and ${max}, got ${value}`);
  }
  return value;
}
