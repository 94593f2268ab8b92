/**
 * Retry timing: exponential backoff with full jitter, capped, never sooner than a
 * `Retry-After` the other side asked for.
 */

const BASE_MS = 2_000;
const CAP_MS = 10 * 60_000;

/** How long to wait before try number `attempt + 1` (attempt counts failures so far, from 0). */
export function backoffMs(attempt: number, retryAfterMs = 0, random: () => number = Math.random): number {
  const ceiling = Math.min(CAP_MS, BASE_MS * 2 ** Math.min(attempt, 20));
  // "Equal jitter": half fixed, half random — spreads retries without ever retrying at once.
  const jittered = ceiling / 2 + random() * (ceiling / 2);
  return Math.max(Math.round(jittered), retryAfterMs);
}

/** The ISO time `ms` from now. */
export function inMs(ms: number, now = Date.now()): string {
  return new Date(now + ms).toISOString();
}
