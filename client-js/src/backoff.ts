/**
 * The reconnect policy: exponential backoff with jitter, the close codes after which a client must not reconnect,
 * and the gateway's retry-after hint. The numbers and the jitter's shape are those of the Java client (Reactor's
 * `Retry.backoff`), so that both clients spread a reconnection storm alike.
 */

/** How a client reconnects; every field has the Java client's default. */
export interface ReconnectOptions {
  /** First backoff, in ms; it doubles with each attempt in a row. Default 1000. */
  baseDelayMs?: number;
  /** Largest backoff, in ms. Default 30000. */
  maxDelayMs?: number;
  /** Jitter factor from 0 to 1: each backoff varies by up to this fraction of itself. Default 0.3. */
  jitter?: number;
  /** Attempts in a row before giving up, 0 or more; `Infinity` never gives up. Default 10. */
  maxAttempts?: number;
}

export const DEFAULT_RECONNECT: Required<ReconnectOptions> = {
  baseDelayMs: 1000,
  maxDelayMs: 30_000,
  jitter: 0.3,
  maxAttempts: 10,
};

/** Validates reconnect options and fills in the defaults; throws a RangeError naming the field. */
export function reconnectOptions(options: ReconnectOptions = {}): Required<ReconnectOptions> {
  const resolved = { ...DEFAULT_RECONNECT, ...stripUndefined(options) };
  between('reconnect.baseDelayMs', resolved.baseDelayMs, 1, 3_600_000);
  between('reconnect.maxDelayMs', resolved.maxDelayMs, 1, 3_600_000);
  between('reconnect.jitter', resolved.jitter, 0, 1);
  if (!(resolved.maxAttempts === Infinity || (Number.isInteger(resolved.maxAttempts) && resolved.maxAttempts >= 0))) {
    throw new RangeError(`reconnect.maxAttempts must be an integer >= 0 or Infinity, got ${resolved.maxAttempts}`);
  }
  if (resolved.baseDelayMs > resolved.maxDelayMs) {
    throw new RangeError(`reconnect.baseDelayMs (${resolved.baseDelayMs}) must not exceed reconnect.maxDelayMs `
      + `(${resolved.maxDelayMs})`);
  }
  return resolved;
}

/**
 * The range the jittered backoff of `attempt` (from 1) falls in: the base delay doubled per attempt, capped at the
 * maximum, then moved by up to `jitter` of itself, without leaving [base, max].
 */
export function backoffRange(attempt: number, options: Required<ReconnectOptions>): [number, number] {
  const nominal = Math.min(options.maxDelayMs, options.baseDelayMs * 2 ** Math.min(attempt - 1, 52));
  const offset = nominal * options.jitter;
  const low = nominal + Math.max(options.baseDelayMs - nominal, -offset);
  const high = nominal + Math.min(options.maxDelayMs - nominal, offset);
  return [Math.round(low), Math.round(high)];
}

/** The jittered backoff of `attempt` (from 1), drawn uniformly from {@link backoffRange}. */
export function backoffDelay(attempt: number, options: Required<ReconnectOptions>,
                             random: () => number = Math.random): number {
  const [low, high] = backoffRange(attempt, options);
  return low + Math.floor(random() * (high - low + 1));
}

/**
 * Counts failed attempts in a row: {@link next} gives the wait before the next one, or undefined once the maximum
 * is spent; {@link reset} after a successful handshake.
 */
export class Backoff {
  private failures = 0;

  constructor(private readonly options: Required<ReconnectOptions>,
              private readonly random: () => number = Math.random) {
  }

  /** Failed attempts since the last reset. */
  get attempts(): number {
    return this.failures;
  }

  /** Records a failure; returns the attempt number and its delay, or undefined when no attempt is left. */
  next(): { attempt: number; delayMs: number } | undefined {
    this.failures++;
    if (this.failures > this.options.maxAttempts) {
      return undefined;
    }
    return { attempt: this.failures, delayMs: backoffDelay(this.failures, this.options, this.random) };
  }

  /** Starts over: the next failure waits the base delay again. */
  reset(): void {
    this.failures = 0;
  }
}

// ------------------------------------------------------------------------------------------------ close codes

/** The protocol's close codes (§8.1). */
export const CloseCode = {
  NORMAL: 1000,
  GOING_AWAY: 1001,
  PROTOCOL_ERROR: 1002,
  ABNORMAL: 1006,
  INVALID_PAYLOAD: 1007,
  POLICY_VIOLATION: 1008,
  MESSAGE_TOO_BIG: 1009,
  INTERNAL_ERROR: 1011,
  SERVICE_RESTART: 1012,
  TRY_AGAIN_LATER: 1013,
  UNAUTHORIZED: 4001,
  SESSION_TAKEN_OVER: 4009,
} as const;

const TERMINAL = new Set<number>([1000, 1002, 1007, 1008, 1009, 4001, 4009]);

/** Whether a client reconnects after a close with `code`; unknown codes count as a cut (1006): yes. */
export function shouldReconnect(code: number): boolean {
  return !TERMINAL.has(code);
}

const RETRY_AFTER = /retry-after=(\d+)ms/;
const MAX_LONG = 2n ** 63n - 1n;

/** The retry-after hint in a close reason, in ms, or undefined without a well-formed one (§8.2). */
export function parseRetryAfter(reason: string | undefined): number | undefined {
  const match = reason ? RETRY_AFTER.exec(reason) : null;
  if (!match) {
    return undefined;
  }
  const digits = match[1]!;
  if (digits.length > 19 || BigInt(digits) > MAX_LONG) {
    return undefined;
  }
  return Number(digits);
}

/** The wait a retry-after hint asks for, spread by up to `jitter` of it so that refused clients come back apart. */
export function retryAfterWait(hintMs: number, jitter: number, random: () => number = Math.random): number {
  const spread = Math.floor(hintMs * jitter);
  return spread <= 0 ? hintMs : hintMs + Math.floor(random() * (spread + 1));
}

function between(name: string, value: number, min: number, max: number): void {
  if (typeof value !== 'number' || Number.isNaN(value) || value < min || value > max) {
    throw new RangeError(`${name} must be between ${min} and ${max}, got ${value}`);
  }
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
