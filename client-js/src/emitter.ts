/** A tiny typed event emitter: one listener list per event name, each listener called in subscription order. */
export class Emitter<Events extends object> {
  private readonly listeners = new Map<keyof Events, Set<(event: never) => void>>();

  /** Adds a listener; returns the function that removes it. */
  on<K extends keyof Events>(type: K, fn: (event: Events[K]) => void): () => void {
    let set = this.listeners.get(type);
    if (!set) {
      set = new Set();
      this.listeners.set(type, set);
    }
    set.add(fn as (event: never) => void);
    return () => {
      set.delete(fn as (event: never) => void);
    };
  }

  /** Calls every listener of `type`; one that throws is reported and does not stop the others. */
  emit<K extends keyof Events>(type: K, event: Events[K]): void {
    const set = this.listeners.get(type);
    if (!set) {
      return;
    }
    for (const fn of [...set]) {
      try {
        (fn as (event: Events[K]) => void)(event);
      } catch (error) {
        // A listener's bug must not break the client's state machine, which is mid-transition here.
        console.error(`tether: a "${String(type)}" listener threw`, error);
      }
    }
  }

  /** Whether anyone listens to `type`. */
  has<K extends keyof Events>(type: K): boolean {
    return (this.listeners.get(type)?.size ?? 0) > 0;
  }

  /** Removes every listener. */
  clear(): void {
    this.listeners.clear();
  }
}
