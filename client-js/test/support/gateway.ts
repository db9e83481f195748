import { execFileSync, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

// dist-test/test/support -> client-js -> the repository.
const clientDir = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const repoDir = resolve(clientDir, '..');

/** The gateway jar: TETHER_GATEWAY_JAR, or the one the project's build leaves in gateway/target. */
export function gatewayJar(): string {
  const jar = process.env.TETHER_GATEWAY_JAR ?? resolve(repoDir, 'gateway/target/tether-gateway.jar');
  if (!existsSync(jar)) {
    throw new Error(`no gateway jar at ${jar}: build it first (from the repository root: source scripts/lib/jdk.sh `
      + '&& ./mvnw -B -ntp -q package -pl gateway -am -DskipTests), or set TETHER_GATEWAY_JAR');
  }
  return jar;
}

let javaPath: string | undefined;

/** A Java 21+ launcher: TETHER_JAVA, or the JDK the project's scripts select. */
function java(): string {
  if (javaPath) {
    return javaPath;
  }
  if (process.env.TETHER_JAVA) {
    javaPath = process.env.TETHER_JAVA;
    return javaPath;
  }
  const home = execFileSync('bash', ['-c', 'source scripts/lib/jdk.sh >&2 && printf %s "$JAVA_HOME"'],
    { cwd: repoDir, encoding: 'utf8' });
  javaPath = resolve(home, 'bin/java');
  return javaPath;
}

/** A gateway process of the real jar, on a free port of the loopback interface. */
export class Gateway {
  private output = '';

  private constructor(private readonly process: ChildProcess, readonly port: number) {
  }

  /** The WebSocket endpoint. */
  get url(): string {
    return `ws://127.0.0.1:${this.port}/ws`;
  }

  /** Starts a gateway with extra flags (such as `--echo-delay 20ms`); resolves once it listens. */
  static start(flags: string[] = [], timeoutMs = 60_000): Promise<Gateway> {
    const child = spawn(java(), ['-jar', gatewayJar(), '--host', '127.0.0.1', '--port', '0', ...flags],
      { stdio: ['ignore', 'pipe', 'pipe'] });
    return new Promise<Gateway>((resolvePromise, reject) => {
      let output = '';
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new Error(`the gateway did not report listening within ${timeoutMs} ms:\n${output}`));
      }, timeoutMs);
      const onData = (chunk: Buffer) => {
        output += chunk.toString();
        const match = /listening on [^ ]*:(\d+)\//.exec(output);
        if (match) {
          clearTimeout(timer);
          child.stdout!.off('data', onData);
          const gateway = new Gateway(child, Number(match[1]));
          gateway.output = output;
          child.stdout!.on('data', (more: Buffer) => { gateway.output += more.toString(); });
          resolvePromise(gateway);
        }
      };
      child.stdout!.on('data', onData);
      child.stderr!.on('data', (chunk: Buffer) => { output += chunk.toString(); });
      child.on('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`the gateway exited with ${code} before listening:\n${output}`));
      });
    });
  }

  /** What the gateway logged so far. */
  get log(): string {
    return this.output;
  }

  /** Stops the gateway and waits for it to exit. */
  stop(): Promise<void> {
    return new Promise<void>((resolvePromise) => {
      if (this.process.exitCode !== null) {
        resolvePromise();
        return;
      }
      const timer = setTimeout(() => this.process.kill('SIGKILL'), 15_000);
      this.process.on('exit', () => {
        clearTimeout(timer);
        resolvePromise();
      });
      this.process.kill('SIGTERM');
    });
  }
}
