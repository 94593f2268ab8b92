/** PostgreSQL SQL for the bot's state: conversation state by key and handled update ids. */
import { toUser } from '../rows.js';
import type { BotUpdateRequest, OpenedBotUpdate } from '../types.js';
import { q, type Queryable } from './db.js';

export async function readBotSession(db: Queryable, key: string): Promise<string | undefined> {
  const [row] = await q(db, 'SELECT value FROM bot_sessions WHERE key = $1', [key]);
  return row ? String(row.value) : undefined;
}

export async function writeBotSession(db: Queryable, key: string, value: string): Promise<void> {
  await q(db, 'INSERT INTO bot_sessions (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = now()', [key, value]);
}

export async function deleteBotSession(db: Queryable, key: string): Promise<void> {
  await q(db, 'DELETE FROM bot_sessions WHERE key = $1', [key]);
}

/**
 * Named, so each connection keeps it parsed and planned. Every part reads the snapshot the
 * statement started with; the claim's ON CONFLICT still lets exactly one of two racing
 * deliveries of an update win. The user's columns come last, null when there is no account.
 */
const OPEN_UPDATE = {
  name: 'ttops_bot_open_update',
  text: `WITH pruned AS (DELETE FROM bot_updates WHERE $2::boolean AND seen_at < now() - make_interval(secs => $3::double precision / 1000)),
              claimed AS (INSERT INTO bot_updates (update_id) SELECT $1::bigint WHERE $2::boolean ON CONFLICT (update_id) DO NOTHING RETURNING 1)
         SELECT NOT $2::boolean OR EXISTS (SELECT 1 FROM claimed) AS ttops_fresh,
                (SELECT json_object_agg(key, value) FROM bot_sessions WHERE key = ANY($4::text[])) AS ttops_sessions,
                u.*
         FROM (VALUES (1)) AS one LEFT JOIN users u ON u.telegram_id = $5::bigint`,
};

export async function openBotUpdate(db: Queryable, r: BotUpdateRequest): Promise<OpenedBotUpdate> {
  const [row] = await q(db, OPEN_UPDATE, [r.updateId, r.claim, r.keepMs, r.sessionKeys, r.telegramId ?? null]);
  const sessions = (row.ttops_sessions ?? {}) as Record<string, string>;
  return { fresh: Boolean(row.ttops_fresh), sessions: new Map(Object.entries(sessions)), account: row.id === null ? undefined : toUser(row) };
}
