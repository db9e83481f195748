/**
 * Whether the page is in a state worth reconnecting in: visible, and with a network. In Node there is no page:
 * always active, and nothing ever changes.
 */
export interface PageEnvironment {
  /** Whether the page is hidden (a background tab, a minimized window). */
  hidden(): boolean;
  /** Whether the browser believes it has a network; `false` is reliable, `true` only means "maybe". */
  online(): boolean;
  /** Calls `onChange` whenever either may have changed; returns the function that stops it. */
  subscribe(onChange: () => void): () => void;
}

/** The environment of a process without a page: visible and online, for good. */
export const alwaysActive: PageEnvironment = {
  hidden: () => false,
  online: () => true,
  subscribe: () => () => {},
};

interface EventSource {
  addEventListener(type: string, fn: () => void): void;
  removeEventListener(type: string, fn: () => void): void;
}

/** The browser's: `document.visibilityState` and `navigator.onLine`, with their change events. */
export function browserEnvironment(): PageEnvironment {
  const g = globalThis as unknown as {
    document?: EventSource & { visibilityState?: string };
    navigator?: { onLine?: boolean };
    addEventListener?: EventSource['addEventListener'];
    removeEventListener?: EventSource['removeEventListener'];
  };
  if (!g.document) {
    return alwaysActive;
  }
  const doc = g.document;
  return {
    hidden: () => doc.visibilityState === 'hidden',
    online: () => g.navigator?.onLine !== false,
    subscribe(onChange) {
      doc.addEventListener('visibilitychange', onChange);
      g.addEventListener?.('online', onChange);
      g.addEventListener?.('offline', onChange);
      return () => {
        doc.removeEventListener('visibilitychange', onChange);
        g.removeEventListener?.('online', onChange);
        g.removeEventListener?.('offline', onChange);
      };
    },
  };
}
