/**
 * The lease that keeps one upstream connection per streamer across every `serve` process:
 * a row in `live_leases` (holder, lease_until). This file only decides; the session
 * manager applies the decision with the store's conditional SQL, which re-checks it, so two
 * processes deciding "take" at once still end with one holder.
 */

/** What the lease row says, read with the database's clock. */
export interface LeaseRow {
  holder: string;
  /** Epoch ms when the lease runs out unless renewed. */
  until: number;
}

/** What a process should do about a streamer's lease now. */
export type LeaseDecision =
  /** Nobody holds it (or the holder's lease ran out): take it and start the source. */
  | 'take'
  /** We hold it and still want it: extend it. */
  | 'renew'
  /** We hold it and no longer want it: let go (and stop the source). */
  | 'release'
  /** Someone else holds a live lease: look again later, do not run the source. */
  | 'wait'
  /** We neither hold nor want it. */
  | 'none';

/** Decides take/renew/release/wait for process `me`, given the row (null: none) and whether `me` has sockets of the streamer. */
export function planLease(now: number, row: LeaseRow | null, me: string, wants: boolean): LeaseDecision {
  const mine = row !== null && row.holder === me;
  if (!wants) return mine ? 'release' : 'none';
  if (mine) return 'renew';
  if (row === null || row.until <= now) return 'take';
  return 'wait';
}

/** How often a wanting process renews its lease or retries someone else's: a third of the lease, so two renewals can fail before it runs out. */
export function leaseTickMs(leaseMs: number): number {
  return Math.max(100, Math.floor(leaseMs / 3));
}
