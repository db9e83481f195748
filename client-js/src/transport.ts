/**
 * The WebSocket the client runs on: the browser's, Node's own (Node 22+), or a given constructor such as the `ws`
 * package's. Only the WHATWG shape is used: `onopen`, `onmessage`, `onclose`, `send`, `close`.
 */

/** The part of a WebSocket the client uses. */
export interface WebSocketLike {
  readonly readyState: number;
  binaryType?: string;
  onopen: ((event: unknown) => void) | null;
  onmessage: ((event: { data: unknown }) => void) | null;
  onclose: ((event: { code: number; reason: string }) => void) | null;
  onerror: ((event: unknown) => void) | null;
  send(data: string): void;
  close(code?: number, reason?: string): void;
}

/** A WebSocket constructor: `globalThis.WebSocket`, or `ws`'s default export. */
export type WebSocketConstructor = new (url: string, protocols?: string | string[]) => WebSocketLike;

/** The constructor to use: the given one, else the global one; throws when there is none (Node 20 without `ws`). */
export function resolveWebSocket(given?: WebSocketConstructor): WebSocketConstructor {
  const ctor = given ?? (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket;
  if (!ctor) {
    throw new TypeError('no WebSocket implementation: pass one as the WebSocket option (in Node 20, the `ws` '
      + 'package\'s default export)');
  }
  return ctor;
}

/** What a connection reports; nothing is reported after `close()` was called on it. */
export interface ConnectionHandlers {
  open(): void;
  message(text: string): void;
  /** The connection ended: its close code (1006 without a close frame) and reason. */
  closed(code: number, reason: string): void;
}

/** One WebSocket connection, reduced to what the client needs. */
export interface Connection {
  send(text: string): void;
  /** Closes it and stops reporting: the caller already knows it is over. */
  close(code?: number, reason?: string): void;
}

const OPEN = 1;

/** Opens a connection to `url`; a constructor that throws reports a close 1006 on the next tick. */
export function openConnection(ctor: WebSocketConstructor, url: string, handlers: ConnectionHandlers): Connection {
  let done = false;
  let socket: WebSocketLike | undefined;
  const finish = (code: number, reason: string) => {
    if (done) {
      return;
    }
    done = true;
    detach();
    handlers.closed(code, reason);
  };
  const detach = () => {
    if (socket) {
      socket.onopen = null;
      socket.onmessage = null;
      socket.onclose = null;
      // Keep an error handler: `ws` throws an unhandled 'error' event otherwise.
      socket.onerror = () => {};
    }
  };
  try {
    socket = new ctor(url);
    socket.binaryType = 'arraybuffer';
    socket.onopen = () => {
      if (!done) {
        handlers.open();
      }
    };
    socket.onmessage = (event) => {
      // Binary messages are not part of the protocol; the gateway never sends one.
      if (!done && typeof event.data === 'string') {
        handlers.message(event.data);
      }
    };
    socket.onclose = (event) => finish(event.code || 1006, event.reason ?? '');
    // 'error' is always followed by 'close', which says what happened.
    socket.onerror = () => {};
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    queueMicrotask(() => finish(1006, reason));
  }
  return {
    send(text) {
      if (!done && socket && socket.readyState === OPEN) {
        socket.send(text);
      }
    },
    close(code = 1000, reason = '') {
      if (done) {
        return;
      }
      done = true;
      detach();
      try {
        socket?.close(code, reason);
      } catch {
        // Already closing, or an invalid code: the socket is abandoned either way.
      }
    },
  };
}
