/**
 * Riding out a short database outage (a PostgreSQL restart): a write that must not be lost
 * is retried with growing pauses while the store is unreachable, up to a deadline.
 */
import { UnreachableError } from '../errors.js';

/** Runs `write`, retrying only on UnreachableError, for at most `withinMs`; then throws. */
export async function throughOutage<T>(write: () => Promise<T>, withinMs: number): Promise<T> {
  const deadline = Date.now() + withinMs;
  for (let wait = 100; ; wait = Math.min(wait * 2, 2000)) {
    try {
      return await write();
    } catch (error) {
      if (!(error instanceof UnreachableError) || Date.now() > deadline) throw error;
      await new Promise((r) => setTimeout(r, wait));
    }
  }
}
