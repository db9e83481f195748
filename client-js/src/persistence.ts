import { ConversationLog } from './conversation.js';
import { Delivery } from './delivery.js';
import { Outbox } from './outbox.js';
import type { Settings } from './options.js';
import { clearState, loadState, saveState } from './storage.js';
import type { PersistedState } from './storage.js';

/**
 * The state a client keeps across reloads, and its copy in storage: the session handle, the delivered seq, the
 * outbox and the conversation.
 */
export class Persistence {
  session: { id: string; token: string; epoch: number } | undefined;
  delivery!: Delivery;
  outbox!: Outbox;
  log!: ConversationLog;
  /** Another tab took the session over: its state is the newer one, so this tab stops writing it. */
  blocked = false;
  /** Whether this client changed the persisted state since it read it. */
  touched = false;

  /** @param readOnly true while another tab holds the state (a follower never writes it) */
  constructor(private readonly settings: Settings, private readonly readOnly: () => boolean) {
    this.load();
  }

  /** Takes the persisted state as this client's; sends made since the last read must be settled already. */
  load(): void {
    const persisted = loadState(this.settings.storage, this.settings.storageKey);
    this.session = persisted?.session;
    this.delivery = new Delivery(persisted?.session ? persisted.lastSeq : 0, this.settings.clock,
      this.settings.ackBatchSize, this.settings.ackDelayMs);
    this.outbox = new Outbox(this.settings.outboxCapacity, persisted?.outbox);
    this.log = new ConversationLog(persisted?.conversation, this.settings.maxEntries);
    this.touched = false;
  }

  /** Writes the state, unless this tab does not own it. */
  save(): void {
    if (this.blocked || this.readOnly()) {
      return;
    }
    this.touched = true;
    const state: PersistedState = {
      v: 1,
      lastSeq: this.delivery.lastSeq,
      outbox: this.outbox.toState(),
      conversation: this.log.toState(),
    };
    if (this.session) {
      state.session = this.session;
    }
    saveState(this.settings.storage, this.settings.storageKey, state);
  }

  /** Removes the stored state once the session has ended, unless another tab holds a newer one. */
  clear(): void {
    if (!this.blocked) {
      clearState(this.settings.storage, this.settings.storageKey);
    }
  }
}
