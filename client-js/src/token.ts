/**
 * When to refresh a JSON Web Token: its `exp` read from the payload without checking the signature (the gateway does
 * that; the client only needs to know when the token runs out), refreshed 30 s before it, or at 90% of its remaining
 * lifetime when that is earlier. The same rule as the Java client's.
 */

/** How long before its `exp` a token is refreshed, at most, in ms. */
export const TOKEN_REFRESH_MARGIN_MS = 30_000;
/** Closes with 4001 in a row, each after a new token from the provider, after which the client stops. */
export const MAX_UNAUTHORIZED_IN_A_ROW = 3;
/** The shortest wait before a refresh, in ms: a provider that keeps handing out an expired token is asked once a
 *  second, not in a loop. */
export const MIN_REFRESH_DELAY_MS = 1_000;
/** Wait before a token provider that failed a refresh is asked again, in ms. */
export const TOKEN_RETRY_MS = 5_000;

/** Gives the client a JSON Web Token: called before every connect and resume, and before each token expires. */
export type TokenProvider = () => Promise<string> | string;

/** The token's `exp` in epoch ms, or undefined when it is not a JWT that has one. */
export function tokenExpiresAt(token: string): number | undefined {
  const parts = token.split('.');
  if (parts.length !== 3) {
    return undefined;
  }
  try {
    const base64 = parts[1]!.replace(/-/g, '+').replace(/_/g, '/');
    const padded = base64 + '='.repeat((4 - (base64.length % 4)) % 4);
    const bytes = Uint8Array.from(atob(padded), (c) => c.charCodeAt(0));
    const payload: unknown = JSON.parse(new TextDecoder().decode(bytes));
    const exp = payload !== null && typeof payload === 'object' ? (payload as { exp?: unknown }).exp : undefined;
    return typeof exp === 'number' && Number.isFinite(exp) ? exp * 1000 : undefined;
  } catch {
    return undefined;
  }
}

/** Ms from `nowMs` until `token` should be replaced, at least a second; undefined when it does not say. */
export function refreshDelay(token: string, nowMs: number): number | undefined {
  const exp = tokenExpiresAt(token);
  if (exp === undefined) {
    return undefined;
  }
  const lifetime = exp - nowMs;
  const margin = Math.max(0, Math.min(TOKEN_REFRESH_MARGIN_MS, Math.floor(lifetime / 10)));
  return Math.max(MIN_REFRESH_DELAY_MS, lifetime - margin);
}
