/** PostgreSQL SQL for the bot's state: conversation state by key and handled update ids. */
import { affected, q, type Queryable } from './db.js';

export async function readBotSession(db: Queryable, key: string): Promise<string | undefined> {
  const [row] = await q(db, 'SELECT value FROM bot_sessions WHERE key = $1', [key]);
  return row ? String(row.value) : undefined;
}

export async function readBotSessions(db: Queryable, keys: readonly string[]): Promise<Map<string, string>> {
  // Named: it runs on every update, so each connection keeps it parsed and planned.
  const rows = await q(db, { name: 'ttops_bot_sessions_by_keys', text: 'SELECT key, value FROM bot_sessions WHERE key = ANY($1::text[])' }, [keys]);
  return new Map(rows.map((row) => [String(row.key), String(row.value)]));
}

export async function writeBotSession(db: Queryable, key: string, value: string): Promise<void> {
  await q(db, 'INSERT INTO bot_sessions (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = now()', [key, value]);
}

export async function deleteBotSession(db: Queryable, key: string): Promise<void> {
  await q(db, 'DELETE FROM bot_sessions WHERE key = $1', [key]);
}

export async function claimBotUpdate(db: Queryable, updateId: number, keepMs: number): Promise<boolean> {
  // One statement: the prune and the insert cannot be split by a crash, and two deliveries of
  // the same update race on the primary key, where exactly one insert wins.
  return (
    (await affected(
      db,
      `WITH pruned AS (DELETE FROM bot_updates WHERE seen_at < now() - make_interval(secs => $2::double precision / 1000))
       INSERT INTO bot_updates (update_id) VALUES ($1) ON CONFLICT (update_id) DO NOTHING`,
      [updateId, keepMs],
    )) > 0
  );
}
