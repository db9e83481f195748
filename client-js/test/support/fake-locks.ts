import type { LockManagerLike } from '../../src/tabs.js';

/**
 * The Web Locks API's exclusive locks (the platform's `navigator.locks`, which Node does not have): one holder per
 * name, the others in line, `ifAvailable` answered with null, and `signal` to leave the line.
 */
export class FakeLocks implements LockManagerLike {
  private readonly held = new Set<string>();
  private readonly lines = new Map<string, Array<() => void>>();

  request(name: string, options: { ifAvailable?: boolean; signal?: AbortSignal },
          callback: (lock: unknown) => Promise<void> | void): Promise<unknown> {
    if (!this.held.has(name)) {
      return this.grant(name, callback);
    }
    if (options.ifAvailable) {
      return Promise.resolve().then(() => callback(null));
    }
    return new Promise((resolve, reject) => {
      const line = this.lines.get(name) ?? [];
      this.lines.set(name, line);
      const turn = () => {
        this.grant(name, callback).then(resolve, reject);
      };
      line.push(turn);
      options.signal?.addEventListener('abort', () => {
        const i = line.indexOf(turn);
        if (i >= 0) {
          line.splice(i, 1);
          reject(new Error('AbortError'));
        }
      });
    });
  }

  /** Whether someone holds the lock. */
  isHeld(name: string): boolean {
    return this.held.has(name);
  }

  private grant(name: string, callback: (lock: unknown) => Promise<void> | void): Promise<unknown> {
    this.held.add(name);
    return Promise.resolve()
      .then(() => callback({ name, mode: 'exclusive' }))
      .finally(() => {
        this.held.delete(name);
        this.lines.get(name)?.shift()?.();
      });
  }
}
