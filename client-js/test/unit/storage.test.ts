import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { localStorageStore, memoryStore } from '../../src/storage.js';
import type { SessionStorage } from '../../src/storage.js';

function blocked(on: 'all' | 'write'): SessionStorage {
  const items = new Map<string, string>();
  return {
    getItem: (key) => {
      if (on === 'all') {
        throw new Error('SecurityError');
      }
      return items.get(key) ?? null;
    },
    setItem: () => {
      throw new Error('QuotaExceededError');
    },
    removeItem: () => {},
  };
}

describe('storage', () => {
  it('memoryStore keeps items', () => {
    const store = memoryStore();
    store.setItem('k', 'v');
    assert.equal(store.getItem('k'), 'v');
    store.removeItem('k');
    assert.equal(store.getItem('k'), null);
  });

  it('localStorageStore uses the backing store while it works', () => {
    const backing = memoryStore();
    const store = localStorageStore('probe', backing);
    store.setItem('k', 'v');
    assert.equal(backing.getItem('k'), 'v');
    assert.equal(backing.getItem('probe'), null);
    assert.equal(store.persistent, true);
  });

  it('falls back to memory when the backing store is blocked', () => {
    for (const mode of ['all', 'write'] as const) {
      const store = localStorageStore('probe', blocked(mode));
      assert.equal(store.persistent, false);
      store.setItem('k', 'v');
      assert.equal(store.getItem('k'), 'v');
    }
  });

  it('falls back to memory when a write fails later (quota), keeping the value', () => {
    const items = new Map<string, string>();
    let full = false;
    const backing: SessionStorage = {
      getItem: (key) => items.get(key) ?? null,
      setItem: (key, value) => {
        if (full) {
          throw new Error('QuotaExceededError');
        }
        items.set(key, value);
      },
      removeItem: (key) => {
        items.delete(key);
      },
    };
    const store = localStorageStore('probe', backing);
    store.setItem('k', 'old');
    full = true;
    store.setItem('k', 'new');
    assert.equal(store.persistent, false);
    assert.equal(store.getItem('k'), 'new');
  });

  it('falls back to memory where there is no localStorage (Node)', () => {
    const store = localStorageStore();
    assert.equal(store.persistent, false);
    store.setItem('k', 'v');
    assert.equal(store.getItem('k'), 'v');
  });
});
