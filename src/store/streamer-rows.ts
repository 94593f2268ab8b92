/**
 * Row → record mapping for the streamer tables (sounds, triggers), shared by both adapters,
 * and the quota refusals both raise.
 */
import { ConflictError } from '../errors.js';
import type { SoundRecord, TriggerInput, TriggerRecord } from './types.js';

type Row = Record<string, unknown>;

/** A `sounds` row as a SoundRecord. */
export function toSound(row: Row): SoundRecord {
  return {
    id: Number(row.id),
    userId: Number(row.user_id),
    filename: String(row.filename),
    originalName: row.original_name === null || row.original_name === undefined ? null : String(row.original_name),
    format: String(row.format) as SoundRecord['format'],
    size: Number(row.size),
    durationMs: Number(row.duration_ms),
    sha256: String(row.sha256),
    createdAt: String(row.created_at),
  };
}

/** A `triggers` row as a TriggerRecord. */
export function toTrigger(row: Row): TriggerRecord {
  return {
    id: Number(row.id),
    userId: Number(row.user_id),
    eventType: String(row.event_type),
    conditionKey: String(row.condition_key),
    conditionValue: String(row.condition_value),
    action: String(row.action) as TriggerRecord['action'],
    actionParams: JSON.parse(String(row.action_params)) as Record<string, unknown>,
    enabled: Boolean(row.enabled),
    cooldownSeconds: Number(row.cooldown_seconds),
    createdAt: String(row.created_at),
    updatedAt: String(row.updated_at),
  };
}

/** The column values of a trigger, in the order both adapters' statements take them. */
export function triggerValues(input: TriggerInput): unknown[] {
  return [input.eventType, input.conditionKey, input.conditionValue, input.action, JSON.stringify(input.actionParams), input.enabled, input.cooldownSeconds];
}

/** The refusal when a user already has as many of something as allowed. */
export function quotaExceeded(what: 'sound' | 'trigger', max: number): ConflictError {
  return new ConflictError(`${what}_quota_exceeded`, `you already have ${max} ${what}s, the most allowed — delete one first`);
}
