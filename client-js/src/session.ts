import { MessageTooBigError, SessionLostError } from './errors.js';
import { checkClientMessage, FrameError, MessageSizeError, PROTOCOL_VERSION } from './frames.js';
import type { ClientMessage, Hello, SequencedFrame, Welcome } from './frames.js';
import type { Link, LinkHandler } from './link.js';
import type { ConnectionState, Settings, TetherEvents } from './options.js';
import type { OutboxEntry, UnnumberedMessage } from './outbox.js';
import type { Persistence } from './persistence.js';

/** What the session needs from its client. */
export interface SessionHost {
  /** The client's current link, if any. */
  link(): Link | undefined;
  emit<K extends keyof TetherEvents>(type: K, event: TetherEvents[K]): void;
  transition(current: ConnectionState): void;
  /** A handshake succeeded: the failure is forgotten and the backoff starts over. */
  welcomed(): void;
  ended(link: Link, code: number, reason: string): void;
  /** Tells the follower tabs of a change that emitted no conversation. */
  syncFollowers(): void;
}

/**
 * The session over its links: the hello and the welcome, sequenced delivery with batched acks, and the outbox
 * (numbered, written when welcomed, resent after each welcome, settled by the gateway's acks).
 */
export class ClientSession implements LinkHandler {
  constructor(private readonly settings: Settings, private readonly store: Persistence,
              private readonly host: SessionHost) {
  }

  /** Numbers a message, keeps it in the outbox and writes it when welcomed; resolves with its cseq once acked. */
  enqueue(message: UnnumberedMessage, refusal: () => Error | undefined): Promise<number> {
    try {
      checkClientMessage({ ...message, cseq: 1 } as ClientMessage, this.settings.maxFrameBytes);
    } catch (error) {
      // The gateway would answer validation_error and never acknowledge it: queued, it would block the outbox
      // for good, resent after every welcome.
      if (error instanceof MessageSizeError) {
        return Promise.reject(new MessageTooBigError(error.message));
      }
      return Promise.reject(error instanceof FrameError ? new TypeError(error.message) : error);
    }
    const refused = refusal();
    if (refused) {
      return Promise.reject(refused);
    }
    return new Promise<number>((resolve, reject) => {
      let numbered: ClientMessage;
      try {
        numbered = this.store.outbox.offer(message, resolve, reject);
      } catch (error) {
        reject(error);
        return;
      }
      const link = this.host.link();
      const writeNow = link?.sendsNow === true;
      if (numbered.type === 'user_message') {
        this.store.log.userSent(numbered.cseq, numbered.text, writeNow ? 'sent' : 'queued');
      }
      this.store.save();
      if (writeNow) {
        link.write(numbered);
      }
      if (numbered.type === 'user_message') {
        this.emitConversation();
      } else {
        this.host.syncFollowers();
      }
    });
  }

  /**
   * Forgets the session for a fresh one: the conversation cleared, the outbox renumbered from 1 or drained.
   * Returns the drained entries, for the caller to reject.
   */
  renew(dropOutbox: boolean): OutboxEntry[] {
    const { outbox, log } = this.store;
    const lost = dropOutbox ? outbox.drain() : [];
    outbox.renumber(1);
    log.clear();
    for (const message of outbox.unacked()) {
      if (message.type === 'user_message') {
        log.userSent(message.cseq, message.text, 'queued');
      }
    }
    this.store.session = undefined;
    this.store.delivery.reset();
    return lost;
  }

  /** Drains the outbox, marking its user messages failed; returns the entries for the caller to reject. */
  drainFailed(): OutboxEntry[] {
    const drained = this.store.outbox.drain();
    this.store.log.failed(drained.filter((e) => e.message.type === 'user_message').map((e) => e.message.cseq));
    return drained;
  }

  emitConversation(): void {
    this.host.emit('conversation', this.store.log.snapshot);
  }

  opened(link: Link): void {
    const session = this.store.session;
    const delivery = this.store.delivery;
    link.resumeRequested = session !== undefined;
    delivery.helloSent((seq) => link.write({ type: 'ack', seq }));
    const hello: Hello = session
      ? { type: 'hello', v: PROTOCOL_VERSION, resume: { sessionId: session.id, token: session.token,
        epoch: session.epoch, lastSeq: delivery.lastSeq } }
      : { type: 'hello', v: PROTOCOL_VERSION };
    if (link.token !== undefined) {
      hello.auth = { token: link.token };
    }
    link.write(hello);
  }

