/**
 * Row → record mapping shared by both adapters. Drivers already hand us numbers for ids
 * and ISO strings for times (see each adapter's type parsers); this only renames columns
 * and turns SQLite's 0/1 into booleans.
 */
import type { AuditRecord, LicenseRecord, UserRecord } from './types.js';

type Row = Record<string, unknown>;

const num = (v: unknown): number => Number(v);
const numOrNull = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));
const str = (v: unknown): string | null => (v === null || v === undefined ? null : String(v));

/** A `users` row as a UserRecord. */
export function toUser(row: Row): UserRecord {
  return {
    id: num(row.id),
    username: str(row.username),
    passwordHash: str(row.password_hash),
    plan: str(row.plan),
    licenseExpiresAt: str(row.license_expires_at),
    voiceId: String(row.voice_id),
    ttsEnabled: Boolean(row.tts_enabled),
    giftSoundsEnabled: Boolean(row.gift_sounds_enabled),
    ttsVolume: num(row.tts_volume),
    giftsVolume: num(row.gifts_volume),
    tiktokUsername: str(row.tiktok_username),
    telegramId: numOrNull(row.telegram_id),
    credits: num(row.credits),
    tokenVersion: num(row.token_version),
    createdAt: String(row.created_at),
  };
}

/** A `license_keys` row as a LicenseRecord. */
export function toLicense(row: Row): LicenseRecord {
  return {
    id: num(row.id),
    keyHash: String(row.key_hash),
    keySuffix: String(row.key_suffix),
    plan: String(row.plan),
    ttlDays: num(row.ttl_days),
    status: row.status as LicenseRecord['status'],
    note: str(row.note),
    createdAt: String(row.created_at),
    expiresAt: String(row.expires_at),
    redeemedBy: numOrNull(row.redeemed_by),
    redeemedAt: str(row.redeemed_at),
    revokedAt: str(row.revoked_at),
  };
}

/** An `audit_log` row as an AuditRecord. */
export function toAudit(row: Row): AuditRecord {
  return {
    id: num(row.id),
    at: String(row.at),
    actor: String(row.actor),
    action: String(row.action),
    subject: str(row.subject),
    detail: row.detail ? (JSON.parse(String(row.detail)) as Record<string, unknown>) : null,
  };
}

/** Column names of UserSettingsPatch fields (the only user columns PATCH may touch). */
export const SETTINGS_COLUMNS = {
  voiceId: 'voice_id',
  ttsEnabled: 'tts_enabled',
  giftSoundsEnabled: 'gift_sounds_enabled',
  ttsVolume: 'tts_volume',
  giftsVolume: 'gifts_volume',
  tiktokUsername: 'tiktok_username',
} as const;
