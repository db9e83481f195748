import type { Conversation } from './conversation.js';
import { Emitter } from './emitter.js';
import { ClientClosedError } from './errors.js';
import { Lifecycle } from './lifecycle.js';
import { resolveOptions } from './options.js';
import type { ConnectionState, SessionHandle, Settings, TetherClientOptions, TetherEvents } from './options.js';
import { Persistence } from './persistence.js';
import { Reconnect } from './reconnect.js';
import { ClientSession, rejectAll } from './session.js';
import { StateTransitions } from './state.js';
import { TabCoordinator } from './tab-coordinator.js';
import { browserTabsApi } from './tabs.js';

export type { ConnectionState, SessionHandle, TetherClientOptions, TetherEvents } from './options.js';

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
  private readonly settings: Settings;
  private readonly stateMachine: StateTransitions;
  private readonly store: Persistence;
  private readonly clientSession: ClientSession;
  private readonly reconnect: Reconnect;
  private readonly tabs: TabCoordinator;
  private readonly run: Lifecycle;
  private unsubscribeEnvironment: () => void = () => {};
  private closing: Promise<void> | undefined;
  private wasDisposed = false;
  private activated = false;

  constructor(options: TetherClientOptions) {
    this.settings = resolveOptions(options);
    this.stateMachine = new StateTransitions((event) => this.emit('stateChange', event),
      (fn) => this.on('stateChange', fn));
    this.tabs = new TabCoordinator({
      ops: this,
      disposed: () => this.wasDisposed,
      hidden: () => this.settings.environment.hidden(),
      emitLocal: (type, event) => this.emitter.emit(type, event),
      state: () => this.stateMachine.value,
      setState: (state) => { this.stateMachine.value = state; },
      session: () => this.session,
      queueSize: () => this.store.outbox.size,
      snapshot: () => this.store.log.snapshot,
      conversation: () => this.conversation,
      tookOver: (mirrored) => this.run.tookOver(mirrored),
      pageChanged: () => this.pageChanged(),
      connect: () => this.run.connectForFollower(),
    });
    this.store = new Persistence(this.settings, () => this.tabs.role === 'follower');
    this.clientSession = new ClientSession(this.settings, this.store, {
      link: () => this.run.link,
      emit: (type, event) => this.emit(type, event),
      transition: (current) => this.stateMachine.transition(current),
      welcomed: () => this.run.welcomed(),
      ended: (link, code, reason) => this.run.ended(link, code, reason),
      syncFollowers: () => this.tabs.syncFollowers(false),
    });
    this.reconnect = new Reconnect(this.settings, {
      running: () => this.run.running,
      linked: () => this.run.link !== undefined,
      open: () => this.run.open(true),
      reconnecting: () => this.stateMachine.transition('reconnecting'),
      emit: (type, event) => this.emit(type, event),
      followerVisible: () => this.tabs.followerVisible(),
    });
    this.run = new Lifecycle(this.settings, this.store, this.clientSession, this.reconnect, {
      emit: (type, event) => this.emit(type, event),
      state: () => this.stateMachine.value,
      transition: (current) => this.stateMachine.transition(current),
      follower: () => this.tabs.role === 'follower',
      reload: () => this.reloadFromStorage(),
      closed: () => this.unsubscribeEnvironment(),
    });
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
    this.reconnect.watch();
    this.unsubscribeEnvironment = this.settings.environment.subscribe(() => this.pageChanged());
    const tabsApi = this.settings.tabs === 'auto' ? this.settings.tabsApi ?? browserTabsApi() : undefined;
    if (tabsApi) {
      this.tabs.start(tabsApi, `tether:${this.settings.storageKey}`);
    }
  }

  /** Whether {@link dispose} was called. */
  get disposed(): boolean {
    return this.wasDisposed;
  }

  /** Where the client is in its life. */
  get state(): ConnectionState {
    return this.stateMachine.value;
  }

  /** The current session, to resume it later; undefined before the first welcome. */
  get session(): SessionHandle | undefined {
    const mirror = this.tabs.followed;
    if (mirror) {
      return mirror.session ? { ...mirror.session } : undefined;
    }
    const session = this.store.session;
    return session ? { ...session, lastSeq: this.store.delivery.lastSeq } : undefined;
  }

  /** Messages the gateway has not acknowledged storing yet. */
  get queueSize(): number {
    const mirror = this.tabs.followed;
    return mirror ? mirror.queueSize : this.store.outbox.size;
  }

  /**
   * This tab's part in sharing one connection among tabs: the `leader` holds it, a `follower` mirrors the leader,
   * `single` is on its own (tabs off, or no Web Locks or BroadcastChannel).
   */
  get role(): 'leader' | 'follower' | 'single' {
    return this.tabs.role;
  }

  /** The conversation so far: a new object whenever it changes, the same one otherwise. */
  get conversation(): Conversation {
    const mirrored = this.tabs.followed?.conversation;
    return mirrored ? mirrored as Conversation : this.store.log.snapshot;
  }

  /** Whether the browser reports being offline. */
  get offline(): boolean {
    return !this.settings.environment.online();
  }

  /** Subscribes to an event; returns the function that unsubscribes. */
  on<K extends keyof TetherEvents>(type: K, fn: (e: TetherEvents[K]) => void): () => void {
    return this.emitter.on(type, fn);
  }

  /**
   * Starts connecting, if idle or failed, and resolves once connected (a welcome came); rejects when the client
   * ends up failed, idle or closed first. A client with a session (from storage too) resumes it.
   */
  connect(): Promise<void> {
    if (this.state === 'closed' || this.run.closeRequested) {
      return Promise.reject(new ClientClosedError('the client is closed'));
    }
    this.run.connectRequested = true;
    this.activate();
    if (this.tabs.role === 'follower' || this.tabs.deciding) {
      return this.tabs.decided.then(() => {
        if (this.tabs.role !== 'follower') {
          return this.connect();
        }
        return this.tabs.call('connect', []).then(() => this.whenSettled(), (error: unknown) => {
          // The leader went away before answering: this tab may be the next one.
          return this.tabs.role === 'leader' ? this.connect() : Promise.reject(error);
        });
      });
    }
    if (!this.run.running) {
      this.run.start();
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
    if (this.state === 'closed' || this.run.closeRequested || !this.run.running) {
      return;
    }
    if (opts.reconnect === false) {
      this.run.stop();
      this.stateMachine.transition('idle');
      return;
    }
    const link = this.run.link;
    if (link) {
      link.close(1000, 'disconnected by the application');
      this.run.ended(link, 1006, 'disconnected by the application');
    }
  }

  /**
   * Ends the session for good: says bye when connected, waits for the gateway to close (at most the handshake
   * timeout), and never reconnects. The state becomes 'closed', pending sends fail with ClientClosedError, and the
   * persisted state is removed.
   */
  close(): Promise<void> {
    if (this.state === 'closed') {
      return Promise.resolve();
    }
    this.activate();
    if (this.tabs.role === 'follower' || this.tabs.deciding) {
      return this.routed('close', [], () => this.close());
    }
    if (this.closing) {
      return this.closing;
    }
    this.run.closeRequested = true;
    this.closing = this.stateMachine.whenClosed();
    const link = this.run.link;
    if (link?.welcomed) {
      this.run.bye(link);
    } else {
      this.run.finishClosed();
    }
    return this.closing;
  }

  /**
   * Starts a fresh session: the current one is ended (bye, when connected), the conversation cleared, and the
   * outbox kept for the new session (renumbered from 1) or dropped (its sends fail with ClientClosedError).
   * Resolves once connected to the new session.
   */
  restart(opts: { outbox?: 'keep' | 'drop' } = {}): Promise<void> {
    if (this.state === 'closed' || this.run.closeRequested) {
      return Promise.reject(new ClientClosedError('the client is closed'));
    }
    this.activate();
    if (this.tabs.role === 'follower' || this.tabs.deciding) {
      return this.routed('restart', [opts], () => this.restart(opts)).then(() => this.whenSettled());
    }
    const link = this.run.link;
    if (link?.welcomed) {
      link.write({ type: 'bye' });
    }
    this.run.stop();
    const lost = this.clientSession.renew(opts.outbox === 'drop');
    this.store.blocked = false;
    this.store.save();
    rejectAll(lost, new ClientClosedError('the client was restarted with its outbox dropped'));
    this.clientSession.emitConversation();
    this.run.start();
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
    if (this.state === 'closed' || this.run.closeRequested) {
      return;
    }
    if (!this.run.running) {
      this.run.start();
      return;
    }
    if (this.reconnect.pending) {
      this.reconnect.now();
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
    this.tabs.detach();
    this.run.closeRequested = true;
    this.store.blocked = true;
    this.run.clearBye();
    this.run.stop();
    this.tabs.stop(new ClientClosedError('the client was disposed'));
    this.unsubscribeEnvironment();
    const drained = this.store.outbox.drain();
    this.stateMachine.transition('closed');
    rejectAll(drained, new ClientClosedError('the client was disposed; the message stays in storage'));
    this.tabs.release();
  }

  private routed<T>(op: Parameters<TabCoordinator['routed']>[0], args: unknown[], local: () => Promise<T>): Promise<T> {
    this.activate();
    return this.tabs.routed(op, args, local);
  }

  private forward(op: Parameters<TabCoordinator['forward']>[0], args: unknown[]): boolean {
    this.activate();
    return this.tabs.forward(op, args);
  }

  /** Emits to this tab's listeners and, from the leader, to the followers'. */
  private emit<K extends keyof TetherEvents>(type: K, event: TetherEvents[K]): void {
    this.emitter.emit(type, event);
    this.tabs.broadcast(type, event);
  }

  private enqueue(message: Parameters<ClientSession['enqueue']>[0]): Promise<number> {
    return this.clientSession.enqueue(message, () => this.run.refusal());
  }

  private whenSettled(): Promise<void> {
    return this.stateMachine.whenSettled(() => this.run.lastFailure);
  }

  private pageChanged(): void {
    this.reconnect.checkOffline();
    if (this.tabs.role === 'follower') {
      this.tabs.pageChanged();
      return;
    }
    this.reconnect.pageChanged();
  }

  private reloadFromStorage(): void {
    this.store.load();
    if (this.activated) {
      this.clientSession.emitConversation();
    }
  }
}
