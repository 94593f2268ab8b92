/**
 * PostgreSQL SQL for live sessions, their raw events and the per-streamer lease. Lease
 * times use the database's clock, so `serve` processes on hosts whose clocks disagree
 * still agree on when a lease ran out.
 */
import type pg from 'pg';
import { toLiveSession, totalsValues } from '../live-rows.js';
import type { LiveEventInput, LiveLeaseView, LiveSessionRecord, LiveSessionTotals } from '../types.js';
import { affected, q, withTransaction, type Queryable } from './db.js';

export function startLiveSession(pool: pg.Pool, userId: number, uniqueId: string, source: string): Promise<LiveSessionRecord> {
  return withTransaction(pool, async (tx) => {
    await q(tx, 'UPDATE live_sessions SET ended_at = now() WHERE user_id = $1 AND source = $2 AND ended_at IS NULL', [userId, source]);
    const [row] = await q(tx, 'INSERT INTO live_sessions (user_id, unique_id, source) VALUES ($1, $2, $3) RETURNING *', [userId, uniqueId, source]);
    return toLiveSession(row);
  });
}

export async function updateLiveSession(db: Queryable, id: number, totals: LiveSessionTotals, end: boolean): Promise<void> {
  await q(
    db,
    `UPDATE live_sessions SET peak_viewers = $2, gifts = $3, diamonds = $4, likes = $5, follows = $6, shares = $7, joins = $8, top_gifters = $9,
     ended_at = CASE WHEN $10::boolean THEN coalesce(ended_at, now()) ELSE ended_at END WHERE id = $1`,
    [id, ...totalsValues(totals), end],
  );
}

export async function addLiveEvents(db: Queryable, sessionId: number, events: LiveEventInput[]): Promise<number> {
  if (events.length === 0) return 0;
  return affected(
    db,
    `INSERT INTO live_events (session_id, msg_id, event_type, at, payload)
     SELECT $1, * FROM unnest($2::text[], $3::text[], $4::timestamptz[], $5::text[])
     ON CONFLICT (session_id, msg_id) DO NOTHING`,
    [sessionId, events.map((e) => e.msgId), events.map((e) => e.eventType), events.map((e) => e.at), events.map((e) => e.payload)],
  );
}

export async function listLiveEvents(db: Queryable, sessionId: number, limit: number): Promise<LiveEventInput[]> {
  const rows = await q(db, 'SELECT msg_id, event_type, at, payload FROM live_events WHERE session_id = $1 ORDER BY id LIMIT $2', [sessionId, limit]);
  return rows.map((r) => ({ msgId: String(r.msg_id), eventType: String(r.event_type), at: String(r.at), payload: String(r.payload) }));
}

export async function listLiveSessions(db: Queryable, userId: number, limit: number): Promise<LiveSessionRecord[]> {
  return (await q(db, 'SELECT * FROM live_sessions WHERE user_id = $1 ORDER BY id DESC LIMIT $2', [userId, limit])).map(toLiveSession);
}

export async function findLiveSession(db: Queryable, userId: number, id: number): Promise<LiveSessionRecord | undefined> {
  const [row] = await q(db, 'SELECT * FROM live_sessions WHERE id = $1 AND user_id = $2', [id, userId]);
  return row && toLiveSession(row);
}

export function pruneLiveEvents(db: Queryable, before: string): Promise<number> {
  return affected(db, 'DELETE FROM live_events WHERE at < $1', [before]);
}

export async function findLiveLease(db: Queryable, userId: number): Promise<LiveLeaseView> {
  const [row] = await q(db, 'SELECT now() AS now, l.holder, l.lease_until FROM (SELECT 1) one LEFT JOIN live_leases l ON l.user_id = $1', [userId]);
  return {
    now: Date.parse(String(row.now)),
    lease: row.holder === null || row.holder === undefined ? null : { holder: String(row.holder), until: Date.parse(String(row.lease_until)) },
  };
}

export async function takeLiveLease(db: Queryable, userId: number, holder: string, ttlMs: number): Promise<boolean> {
  const rows = await q(
    db,
    `INSERT INTO live_leases (user_id, holder, lease_until) VALUES ($1, $2, now() + make_interval(secs => $3))
     ON CONFLICT (user_id) DO UPDATE SET holder = excluded.holder, lease_until = excluded.lease_until
     WHERE live_leases.holder = excluded.holder OR live_leases.lease_until < now()
     RETURNING holder`,
    [userId, holder, ttlMs / 1000],
  );
  return rows.length === 1;
}

export async function releaseLiveLease(db: Queryable, userId: number, holder: string): Promise<boolean> {
  return (await affected(db, 'DELETE FROM live_leases WHERE user_id = $1 AND holder = $2', [userId, holder])) > 0;
}
