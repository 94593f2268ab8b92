/**
 * Before a command or daemon uses the store: in dev, pending migrations are applied (so a
 * bare `npx ttops serve` just works); in prod they are an error — deploy migrates
 * explicitly, under its lock, before anything starts.
 */
import { FailureError } from '../errors.js';
import type { Store } from './types.js';

/** Applies (dev) or refuses (prod) pending migrations; returns what was applied. */
export async function ensureMigrated(store: Store, env: 'dev' | 'prod'): Promise<string[]> {
  const pending = (await store.migrationStatus()).filter((m) => !m.applied);
  if (pending.length === 0) return [];
  if (env === 'dev') return store.migrateUp();
  throw new FailureError('migrations_pending', `${pending.length} migration(s) pending (${pending.map((m) => m.name).join(', ')}) — run \`ttops migrate up\``);
}
