import type { ReplyError, SequencedFrame, TokenUsage } from './frames.js';

/** What the person sees: their messages, the replies and the events, in the order they happened. */
export interface Conversation {
  entries: Entry[];
}

/**
 * One item of a conversation. A user message is `queued` until written to a connection, `sent` until the gateway
 * acknowledges storing it, then `acked`; `failed` when it will not be sent (the client failed or was restarted
 * with the outbox dropped).
 */
export type Entry =
  | { kind: 'user'; cseq: number; text: string; status: UserStatus }
  | { kind: 'reply'; replyTo: number; text: string; done?: string; error?: ReplyError; usage?: TokenUsage;
      continued?: number }
  | { kind: 'event'; name: string; data: unknown; seq: number };

export type UserStatus = 'queued' | 'sent' | 'acked' | 'failed';

/** Entries kept by default: older ones are dropped so that storage does not grow forever. */
export const DEFAULT_MAX_ENTRIES = 200;

/**
 * Folds frames and sent messages into a {@link Conversation}. Entries of the current session start at `boundary`:
 * after a failed resume the new session numbers its messages from 1 again, and a reply to cseq 1 of the new session
 * must not land in a reply of the old one. Entries are replaced, never changed in place, so a snapshot stays as
 * it was when taken.
 */
export class ConversationLog {
  private entries: Entry[];
  private boundaryIndex: number;
  private snapshotValue: Conversation | undefined;

  constructor(state?: { entries: Entry[]; boundary: number }, private readonly maxEntries = DEFAULT_MAX_ENTRIES) {
    this.entries = state ? [...state.entries] : [];
    this.boundaryIndex = state ? Math.min(Math.max(0, state.boundary), this.entries.length) : 0;
  }

  /** The current view; the same object until something changes. */
  get snapshot(): Conversation {
    if (!this.snapshotValue) {
      this.snapshotValue = { entries: [...this.entries] };
    }
    return this.snapshotValue;
  }

  /** The state to persist. */
  toState(): { entries: Entry[]; boundary: number } {
    return { entries: [...this.entries], boundary: this.boundaryIndex };
  }

  /** Index of the first entry of the current session. */
  get boundary(): number {
    return this.boundaryIndex;
  }

  /** Adds a message the person sent. */
  userSent(cseq: number, text: string, status: UserStatus): void {
    this.push({ kind: 'user', cseq, text, status });
  }

  /** Sets the status of the current session's user message `cseq`; false if there is none. */
  setStatus(cseq: number, status: UserStatus): boolean {
    const i = this.findUser(cseq);
    if (i < 0) {
      return false;
    }
    const entry = this.entries[i] as Extract<Entry, { kind: 'user' }>;
    if (entry.status === status) {
      return false;
    }
    this.replace(i, { ...entry, status });
    return true;
  }

  /** Marks every current user message up to `cseq` acknowledged; true if one changed. */
  ackedUpTo(cseq: number): boolean {
    let changed = false;
    for (let i = this.boundaryIndex; i < this.entries.length; i++) {
      const entry = this.entries[i]!;
      if (entry.kind === 'user' && entry.cseq <= cseq && entry.status !== 'acked' && entry.status !== 'failed') {
        this.replace(i, { ...entry, status: 'acked' });
        changed = true;
      }
    }
    return changed;
  }

  /** Folds a sequenced frame in: a delta extends its reply, a done ends it, an event is added. */
  fold(frame: SequencedFrame): void {
    switch (frame.type) {
      case 'assistant_delta': {
        const i = this.findReply(frame.replyTo);
        if (i < 0) {
          this.push({ kind: 'reply', replyTo: frame.replyTo, text: frame.text });
        } else {
          const entry = this.entries[i] as Extract<Entry, { kind: 'reply' }>;
          this.replace(i, { ...entry, text: entry.text + frame.text });
        }
        break;
      }
      case 'assistant_done': {
        const i = this.findReply(frame.replyTo);
        const done: Extract<Entry, { kind: 'reply' }> = i < 0
          ? { kind: 'reply', replyTo: frame.replyTo, text: '', done: frame.reason }
          : { ...(this.entries[i] as Extract<Entry, { kind: 'reply' }>), done: frame.reason };
        if (frame.error) {
          done.error = frame.error;
        }
        if (frame.usage) {
          done.usage = frame.usage;
        }
        if (frame.continued) {
          done.continued = frame.continued;
        }
        if (i < 0) {
          this.push(done);
        } else {
          this.replace(i, done);
        }
        break;
      }
      case 'event':
        this.push({ kind: 'event', name: frame.name, data: frame.data, seq: frame.seq });
        break;
    }
  }

  /**
   * A new session began (a failed resume, or a restart): the messages still pending move after the new boundary
   * with their new cseq (`renumbered` maps old to new), or are marked failed when the outbox was dropped.
   */
  newSession(pending: number[], renumbered: Map<number, number> | undefined): void {
    const moved: Entry[] = [];
    const pendingSet = new Set(pending);
    const kept: Entry[] = [];
    this.entries.forEach((entry, i) => {
      if (i >= this.boundaryIndex && entry.kind === 'user' && pendingSet.has(entry.cseq)) {
        if (renumbered) {
          moved.push({ ...entry, cseq: renumbered.get(entry.cseq) ?? entry.cseq });
          return;
        }
        kept.push({ ...entry, status: 'failed' });
        return;
      }
      kept.push(entry);
    });
    this.entries = [...kept, ...moved];
    this.boundaryIndex = kept.length;
    this.snapshotValue = undefined;
  }

  /** Renumbers the current session's user messages in place (the numbering became known on resume). */
  renumber(renumbered: Map<number, number>): void {
    for (let i = this.boundaryIndex; i < this.entries.length; i++) {
      const entry = this.entries[i]!;
      if (entry.kind === 'user' && renumbered.has(entry.cseq)) {
        this.replace(i, { ...entry, cseq: renumbered.get(entry.cseq)! });
      }
    }
  }

  /** Marks the current session's user messages `cseqs` failed. */
  failed(cseqs: number[]): void {
    cseqs.forEach((cseq) => this.setStatus(cseq, 'failed'));
  }

  /** Forgets everything. */
  clear(): void {
    this.entries = [];
    this.boundaryIndex = 0;
    this.snapshotValue = undefined;
  }

  private push(entry: Entry): void {
    this.entries.push(entry);
    const excess = this.entries.length - this.maxEntries;
    if (excess > 0) {
      this.entries.splice(0, excess);
      this.boundaryIndex = Math.max(0, this.boundaryIndex - excess);
    }
    this.snapshotValue = undefined;
  }

  private replace(i: number, entry: Entry): void {
    this.entries[i] = entry;
    this.snapshotValue = undefined;
  }

  private findUser(cseq: number): number {
    for (let i = this.entries.length - 1; i >= this.boundaryIndex; i--) {
      const entry = this.entries[i]!;
      if (entry.kind === 'user' && entry.cseq === cseq) {
        return i;
      }
    }
    return -1;
  }

  private findReply(replyTo: number): number {
    for (let i = this.entries.length - 1; i >= this.boundaryIndex; i--) {
      const entry = this.entries[i]!;
      if (entry.kind === 'reply' && entry.replyTo === replyTo) {
        return i;
      }
    }
    return -1;
  }
}
