import type { WebSocketConstructor, WebSocketLike } from '../../src/transport.js';

/**
 * A stand-in for the platform's WebSocket (the browser's API, not code of ours), driven by the test: it records
 * what the client sends and lets the test play the gateway's side.
 */
export class FakeSocket implements WebSocketLike {
  readyState = 0;
  binaryType = 'blob';
  onopen: ((event: unknown) => void) | null = null;
  onmessage: ((event: { data: unknown }) => void) | null = null;
  onclose: ((event: { code: number; reason: string }) => void) | null = null;
  onerror: ((event: unknown) => void) | null = null;
  readonly sent: string[] = [];
  closedByClient: { code?: number; reason?: string } | undefined;

  constructor(readonly url: string) {
  }

  /** The frames the client sent, decoded. */
  get frames(): Array<Record<string, unknown>> {
    return this.sent.map((text) => JSON.parse(text) as Record<string, unknown>);
  }

  /** The sent frames of one type. */
  framesOf(type: string): Array<Record<string, unknown>> {
    return this.frames.filter((frame) => frame.type === type);
  }

  send(data: string): void {
    if (this.readyState !== 1) {
      throw new Error('send on a socket that is not open');
    }
    this.sent.push(data);
  }

  close(code?: number, reason?: string): void {
    this.closedByClient = { code, reason };
    this.readyState = 3;
  }

  /** The connection opened. */
  open(): void {
    this.readyState = 1;
    this.onopen?.({});
  }

  /** The gateway sends a frame. */
  receive(frame: object | string): void {
    this.onmessage?.({ data: typeof frame === 'string' ? frame : JSON.stringify(frame) });
  }

  /** The connection ended: with a close frame from the gateway, or cut (1006). */
  end(code = 1006, reason = ''): void {
    this.readyState = 3;
    this.onerror?.({});
    this.onclose?.({ code, reason });
  }
}

/** Hands out {@link FakeSocket}s and remembers them, newest last. */
export class FakeNetwork {
  readonly sockets: FakeSocket[] = [];
  readonly WebSocket: WebSocketConstructor;

  constructor() {
    const sockets = this.sockets;
    this.WebSocket = class extends FakeSocket {
      constructor(url: string) {
        super(url);
        sockets.push(this);
      }
    };
  }

  get last(): FakeSocket {
    const socket = this.sockets[this.sockets.length - 1];
    if (!socket) {
      throw new Error('no socket was opened');
    }
    return socket;
  }
}

/** A welcome with the usual fields; override what the test needs. */
export function welcome(fields: Partial<Record<string, unknown>> = {}): Record<string, unknown> {
  return {
    type: 'welcome', v: 1, sessionId: 'S1', token: 'T1', epoch: 1, resumed: false, lastSeq: 0, ackedCseq: 0,
    heartbeatMs: 25_000, ...fields,
  };
}
