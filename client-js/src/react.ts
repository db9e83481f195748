import { useCallback, useEffect, useMemo, useState, useSyncExternalStore } from 'react';
import { TetherClient } from './client.js';
import type { ConnectionState, TetherClientOptions, TetherEvents } from './client.js';
import type { Conversation } from './conversation.js';

/** What a component shows of a client; the same object until one of its fields changes. */
export interface TetherSnapshot {
  state: ConnectionState;
  conversation: Conversation;
  queueSize: number;
  role: 'leader' | 'follower' | 'single';
  offline: boolean;
  /** The last `reconnecting` event, while the state is 'reconnecting' (attempt n of max, retry in delayMs). */
  reconnecting: TetherEvents['reconnecting'] | undefined;
  /** The outcome of the last welcome: resumed, or a new session and why. */
  resumed: TetherEvents['resumed'] | undefined;
  /** The last connection's end. */
  closed: TetherEvents['closed'] | undefined;
}

/** What {@link useTether} gives a component. */
export interface UseTether extends TetherSnapshot {
  send(text: string): Promise<number>;
  cancel(replyTo: number): Promise<number>;
  retry(): void;
  client: TetherClient;
}

const WATCHED: Array<keyof TetherEvents> = ['stateChange', 'conversation', 'queueFlushed', 'reconnecting', 'resumed',
  'closed', 'offline'];

/**
 * A store over a client's events in the shape `useSyncExternalStore` takes: `getSnapshot` returns the same object
 * until something shown changes, so components re-render only then.
 */
export function tetherStore(client: TetherClient): {
  subscribe(onChange: () => void): () => void;
  getSnapshot(): TetherSnapshot;
} {
  let reconnecting: TetherEvents['reconnecting'] | undefined;
  let resumed: TetherEvents['resumed'] | undefined;
  let closed: TetherEvents['closed'] | undefined;
  let snapshot: TetherSnapshot | undefined;
  const read = (): TetherSnapshot => ({
    state: client.state,
    conversation: client.conversation,
    queueSize: client.queueSize,
    role: client.role,
    offline: client.offline,
    reconnecting: client.state === 'reconnecting' ? reconnecting : undefined,
    resumed,
    closed,
  });
  const getSnapshot = (): TetherSnapshot => {
    const next = read();
    if (!snapshot || (Object.keys(next) as Array<keyof TetherSnapshot>).some((key) => next[key] !== snapshot![key])) {
      snapshot = next;
    }
    return snapshot;
  };
  return {
    subscribe(onChange) {
      const offs = WATCHED.map((type) => client.on(type, (event: unknown) => {
        if (type === 'reconnecting') {
          reconnecting = event as TetherEvents['reconnecting'];
        } else if (type === 'resumed') {
          resumed = event as TetherEvents['resumed'];
        } else if (type === 'closed') {
          closed = event as TetherEvents['closed'];
        }
        onChange();
      }));
      return () => offs.forEach((off) => off());
    },
    getSnapshot,
  };
}

/**
 * The state, conversation and actions of a Tether client, for a React component.
 *
 * Given options, the hook makes the client, connects it when the component mounts and disposes it (without ending
 * the session: a remount or a reload resumes it) when the component unmounts; the options are read once. Given a
 * client, the hook only follows it: connecting and closing are the caller's.
 */
export function useTether(optionsOrClient: TetherClientOptions | TetherClient): UseTether {
  const owned = !(optionsOrClient instanceof TetherClient);
  const [client, setClient] = useState<TetherClient>(() => owned
    ? new TetherClient(optionsOrClient as TetherClientOptions) : optionsOrClient as TetherClient);
  const current = owned ? client : optionsOrClient as TetherClient;

  useEffect(() => {
    if (!owned) {
      return undefined;
    }
    if (client.disposed) {
      // Unmounted and mounted again (StrictMode does it on purpose): a fresh client resumes the stored session.
      setClient(new TetherClient(optionsOrClient as TetherClientOptions));
      return undefined;
    }
    client.connect().catch(() => {
      // The state says it: 'failed' (retry() tries again) or 'closed'.
    });
    return () => client.dispose();
    // The options are read once, as documented; a new client comes only from a remount.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [client, owned]);

  const store = useMemo(() => tetherStore(current), [current]);
  const snapshot = useSyncExternalStore(store.subscribe, store.getSnapshot, store.getSnapshot);

  const send = useCallback((text: string) => current.send(text), [current]);
  const cancel = useCallback((replyTo: number) => current.cancel(replyTo), [current]);
  const retry = useCallback(() => current.retry(), [current]);
  return { ...snapshot, send, cancel, retry, client: current };
}
