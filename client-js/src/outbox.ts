import type { ClientMessage } from './frames.js';
import { OutboxFullError } from './errors.js';

/** A message as persisted: enough to resend it after a reload. */
export type StoredMessage = ClientMessage;

/** The outbox as persisted. */
export interface OutboxState {
  nextCseq: number;
  ackedCseq: number;
  numberingKnown: boolean;
  messages: StoredMessage[];
}

/** A message without its cseq, numbered when it enters the outbox. */
export type UnnumberedMessage =
  | { type: 'user_message'; text: string }
  | { type: 'cancel'; replyTo: number }
  | { type: 'event'; name: string; data: unknown };

/** One pending message and the callbacks of its `send` promise (absent for one restored from storage). */
export interface OutboxEntry {
  message: ClientMessage;
  resolve?: (cseq: number) => void;
  reject?: (error: unknown) => void;
}

/**
 * The bounded queue of client messages the gateway has not acknowledged yet, in cseq order. It numbers each new
 * message, completes messages on the gateway's cumulative acks, and renumbers what is left for a new session.
 */
export class Outbox {
  private readonly pending: OutboxEntry[] = [];
  private nextCseqValue = 1;
  private ackedCseqValue = 0;
  // A process that resumes a session it did not start does not know the gateway's cseq until welcome says it.
  private numberingKnown: boolean;

  constructor(readonly capacity: number, state?: OutboxState) {
    this.numberingKnown = state ? state.numberingKnown : true;
    if (state) {
      this.nextCseqValue = state.nextCseq;
      this.ackedCseqValue = state.ackedCseq;
      for (const message of state.messages) {
        this.pending.push({ message });
      }
    }
  }

  /** Numbers a message with the next cseq and queues it; throws {@link OutboxFullError} when full. */
  offer(message: UnnumberedMessage, resolve?: (cseq: number) => void,
        reject?: (error: unknown) => void): ClientMessage {
    if (this.pending.length >= this.capacity) {
      throw new OutboxFullError(this.capacity);
    }
    const numbered = { ...message, cseq: this.nextCseqValue++ } as ClientMessage;
    this.pending.push({ message: numbered, resolve, reject });
    return numbered;
  }

  /** Removes and returns the entries a cumulative ack covers. */
  ack(cseq: number): OutboxEntry[] {
    const done: OutboxEntry[] = [];
    while (this.pending.length > 0 && this.pending[0]!.message.cseq <= cseq) {
      done.push(this.pending.shift()!);
    }
    this.ackedCseqValue = Math.max(this.ackedCseqValue, cseq);
    // Another process may have sent on this session: never reuse a cseq the gateway already stored.
    this.nextCseqValue = Math.max(this.nextCseqValue, this.ackedCseqValue + 1);
    return done;
  }

  /**
   * Renumbers every pending message from `firstCseq` on, for a new session or once the numbering is known;
   * returns the pairs [old cseq, new cseq] that changed.
   */
  renumber(firstCseq: number): Array<[number, number]> {
    const changed: Array<[number, number]> = [];
    let cseq = firstCseq;
    for (const entry of this.pending) {
      if (entry.message.cseq !== cseq) {
        changed.push([entry.message.cseq, cseq]);
      }
      entry.message = { ...entry.message, cseq };
      cseq++;
    }
    this.nextCseqValue = cseq;
    this.ackedCseqValue = firstCseq - 1;
    this.numberingKnown = true;
    return changed;
  }

  /** Applies a welcome's ackedCseq for a resumed session; returns the entries it acknowledges. */
  resumed(welcomeAckedCseq: number): { acked: OutboxEntry[]; renumbered: Array<[number, number]> } {
    if (!this.numberingKnown) {
      return { acked: [], renumbered: this.renumber(welcomeAckedCseq + 1) };
    }
    return { acked: this.ack(welcomeAckedCseq), renumbered: [] };
  }

  /** The messages to (re)send after a handshake, in cseq order. */
  unacked(): ClientMessage[] {
    return this.pending.map((entry) => entry.message);
  }

  /** Removes and returns every entry, to fail them. */
  drain(): OutboxEntry[] {
    return this.pending.splice(0, this.pending.length);
  }

  get size(): number {
    return this.pending.length;
  }

  get nextCseq(): number {
    return this.nextCseqValue;
  }

  get ackedCseq(): number {
    return this.ackedCseqValue;
  }

  /** The outbox as persisted; the promises stay with this process. */
  toState(): OutboxState {
    return {
      nextCseq: this.nextCseqValue,
      ackedCseq: this.ackedCseqValue,
      numberingKnown: this.numberingKnown,
      messages: this.unacked(),
    };
  }
}
