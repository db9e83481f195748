import { TetherClient } from '../../src/client.js';
import type { ConnectionState, TetherClientOptions, TetherEvents } from '../../src/client.js';
import { FakeClock } from '../../src/clock.js';
import { memoryStore } from '../../src/storage.js';
import type { SessionStorage } from '../../src/storage.js';
import type { PageEnvironment } from '../../src/visibility.js';
import { FakeNetwork, welcome } from './fake-socket.js';

/** A page whose visibility and network the test sets. */
export class FakePage implements PageEnvironment {
  private listeners = new Set<() => void>();
  isHidden = false;
  isOnline = true;

  hidden(): boolean {
    return this.isHidden;
  }

  online(): boolean {
    return this.isOnline;
  }

  subscribe(onChange: () => void): () => void {
    this.listeners.add(onChange);
    return () => this.listeners.delete(onChange);
  }

  set(change: { hidden?: boolean; online?: boolean }): void {
    this.isHidden = change.hidden ?? this.isHidden;
    this.isOnline = change.online ?? this.isOnline;
    this.listeners.forEach((fn) => fn());
  }
}

/** A client on a fake network and clock, with every event it emits recorded in order. */
export function setup(options: Partial<TetherClientOptions> = {}, storage: SessionStorage = memoryStore()) {
  const net = new FakeNetwork();
  const clock = new FakeClock();
  const page = new FakePage();
  const client = new TetherClient({
    url: 'ws://gateway.test/ws', WebSocket: net.WebSocket, clock, storage, environment: page,
    pauseWhenHidden: true, random: () => 0.5, ...options,
  });
  const events: Array<{ type: keyof TetherEvents; event: unknown }> = [];
  const types: Array<keyof TetherEvents> = ['stateChange', 'reconnecting', 'resumed', 'queueFlushed', 'closed',
    'heartbeat', 'error', 'message', 'conversation', 'offline'];
  for (const type of types) {
    client.on(type, (event) => events.push({ type, event }));
  }
  const states = (): ConnectionState[] => events.filter((e) => e.type === 'stateChange')
    .map((e) => (e.event as { current: ConnectionState }).current);
  const of = <K extends keyof TetherEvents>(type: K): Array<TetherEvents[K]> =>
    events.filter((e) => e.type === type).map((e) => e.event as TetherEvents[K]);
  /** Opens the newest socket and answers its hello with `fields` of a welcome. */
  const welcomeWith = (fields: Partial<Record<string, unknown>> = {}) => {
    net.last.open();
    net.last.receive(welcome(fields));
  };
  return { client, net, clock, page, storage, events, states, of, welcomeWith };
}

/** Lets pending promise callbacks run. */
export function flush(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
