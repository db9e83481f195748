// Starts real gateway processes from the jar that Maven built, on free ports, and stops them after the test.
import { spawn, spawnSync } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
export const OUTPUT = join(REPO, 'client-js/test-browser/output');

/** How long a gateway may take to start on a busy two-core machine. */
const START_TIMEOUT_MS = 60_000;

/** The runnable jar: TETHER_GATEWAY_JAR, else the one Maven writes into gateway/target. */
export function gatewayJar() {
  const jar = process.env.TETHER_GATEWAY_JAR || join(REPO, 'gateway/target/tether-gateway.jar');
  if (!existsSync(jar)) {
    throw new Error(`no gateway jar at ${jar}: build it first (./mvnw -B -ntp -q package -pl gateway -am `
      + '-DskipTests) or set TETHER_GATEWAY_JAR');
  }
  return resolve(jar);
}

let javaBinary;
const running = new Set();
// A test process that dies must not leave gateways behind.
process.once('exit', () => running.forEach((child) => child.kill('SIGKILL')));

/** A Java 21+ binary: JAVA_HOME's when it is one, else the one scripts/lib/jdk.sh selects. */
export function java() {
  if (javaBinary) {
    return javaBinary;
  }
  const found = spawnSync('bash', ['-c', 'source scripts/lib/jdk.sh >&2 && printf %s "$JAVA_HOME"'],
    { cwd: REPO, encoding: 'utf8' });
  if (found.status !== 0 || !found.stdout) {
    throw new Error(`no JDK 21 or newer: ${found.stderr.trim()}`);
  }
  javaBinary = join(found.stdout, 'bin/java');
  return javaBinary;
}

/** A gateway process; its output goes to test-browser/output/logs/NAME.log (of the last run). */
export class Gateway {
  #process;
  #exited;
  port;
  name;
  log;

  constructor(name, child, log) {
    this.name = name;
    this.#process = child;
    this.log = log;
    this.#exited = new Promise((resolveExit) => child.once('exit', (code, signal) => resolveExit({ code, signal })));
  }

  get pid() {
    return this.#process.pid;
  }

  get url() {
    return `http://127.0.0.1:${this.port}`;
  }

  get alive() {
    return this.#process.exitCode === null && this.#process.signalCode === null;
  }

  /** SIGKILL: the node dies without a goodbye, as a crashed machine does. */
  async kill() {
    if (this.alive) {
      this.#process.kill('SIGKILL');
    }
    await this.#exited;
  }

  /** SIGTERM: a graceful shutdown, closing its WebSockets with 1012. */
  async stop() {
    if (this.alive) {
      this.#process.kill('SIGTERM');
    }
    const timeout = setTimeout(() => this.#process.kill('SIGKILL'), 15_000);
    await this.#exited;
    clearTimeout(timeout);
  }

  /** Waits until the gateway logs the port it listens on. */
  async ready() {
    let output = '';
    await new Promise((resolveReady, reject) => {
      const timer = setTimeout(() => reject(new Error(`${this.name} did not start within ${START_TIMEOUT_MS} ms; `
        + `see ${this.log}\n${output}`)), START_TIMEOUT_MS);
      const onData = (chunk) => {
        output += chunk;
        const match = /listening on [^\s:]+:(\d+)/.exec(output);
        if (match) {
          this.port = Number(match[1]);
          clearTimeout(timer);
          this.#process.stdout.off('data', onData);
          resolveReady();
        }
      };
      this.#process.stdout.on('data', onData);
      this.#exited.then(({ code, signal }) => {
        clearTimeout(timer);
        reject(new Error(`${this.name} exited (${code ?? signal}) before it listened; see ${this.log}\n${output}`));
      });
    });
    return this;
  }
}

/**
 * Starts a gateway on a free port and waits until it listens.
 * @param {string} name names the log file
 * @param {string[]} args gateway flags, after --host 127.0.0.1 --port 0
 */
export async function startGateway(name, args = []) {
  const logs = join(OUTPUT, 'logs');
  mkdirSync(logs, { recursive: true });
  const log = join(logs, `${name}.log`);
  const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('TETHER_')));
  // Small, quick-starting JVMs: two cores are shared by the gateways, Chromium and the test.
  const child = spawn(java(), ['-Xms32m', '-Xmx256m', '-XX:+UseSerialGC', '-XX:TieredStopAtLevel=1', '-Xshare:auto',
    '--enable-native-access=ALL-UNNAMED', '-jar', gatewayJar(), '--host', '127.0.0.1', '--port', '0', ...args],
  { env, stdio: ['ignore', 'pipe', 'pipe'] });
  const file = createWriteStream(log);
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (chunk) => file.write(chunk));
  child.stderr.on('data', (chunk) => file.write(chunk));
  running.add(child);
  child.once('exit', () => {
    running.delete(child);
    file.end();
  });
  return new Gateway(name, child, log).ready();
}

/**
 * Waits for every start, and fails with the first failure only after all have settled, so that what did start
 * (a browser, a gateway) is there to be closed: a process left running would keep the test process alive.
 */
export async function allStarted(...starts) {
  const settled = await Promise.allSettled(starts);
  return {
    values: settled.map((result) => (result.status === 'fulfilled' ? result.value : undefined)),
    check() {
      const failed = settled.find((result) => result.status === 'rejected');
      if (failed) {
        throw failed.reason;
      }
    },
  };
}
