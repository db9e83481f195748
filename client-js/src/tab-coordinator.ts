import type { Conversation } from './conversation.js';
import {
  ClientClosedError, ConnectionFailedError, ConnectionLostError, MessageTooBigError, OutboxFullError,
  SessionLostError, TetherError,
} from './errors.js';
import type { ConnectionState, SessionHandle, TetherEvents } from './options.js';
import { TabElection } from './tabs.js';
import type { ChannelLike, Mirror, TabMessage, TabOp, TabsApi } from './tabs.js';

/** The client's operations a follower routes through the leader. */
export interface TabOps {
  send(text: string): Promise<number>;
  sendEvent(name: string, data: unknown): Promise<number>;
  cancel(replyTo: number): Promise<number>;
  disconnect(opts: { reconnect?: boolean }): void;
  close(): Promise<void>;
  restart(opts: { outbox?: 'keep' | 'drop' }): Promise<void>;
  retry(): void;
}

/** What the tab coordination needs from its client. */
export interface TabHost {
  readonly ops: TabOps;
  disposed(): boolean;
  /** Whether this tab's page is hidden. */
  hidden(): boolean;
  /** Emits to this tab's listeners only. */
  emitLocal<K extends keyof TetherEvents>(type: K, event: TetherEvents[K]): void;
  state(): ConnectionState;
  /** Sets the state as the leader's, without an event. */
  setState(state: ConnectionState): void;
  /** This tab's own session, queue size and conversation, for the followers. */
  session(): SessionHandle | undefined;
  queueSize(): number;
  snapshot(): Conversation;
  /** The conversation as the client shows it (the leader's, in a follower). */
  conversation(): Conversation;
  /** This tab, a follower until now, holds the connection: carry on from the leader's last state. */
  tookOver(mirrored: string | undefined): void;
  /** A follower's page changed (or one came or went). */
  pageChanged(): void;
  /** A follower asked to connect. */
  connect(): void;
}

/**
 * Several tabs, one connection: the leader's client holds it and tells the followers every event and state; a
 * follower mirrors that and routes its calls through the leader.
 */
export class TabCoordinator {
  private readonly tabId = Math.random().toString(36).slice(2) + Date.now().toString(36);
  private roleValue: 'leader' | 'follower' | 'single' = 'single';
  private election: TabElection | undefined;
  private channel: ChannelLike | undefined;
  private decidedValue: Promise<void> = Promise.resolve();
  private decide: (() => void) | undefined;
  private mirror: Mirror | undefined;
  private readonly calls = new Map<number, { resolve: (value: unknown) => void; reject: (error: unknown) => void }>();
  private nextCallId = 1;
  private readonly hiddenFollowers = new Map<string, boolean>();

  constructor(private readonly host: TabHost) {
  }

  get role(): 'leader' | 'follower' | 'single' {
    return this.roleValue;
  }

  /** Whether the election has not decided this tab's role yet. */
  get deciding(): boolean {
    return this.decide !== undefined;
  }

  /** Resolves once the election decided this tab's role (at once without tabs). */
  get decided(): Promise<void> {
    return this.decidedValue;
  }

  /** The leader's view, in a follower that has heard from it. */
  get followed(): Mirror | undefined {
    return this.roleValue === 'follower' ? this.mirror : undefined;
  }

  /** Whether a follower this leader serves has its page visible. */
  followerVisible(): boolean {
    return [...this.hiddenFollowers.values()].some((hidden) => !hidden);
  }

