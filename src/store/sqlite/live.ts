/**
 * SQLite SQL for live sessions, their raw events and the per-streamer lease. Times are
 * ISO-8601 UTC text, so they compare as strings; every process on the file shares one clock.
 */
import { toLiveSession, totalsValues } from '../live-rows.js';
import type { LiveEventInput, LiveLeaseView, LiveSessionRecord, LiveSessionTotals } from '../types.js';
import type { SqliteDb } from './db.js';

type Row = Record<string, unknown>;
const NOW = `strftime('%Y-%m-%dT%H:%M:%fZ', 'now')`;

export function startLiveSession(db: SqliteDb, userId: number, uniqueId: string, source: string): LiveSessionRecord {
  return db.transaction(() => {
    db.prepare(`UPDATE live_sessions SET ended_at = ${NOW} WHERE user_id = ? AND source = ? AND ended_at IS NULL`).run(userId, source);
    return toLiveSession(db.prepare('INSERT INTO live_sessions (user_id, unique_id, source) VALUES (?, ?, ?) RETURNING *').get(userId, uniqueId, source) as Row);
  }).immediate();
}

export function updateLiveSession(db: SqliteDb, id: number, totals: LiveSessionTotals, end: boolean): void {
  db.prepare(
    `UPDATE live_sessions SET peak_viewers = ?, gifts = ?, diamonds = ?, likes = ?, follows = ?, shares = ?, joins = ?, top_gifters = ?,
     ended_at = CASE WHEN ? THEN coalesce(ended_at, ${NOW}) ELSE ended_at END WHERE id = ?`,
  ).run(...totalsValues(totals), end ? 1 : 0, id);
}

export function addLiveEvents(db: SqliteDb, sessionId: number, events: LiveEventInput[]): number {
  const insert = db.prepare('INSERT INTO live_events (session_id, msg_id, event_type, at, payload) VALUES (?, ?, ?, ?, ?) ON CONFLICT (session_id, msg_id) DO NOTHING');
  return db.transaction(() => events.reduce((n, e) => n + insert.run(sessionId, e.msgId, e.eventType, e.at, e.payload).changes, 0)).immediate();
}

export function listLiveEvents(db: SqliteDb, sessionId: number, limit: number): LiveEventInput[] {
  const rows = db.prepare('SELECT msg_id, event_type, at, payload FROM live_events WHERE session_id = ? ORDER BY id LIMIT ?').all(sessionId, limit) as Row[];
  return rows.map((r) => ({ msgId: String(r.msg_id), eventType: String(r.event_type), at: String(r.at), payload: String(r.payload) }));
}

export function listLiveSessions(db: SqliteDb, userId: number, limit: number): LiveSessionRecord[] {
  return (db.prepare('SELECT * FROM live_sessions WHERE user_id = ? ORDER BY id DESC LIMIT ?').all(userId, limit) as Row[]).map(toLiveSession);
}

export function findLiveSession(db: SqliteDb, userId: number, id: number): LiveSessionRecord | undefined {
  const row = db.prepare('SELECT * FROM live_sessions WHERE id = ? AND user_id = ?').get(id, userId) as Row | undefined;
  return row && toLiveSession(row);
}

export function pruneLiveEvents(db: SqliteDb, before: string): number {
  return db.prepare('DELETE FROM live_events WHERE at < ?').run(before).changes;
}

export function findLiveLease(db: SqliteDb, userId: number): LiveLeaseView {
  const row = db.prepare(`SELECT ${NOW} AS now, l.holder, l.lease_until FROM (SELECT 1) one LEFT JOIN live_leases l ON l.user_id = ?`).get(userId) as Row;
  return {
    now: Date.parse(String(row.now)),
    lease: row.holder === null || row.holder === undefined ? null : { holder: String(row.holder), until: Date.parse(String(row.lease_until)) },
  };
}

export function takeLiveLease(db: SqliteDb, userId: number, holder: string, ttlMs: number): boolean {
  const until = `strftime('%Y-%m-%dT%H:%M:%fZ', 'now', ?)`;
  const row = db
    .prepare(
      `INSERT INTO live_leases (user_id, holder, lease_until) VALUES (?, ?, ${until})
       ON CONFLICT (user_id) DO UPDATE SET holder = excluded.holder, lease_until = excluded.lease_until
       WHERE live_leases.holder = excluded.holder OR live_leases.lease_until < ${NOW}
       RETURNING holder`,
    )
    .get(userId, holder, `+${(ttlMs / 1000).toFixed(3)} seconds`);
  return row !== undefined;
}

export function releaseLiveLease(db: SqliteDb, userId: number, holder: string): boolean {
  return db.prepare('DELETE FROM live_leases WHERE user_id = ? AND holder = ?').run(userId, holder).changes > 0;
}
