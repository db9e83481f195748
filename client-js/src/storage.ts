import type { OutboxState } from './outbox.js';
import type { Entry } from './conversation.js';

/**
 * Where a client keeps its session between page loads: a string key-value store with the shape of the Web Storage
 * API, so `window.localStorage` or `window.sessionStorage` can be passed as they are.
 */
export interface SessionStorage {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

/** A store in this process's memory: it lasts as long as the page (or the Node process). */
export function memoryStore(): SessionStorage & { readonly size: number } {
  const items = new Map<string, string>();
  return {
    getItem: (key) => items.get(key) ?? null,
    setItem: (key, value) => {
      items.set(key, value);
    },
    removeItem: (key) => {
      items.delete(key);
    },
    get size() {
      return items.size;
    },
  };
}

/** A store that may have fallen back to memory; `persistent` says whether it still writes to its backing store. */
export interface FallbackStore extends SessionStorage {
  readonly persistent: boolean;
}

/**
 * The browser's localStorage, or memory where it is missing or blocked (some private modes throw on access, others
 * on the first write once the quota is 0): every failing call moves the store to memory for good, keeping what it
 * held, so that the page goes on working for as long as it is open.
 *
 * @param probeKey the key written and removed once to find out whether writing works
 * @param backing  the store to wrap instead of `globalThis.localStorage` (tests pass one that throws)
 */
export function localStorageStore(probeKey = 'tether:probe', backing?: SessionStorage): FallbackStore {
  const memory = memoryStore();
  let target: SessionStorage | undefined;
  try {
    target = backing ?? (globalThis as { localStorage?: SessionStorage }).localStorage;
    if (target) {
      target.setItem(probeKey, '1');
      target.removeItem(probeKey);
    }
  } catch {
    target = undefined;
  }
  const fallBack = (key: string, value: string | null) => {
    target = undefined;
    if (value !== null) {
      memory.setItem(key, value);
    }
  };
  return {
    get persistent() {
      return target !== undefined;
    },
    getItem(key) {
      if (target) {
        try {
          return target.getItem(key);
        } catch {
          target = undefined;
        }
      }
      return memory.getItem(key);
    },
    setItem(key, value) {
      if (target) {
        try {
          target.setItem(key, value);
          return;
        } catch {
          fallBack(key, value);
          return;
        }
      }
      memory.setItem(key, value);
    },
    removeItem(key) {
      memory.removeItem(key);
      if (target) {
        try {
          target.removeItem(key);
        } catch {
          target = undefined;
        }
      }
    },
  };
}

/** Picks the store for an option value: a store as given, `'local'`, `'memory'`, or the platform's default. */
export function resolveStorage(option: SessionStorage | 'local' | 'memory' | undefined): SessionStorage {
  if (option === 'memory') {
    return memoryStore();
  }
  if (option === 'local') {
    return localStorageStore();
  }
  if (option) {
    return option;
  }
  return isBrowser() ? localStorageStore() : memoryStore();
}

/** Whether this runs in a browser page (a document exists). */
export function isBrowser(): boolean {
  return typeof (globalThis as { document?: unknown }).document !== 'undefined';
}

/** What a client persists under its storage key, written as one JSON value so that it changes atomically. */
export interface PersistedState {
  v: 1;
  session?: { id: string; token: string; epoch: number };
  /** The highest seq folded into the conversation and delivered: a resume asks for what follows. */
  lastSeq: number;
  outbox: OutboxState;
  conversation: { entries: Entry[]; boundary: number };
}

/** Reads the persisted state; undefined when there is none or it cannot be read. */
export function loadState(storage: SessionStorage, key: string): PersistedState | undefined {
  let text: string | null;
  try {
    text = storage.getItem(key);
  } catch {
    return undefined;
  }
  if (!text) {
    return undefined;
  }
  try {
    const state = JSON.parse(text) as PersistedState;
    if (state?.v !== 1 || !Number.isInteger(state.lastSeq) || !state.outbox || !Array.isArray(state.outbox.messages)
      || !state.conversation || !Array.isArray(state.conversation.entries)) {
      return undefined;
    }
    return state;
  } catch {
    // Written by something else, or cut short: start afresh rather than fail the page.
    return undefined;
  }
}

/** Writes the persisted state; a store that refuses is not fatal (the client keeps working in memory). */
export function saveState(storage: SessionStorage, key: string, state: PersistedState): void {
  try {
    storage.setItem(key, JSON.stringify(state));
  } catch (error) {
    console.warn('tether: could not persist the session', error);
  }
}

/** Removes the persisted state. */
export function clearState(storage: SessionStorage, key: string): void {
  try {
    storage.removeItem(key);
  } catch {
    // Nothing to keep consistent: the next load finds either nothing or a state to resume.
  }
}
