/** SQLite SQL for the bot's state: conversation state by key and handled update ids. */
import type { BotUpdateRequest, OpenedBotUpdate } from '../types.js';
import type { SqliteDb } from './db.js';
import { findUserByTelegramId } from './jobs.js';

export function readBotSession(db: SqliteDb, key: string): string | undefined {
  const row = db.prepare('SELECT value FROM bot_sessions WHERE key = ?').get(key) as { value: string } | undefined;
  return row?.value;
}

export function writeBotSession(db: SqliteDb, key: string, value: string): void {
  db.prepare(
    `INSERT INTO bot_sessions (key, value) VALUES (?, ?)
     ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')`,
  ).run(key, value);
}

export function deleteBotSession(db: SqliteDb, key: string): void {
  db.prepare('DELETE FROM bot_sessions WHERE key = ?').run(key);
}

export function openBotUpdate(db: SqliteDb, r: BotUpdateRequest): OpenedBotUpdate {
  return {
    fresh: !r.claim || claimBotUpdate(db, r.updateId, r.keepMs),
    sessions: r.sessionKeys.length ? readBotSessions(db, r.sessionKeys) : new Map(),
    account: r.telegramId === undefined ? undefined : findUserByTelegramId(db, r.telegramId),
  };
}

function readBotSessions(db: SqliteDb, keys: readonly string[]): Map<string, string> {
  // One cached statement per key count (the bot asks for one or two keys).
  const rows = db.prepare(`SELECT key, value FROM bot_sessions WHERE key IN (${keys.map(() => '?').join(', ')})`).all(...keys) as { key: string; value: string }[];
  return new Map(rows.map((row) => [row.key, row.value]));
}

function claimBotUpdate(db: SqliteDb, updateId: number, keepMs: number): boolean {
  const cutoff = new Date(Date.now() - keepMs).toISOString();
  return db.transaction(() => {
    db.prepare('DELETE FROM bot_updates WHERE seen_at < ?').run(cutoff);
    return db.prepare('INSERT INTO bot_updates (update_id) VALUES (?) ON CONFLICT (update_id) DO NOTHING').run(updateId).changes > 0;
  }).immediate();
}
