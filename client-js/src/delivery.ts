import type { Clock, TimerHandle } from './clock.js';

/** What to do with a received seq. */
export type Verdict = 'next' | 'duplicate' | 'gap';

/**
 * Tracks the gateway's sequenced frames: which one comes next, which are duplicates, and what to acknowledge.
 * Acks are batched: one at once when `ackBatchSize` frames wait, else one `ackDelayMs` after the first.
 */
export class Delivery {
  private last: number;
  private acked: number;
  private reack = false;
  private timer: TimerHandle | undefined;
  private sendAck: ((seq: number) => void) | undefined;

  constructor(lastSeq: number, private readonly clock: Clock, private readonly ackBatchSize = 16,
              private readonly ackDelayMs = 200) {
    this.last = lastSeq;
    this.acked = lastSeq;
  }

  /** Classifies a received seq; a duplicate makes an ack due, telling the gateway again how far the client is. */
  classify(seq: number): Verdict {
    if (seq <= this.last) {
      // The gateway resends only what it believes unacknowledged.
      this.reack = true;
      return 'duplicate';
    }
    return seq === this.last + 1 ? 'next' : 'gap';
  }

  /** Records the next frame as delivered to the application. */
  delivered(seq: number): void {
    this.last = seq;
  }

  /** The highest seq delivered. */
  get lastSeq(): number {
    return this.last;
  }

  /** The seq expected next. */
  get expected(): number {
    return this.last + 1;
  }

  /** Frames delivered but not acknowledged yet. */
  get unacknowledged(): number {
    return this.last - this.acked;
  }

  /** Whether an ack is owed: frames delivered since the last one, or a duplicate to answer. */
  get ackDue(): boolean {
    return this.last > this.acked || this.reack;
  }

  /** A new connection sent hello with lastSeq, which acknowledges everything up to it; acks go to `send` now. */
  helloSent(send: (seq: number) => void): void {
    this.detach();
    this.acked = this.last;
    this.reack = false;
    this.sendAck = send;
  }

  /** The connection ended: no ack can be sent until the next hello. */
  detach(): void {
    this.clock.clearTimeout(this.timer);
    this.timer = undefined;
    this.sendAck = undefined;
  }

  /** A new session starts from seq 0. */
  reset(): void {
    this.last = 0;
    this.acked = 0;
    this.reack = false;
  }

  /** Acknowledges now if a batch is full (or acks are not delayed), else within the ack delay. */
  scheduleAck(): void {
    if (!this.ackDue || !this.sendAck) {
      return;
    }
    if (this.unacknowledged >= this.ackBatchSize || this.ackDelayMs <= 0) {
      this.flush();
      return;
    }
    if (this.timer === undefined) {
      this.timer = this.clock.setTimeout(() => {
        this.timer = undefined;
        this.flush();
      }, this.ackDelayMs);
    }
  }

  /** Sends the ack that is due, if any. */
  flush(): void {
    if (!this.ackDue || !this.sendAck) {
      return;
    }
    this.clock.clearTimeout(this.timer);
    this.timer = undefined;
    this.acked = this.last;
    this.reack = false;
    this.sendAck(this.last);
  }
}