  start(api: TabsApi, name: string): void {
    this.decidedValue = new Promise<void>((resolve) => {
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

  /** Leaves the other tabs alone from now on: they must not mirror this tab's end. */
  detach(): void {
    this.roleValue = 'single';
  }

  /** Gives the lock up, closes the channel and fails the calls waiting for the leader. */
  stop(error: Error): void {
    this.election?.stop();
    this.channel?.close();
    this.channel = undefined;
    this.rejectCalls(error);
  }

  /** Ends the wait for the election, if any. */
  release(): void {
    this.decide?.();
  }

  /** Runs an operation here, or through the leader when this tab is a follower. */
  routed<T>(op: TabOp, args: unknown[], local: () => Promise<T>): Promise<T> {
    if (this.decide) {
      return this.decidedValue.then(() => this.routed(op, args, local));
    }
    return this.roleValue === 'follower' ? this.call(op, args) as Promise<T> : local();
  }

  /** For the void operations: true when it was taken care of (deferred, or sent to the leader). */
  forward(op: TabOp, args: unknown[]): boolean {
    if (this.decide) {
      void this.decidedValue.then(() => (this.host.ops as unknown as Record<string, (...a: unknown[]) => void>)[op]!(
        ...args));
      return true;
    }
    if (this.roleValue === 'follower') {
      this.call(op, args).catch(() => {});
      return true;
    }
    return false;
  }

  call(op: TabOp, args: unknown[]): Promise<unknown> {
    const id = this.nextCallId++;
    return new Promise((resolve, reject) => {
      this.calls.set(id, { resolve, reject });
      this.post({ kind: 'call', from: this.tabId, id, op, args });
    });
  }

  /** Tells the leader this follower's page changed. */
  pageChanged(): void {
    this.post({ kind: 'page', from: this.tabId, hidden: this.host.hidden() });
  }

  syncFollowers(withConversation: boolean): void {
    if (this.roleValue === 'leader') {
      this.post({ kind: 'sync', from: this.tabId, mirror: this.mirrorOf(withConversation) });
    }
  }

  /** From the leader, passes an event this tab emitted on to the followers. */
  broadcast<K extends keyof TetherEvents>(type: K, event: TetherEvents[K]): void {
    // Each tab knows its own network.
    if (this.roleValue === 'leader' && type !== 'offline') {
      this.post({ kind: 'event', from: this.tabId, type, event, mirror: this.mirrorOf(false) });
    }
  }

  private becomeFollower(): void {
    if (this.host.disposed()) {
      return;
    }
    this.roleValue = 'follower';
    this.post({ kind: 'hello', from: this.tabId, hidden: this.host.hidden() });
    this.decide?.();
  }

  private becomeLeader(): void {
    if (this.host.disposed()) {
      return;
    }
    const wasFollower = this.roleValue === 'follower';
    this.roleValue = 'leader';
    if (wasFollower) {
      this.rejectCalls(new ConnectionLostError('the tab holding the connection went away before answering; the '
        + 'operation may or may not have been done (a message it took is in storage and will be sent)'));
      const mirrored = this.mirror?.state;
      this.mirror = undefined;
      this.host.tookOver(mirrored);
    }
    this.syncFollowers(true);
    this.decide?.();
  }

  private onTabMessage(message: TabMessage): void {
    if (!message || typeof message !== 'object' || message.from === this.tabId || this.host.disposed()) {
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
          this.host.pageChanged();
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
          this.host.emitLocal('conversation', this.host.conversation());
        }
        return;
      case 'event': {
        if (message.type === 'conversation') {
          this.mirror = { ...message.mirror, conversation: message.event as Conversation };
        } else if (message.type !== 'stateChange') {
          this.applyMirror(message.mirror);
        } else {
          this.mirror = { ...message.mirror, conversation: this.mirror?.conversation };
          this.host.setState(message.mirror.state as ConnectionState);
        }
        this.host.emitLocal(message.type as keyof TetherEvents, message.event as never);
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
    const previous = this.host.state();
    if (state !== previous) {
      this.host.setState(state);
      this.host.emitLocal('stateChange', { previous, current: state });
    }
  }

  /** Runs a follower's call on this, the leader's, client and answers it. */
  private async serve(message: Extract<TabMessage, { kind: 'call' }>): Promise<void> {
    const ops = this.host.ops;
    let value: unknown;
    let error: { name: string; message: string; retryable?: boolean } | undefined;
    try {
      const args = message.args;
      switch (message.op) {
        case 'connect':
          this.host.connect();
          break;
        case 'send':
          value = await ops.send(args[0] as string);
          break;
        case 'sendEvent':
          value = await ops.sendEvent(args[0] as string, args[1]);
          break;
        case 'cancel':
          value = await ops.cancel(args[0] as number);
          break;
        case 'disconnect':
          ops.disconnect(args[0] as { reconnect?: boolean });
          break;
        case 'close':
          await ops.close();
          break;
        case 'restart':
          // The follower waits for the connection itself, from the states it mirrors.
          ops.restart(args[0] as { outbox?: 'keep' | 'drop' }).catch(() => {});
          break;
        case 'retry':
          ops.retry();
          break;
      }
    } catch (e) {
      const failure = e instanceof Error ? e : new Error(String(e));
      error = { name: failure.name, message: failure.message,
        retryable: failure instanceof TetherError ? failure.retryable : undefined };
    }
    this.post({ kind: 'result', from: this.tabId, to: message.from, id: message.id, value, error });
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
    const mirror: Mirror = { state: this.host.state(), session: this.host.session(), queueSize: this.host.queueSize() };
    if (withConversation) {
      mirror.conversation = this.host.snapshot();
    }
    return mirror;
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