  welcome(link: Link, welcome: Welcome): void {
    const { outbox, log } = this.store;
    let acked: OutboxEntry[] = [];
    let lost: OutboxEntry[] = [];
    let failure: string | undefined;
    let replayed = 0;
    if (link.resumeRequested && welcome.resumed) {
      replayed = Math.max(0, welcome.lastSeq - this.store.delivery.lastSeq);
      const result = outbox.resumed(welcome.ackedCseq);
      acked = result.acked;
      if (result.renumbered.length > 0) {
        log.renumber(new Map(result.renumbered));
      }
      log.ackedUpTo(welcome.ackedCseq);
    } else {
      if (link.resumeRequested) {
        failure = welcome.reason ?? 'not_found';
      }
      const pending = outbox.unacked().map((message) => message.cseq);
      if (failure && this.settings.outboxOnResumeFailure === 'drop') {
        lost = outbox.drain();
      }
      this.store.delivery.reset();
      const renumbered = new Map(pending.map((cseq) => [cseq, cseq] as [number, number]));
      for (const [from, to] of outbox.renumber(welcome.ackedCseq + 1)) {
        renumbered.set(from, to);
      }
      log.newSession(pending, lost.length > 0 ? undefined : renumbered);
    }
    this.store.session = { id: welcome.sessionId, token: welcome.token, epoch: welcome.epoch };
    link.markWelcomed(welcome.heartbeatMs);
    // Emitting after each handshake is what restarts the attempt count.
    this.host.welcomed();
    this.store.save();
    // The outcome of the resume first: whoever waits for 'connected' then knows it.
    this.host.emit('resumed', failure === undefined
      ? { resumed: link.resumeRequested && welcome.resumed, replayed }
      : { resumed: false, reason: failure, replayed: 0 });
    this.host.transition('connected');
    // A stateChange listener may have dropped or closed the connection already; the outbox then waits for the
    // next welcome.
    if (this.host.link() === link) {
      const resent = this.resend(link);
      if (resent > 0) {
        this.host.emit('queueFlushed', { count: resent });
      }
    }
    acked.forEach((entry) => entry.resolve?.(entry.message.cseq));
    rejectAll(lost, new SessionLostError(failure ?? 'not_found'));
    this.emitConversation();
  }

  /** Writes every message the gateway has not acknowledged storing; returns how many. */
  resend(link: Link): number {
    const unacked = this.store.outbox.unacked();
    let changed = false;
    for (const message of unacked) {
      link.write(message);
      if (message.type === 'user_message') {
        changed = this.store.log.setStatus(message.cseq, 'sent') || changed;
      }
    }
    if (changed) {
      this.store.save();
    }
    return unacked.length;
  }

  sequenced(link: Link, frame: SequencedFrame): void {
    const delivery = this.store.delivery;
    switch (delivery.classify(frame.seq)) {
      case 'duplicate':
        delivery.scheduleAck();
        return;
      case 'gap':
        link.fail(`expected seq ${delivery.expected} but received ${frame.seq}`);
        return;
      case 'next':
        // The seq and the conversation it changed are persisted together: a reload resumes after this frame and
        // never folds it twice.
        delivery.delivered(frame.seq);
        this.store.log.fold(frame);
        this.store.save();
        this.host.emit('message', frame);
        this.emitConversation();
        if (this.host.link() === link) {
          this.store.delivery.scheduleAck();
        }
    }
  }

  ack(cseq: number): void {
    const done = this.store.outbox.ack(cseq);
    const changed = this.store.log.ackedUpTo(cseq);
    this.store.save();
    done.forEach((entry) => entry.resolve?.(entry.message.cseq));
    if (changed) {
      this.emitConversation();
    } else if (done.length > 0) {
      this.host.syncFollowers();
    }
  }

  error(error: { code: string; message: string }): void {
    this.host.emit('error', error);
  }

  heartbeat(event: { rttMs?: number }): void {
    this.host.emit('heartbeat', event);
  }

  ended(link: Link, code: number, reason: string): void {
    this.host.ended(link, code, reason);
  }
}

/** Fails the promises of `entries` with `error`. */
export function rejectAll(entries: OutboxEntry[], error: unknown): void {
  for (const entry of entries) {
    entry.reject?.(error);
  }
}
