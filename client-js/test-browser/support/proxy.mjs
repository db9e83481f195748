// A TCP proxy between the browser and a gateway that injects network faults: it cuts connections at once, refuses
// or holds new WebSocket upgrades, and switches to another backend (a restarted or surviving node).
import net from 'node:net';

/** How the proxy treats a new WebSocket upgrade; plain HTTP requests (the page's files) always pass. */
export const Mode = Object.freeze({
  PASS: 'pass',
  /** Accepted, then closed before the upgrade reaches a gateway: a network that is down. */
  REFUSE: 'refuse',
  /** Accepted and never answered: a network that swallows packets. */
  HOLD: 'hold',
});

/**
 * Resets a socket (RST), as a network that goes away does; one already closing with a FIN is destroyed instead,
 * since Node cannot reset it and would keep its handle open for ever, which stops the process from exiting.
 */
function abort(socket) {
  if (socket.destroyed) {
    return;
  }
  if (socket.writableEnded || socket.connecting) {
    socket.destroy();
  } else {
    socket.resetAndDestroy();
  }
}

export class FaultProxy {
  #server;
  #backendPort;
  #mode = Mode.PASS;
  #pairs = new Set();
  /** WebSocket upgrades seen, whatever the mode. */
  upgrades = 0;

  /** @param {number} backendPort the gateway's port on 127.0.0.1 */
  constructor(backendPort) {
    this.#backendPort = backendPort;
    this.#server = net.createServer((client) => this.#accept(client));
  }

  /** Listens on a free loopback port. */
  async start() {
    await new Promise((resolve, reject) => {
      this.#server.once('error', reject);
      this.#server.listen(0, '127.0.0.1', resolve);
    });
    return this;
  }

  get port() {
    return this.#server.address().port;
  }

  get url() {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Connections open through the proxy, WebSockets and keep-alive HTTP alike. */
  get connections() {
    return this.#pairs.size;
  }

  set backendPort(port) {
    this.#backendPort = port;
  }

  set mode(mode) {
    this.#mode = mode;
  }

  /** Resets every open connection, as a network that goes away does: neither side gets a close frame. */
  cutAll() {
    for (const pair of this.#pairs) {
      abort(pair.client);
      if (pair.backend) {
        abort(pair.backend);
      }
    }
    this.#pairs.clear();
  }

  async close() {
    this.cutAll();
    await new Promise((resolve) => this.#server.close(resolve));
  }

  #accept(client) {
    const pair = { client, backend: undefined };
    this.#pairs.add(pair);
    client.on('error', () => {});
    client.on('close', () => {
      pair.backend?.destroy();
      this.#pairs.delete(pair);
    });
    // The first bytes tell a WebSocket upgrade from a request for a file.
    client.once('data', (first) => {
      const upgrade = /^upgrade:\s*websocket/im.test(first.toString('latin1'));
      if (upgrade) {
        this.upgrades++;
        if (this.#mode === Mode.REFUSE) {
          abort(client);
          return;
        }
        if (this.#mode === Mode.HOLD) {
          return;
        }
      }
      const backend = net.connect(this.#backendPort, '127.0.0.1');
      pair.backend = backend;
      backend.on('error', () => abort(client));
      backend.on('close', () => client.destroy());
      backend.write(first);
      client.pipe(backend);
      backend.pipe(client);
    });
  }
}
