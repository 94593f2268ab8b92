/**
 * PostgreSQL SQL for sounds and triggers. The quota check locks the user's row first, so two
 * concurrent uploads cannot both pass a count that allows only one of them.
 */
import type pg from 'pg';
import { quotaExceeded, toSound, toTrigger, triggerValues } from '../streamer-rows.js';
import type { NewSound, SoundRecord, TriggerInput, TriggerRecord } from '../types.js';
import { q, withTransaction, type Queryable } from './db.js';

async function underQuota(tx: Queryable, table: 'sounds' | 'triggers', userId: number, max: number): Promise<void> {
  await q(tx, 'SELECT 1 FROM users WHERE id = $1 FOR UPDATE', [userId]);
  const [{ n }] = await q(tx, `SELECT count(*)::int AS n FROM ${table} WHERE user_id = $1`, [userId]);
  if (Number(n) >= max) throw quotaExceeded(table === 'sounds' ? 'sound' : 'trigger', max);
}

export function addSound(pool: pg.Pool, s: NewSound, maxPerUser: number): Promise<SoundRecord> {
  return withTransaction(pool, async (tx) => {
    await underQuota(tx, 'sounds', s.userId, maxPerUser);
    const [row] = await q(tx, 'INSERT INTO sounds (user_id, filename, original_name, format, size, duration_ms, sha256) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING *', [
      s.userId,
      s.filename,
      s.originalName,
      s.format,
      s.size,
      s.durationMs,
      s.sha256,
    ]);
    return toSound(row);
  });
}

export async function listSounds(db: Queryable, userId: number): Promise<SoundRecord[]> {
  return (await q(db, 'SELECT * FROM sounds WHERE user_id = $1 ORDER BY id', [userId])).map(toSound);
}

export async function findSound(db: Queryable, userId: number, filename: string): Promise<SoundRecord | undefined> {
  const [row] = await q(db, 'SELECT * FROM sounds WHERE user_id = $1 AND filename = $2', [userId, filename]);
  return row && toSound(row);
}

export async function deleteSound(db: Queryable, userId: number, filename: string): Promise<SoundRecord | undefined> {
  const [row] = await q(db, 'DELETE FROM sounds WHERE user_id = $1 AND filename = $2 RETURNING *', [userId, filename]);
  return row && toSound(row);
}

export function addTrigger(pool: pg.Pool, userId: number, input: TriggerInput, maxPerUser: number): Promise<TriggerRecord> {
  return withTransaction(pool, async (tx) => {
    await underQuota(tx, 'triggers', userId, maxPerUser);
    const [row] = await q(
      tx,
      'INSERT INTO triggers (user_id, event_type, condition_key, condition_value, action, action_params, enabled, cooldown_seconds) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING *',
      [userId, ...triggerValues(input)],
    );
    return toTrigger(row);
  });
}

export async function updateTrigger(db: Queryable, userId: number, id: number, input: TriggerInput): Promise<TriggerRecord | undefined> {
  const [row] = await q(
    db,
    `UPDATE triggers SET event_type = $1, condition_key = $2, condition_value = $3, action = $4, action_params = $5, enabled = $6, cooldown_seconds = $7,
     updated_at = now() WHERE id = $8 AND user_id = $9 RETURNING *`,
    [...triggerValues(input), id, userId],
  );
  return row && toTrigger(row);
}

export async function listTriggers(db: Queryable, userId: number): Promise<TriggerRecord[]> {
  return (await q(db, 'SELECT * FROM triggers WHERE user_id = $1 ORDER BY id', [userId])).map(toTrigger);
}

export async function deleteTrigger(db: Queryable, userId: number, id: number): Promise<boolean> {
  return (await q(db, 'DELETE FROM triggers WHERE id = $1 AND user_id = $2 RETURNING id', [id, userId])).length > 0;
}
