/** SQLite SQL for sounds and triggers; quota checks run inside the insert's immediate transaction. */
import { quotaExceeded, toSound, toTrigger, triggerValues } from '../streamer-rows.js';
import type { NewSound, SoundRecord, TriggerInput, TriggerRecord } from '../types.js';
import type { SqliteDb } from './db.js';

type Row = Record<string, unknown>;
const bool = (values: unknown[]) => values.map((v) => (typeof v === 'boolean' ? Number(v) : v));

export function addSound(db: SqliteDb, s: NewSound, maxPerUser: number): SoundRecord {
  return db.transaction(() => {
    const { n } = db.prepare('SELECT count(*) AS n FROM sounds WHERE user_id = ?').get(s.userId) as { n: number };
    if (n >= maxPerUser) throw quotaExceeded('sound', maxPerUser);
    const row = db
      .prepare('INSERT INTO sounds (user_id, filename, original_name, format, size, duration_ms, sha256) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING *')
      .get(s.userId, s.filename, s.originalName, s.format, s.size, s.durationMs, s.sha256) as Row;
    return toSound(row);
  }).immediate();
}

export function listSounds(db: SqliteDb, userId: number): SoundRecord[] {
  return (db.prepare('SELECT * FROM sounds WHERE user_id = ? ORDER BY id').all(userId) as Row[]).map(toSound);
}

export function findSound(db: SqliteDb, userId: number, filename: string): SoundRecord | undefined {
  const row = db.prepare('SELECT * FROM sounds WHERE user_id = ? AND filename = ?').get(userId, filename) as Row | undefined;
  return row && toSound(row);
}

export function deleteSound(db: SqliteDb, userId: number, filename: string): SoundRecord | undefined {
  const row = db.prepare('DELETE FROM sounds WHERE user_id = ? AND filename = ? RETURNING *').get(userId, filename) as Row | undefined;
  return row && toSound(row);
}

export function addTrigger(db: SqliteDb, userId: number, input: TriggerInput, maxPerUser: number): TriggerRecord {
  return db.transaction(() => {
    const { n } = db.prepare('SELECT count(*) AS n FROM triggers WHERE user_id = ?').get(userId) as { n: number };
    if (n >= maxPerUser) throw quotaExceeded('trigger', maxPerUser);
    const row = db
      .prepare('INSERT INTO triggers (user_id, event_type, condition_key, condition_value, action, action_params, enabled, cooldown_seconds) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING *')
      .get(userId, ...bool(triggerValues(input))) as Row;
    return toTrigger(row);
  }).immediate();
}

export function updateTrigger(db: SqliteDb, userId: number, id: number, input: TriggerInput): TriggerRecord | undefined {
  const row = db
    .prepare(
      `UPDATE triggers SET event_type = ?, condition_key = ?, condition_value = ?, action = ?, action_params = ?, enabled = ?, cooldown_seconds = ?,
       updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE id = ? AND user_id = ? RETURNING *`,
    )
    .get(...bool(triggerValues(input)), id, userId) as Row | undefined;
  return row && toTrigger(row);
}

export function listTriggers(db: SqliteDb, userId: number): TriggerRecord[] {
  return (db.prepare('SELECT * FROM triggers WHERE user_id = ? ORDER BY id').all(userId) as Row[]).map(toTrigger);
}

export function deleteTrigger(db: SqliteDb, userId: number, id: number): boolean {
  return db.prepare('DELETE FROM triggers WHERE id = ? AND user_id = ?').run(id, userId).changes > 0;
}
