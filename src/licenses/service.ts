/**
 * License administration shared by the CLI and the admin API: issue (the key is returned
 * once, never stored), find by key or id, list, revoke, extend. Every change is audited
 * by the store in the same transaction.
 */
import { InvalidInputError } from '../errors.js';
import { licenseNotFound } from '../store/license-errors.js';
import { isRowId } from '../store/rows.js';
import type { Actor, LicenseRecord, LicenseStatus, LicenseStore } from '../store/types.js';
import { addDays } from '../time.js';
import { generateKey, hashKey, keySuffix, maskKey, normalizeKey } from './key.js';

/** What `issue` is asked for. */
export interface IssueRequest {
  plan: string;
  ttlDays: number;
  count?: number;
  note?: string;
}

/** A freshly issued key: the only time the key itself exists outside the buyer's hands. */
export interface IssuedKey {
  id: number;
  key: string;
  plan: string;
  ttl_days: number;
  expires_at: string;
}

/** A key as lists and `show` present it: masked, with its effective status. */
export interface LicenseView {
  id: number;
  key: string;
  plan: string;
  ttl_days: number;
  status: LicenseStatus | 'expired';
  note: string | null;
  created_at: string;
  expires_at: string;
  redeemed_by: number | null;
  redeemed_at: string | null;
  revoked_at: string | null;
}

export const PLAN_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,31}$/;
const MAX_TTL_DAYS = 3650;
const MAX_COUNT = 1000;

/** Issues `count` keys of one plan. */
export async function issueLicenses(store: LicenseStore, request: IssueRequest, by: Actor, now = new Date()): Promise<IssuedKey[]> {
  const count = request.count ?? 1;
  if (!PLAN_PATTERN.test(request.plan)) throw new InvalidInputError('invalid_plan', 'plan must be 1–32 letters, digits, `_`, `.` or `-`, e.g. `pro`');
  if (!Number.isInteger(request.ttlDays) || request.ttlDays < 1 || request.ttlDays > MAX_TTL_DAYS) throw new InvalidInputError('invalid_ttl', `ttl_days must be a whole number from 1 to ${MAX_TTL_DAYS}`);
  if (!Number.isInteger(count) || count < 1 || count > MAX_COUNT) throw new InvalidInputError('invalid_count', `count must be a whole number from 1 to ${MAX_COUNT}`);
  const expiresAt = addDays(now.toISOString(), request.ttlDays);
  const keys = Array.from({ length: count }, generateKey);
  const records = await store.issueLicenses(
    keys.map((key) => ({ keyHash: hashKey(key), keySuffix: keySuffix(key), plan: request.plan, ttlDays: request.ttlDays, note: request.note, expiresAt })),
    by,
  );
  return records.map((r, i) => ({ id: r.id, key: keys[i], plan: r.plan, ttl_days: r.ttlDays, expires_at: r.expiresAt }));
}

/** Finds a key by the key itself (any spacing/case) or by its numeric id. */
export async function findLicense(store: LicenseStore, ref: string): Promise<LicenseRecord> {
  const trimmed = ref.trim();
  // An id no row can have (20 digits, say) is not found, like any other unknown id.
  const id = /^\d+$/.test(trimmed) ? Number(trimmed) : undefined;
  const found = id === undefined ? await findByKey(store, trimmed) : isRowId(id) ? await store.findLicenseById(id) : undefined;
  if (!found) throw licenseNotFound();
  return found;
}

async function findByKey(store: LicenseStore, key: string): Promise<LicenseRecord | undefined> {
  const normalized = normalizeKey(key);
  return normalized ? store.findLicenseByHash(hashKey(normalized)) : undefined;
}

/** Lists keys, newest first; `expired` means active but past its redeem-by date. */
export async function listLicenses(store: LicenseStore, status?: LicenseStatus | 'expired', now = new Date()): Promise<LicenseView[]> {
  const stored = status === 'expired' ? 'active' : status;
  const views = (await store.listLicenses({ status: stored })).map((r) => licenseView(r, now));
  return status ? views.filter((v) => v.status === status) : views;
}

/** Revokes a key by key or id. */
export async function revokeLicense(store: LicenseStore, ref: string, by: Actor, now = new Date()): Promise<LicenseView> {
  const license = await findLicense(store, ref);
  return licenseView(await store.revokeLicense(license.id, now.toISOString(), by), now);
}

/** Adds days to a key (and to its user's license when redeemed). */
export async function extendLicense(store: LicenseStore, ref: string, days: number, by: Actor, now = new Date()): Promise<LicenseView> {
  if (!Number.isInteger(days) || days < 1 || days > MAX_TTL_DAYS) throw new InvalidInputError('invalid_days', `days must be a whole number from 1 to ${MAX_TTL_DAYS}`);
  const license = await findLicense(store, ref);
  return licenseView(await store.extendLicense(license.id, days, by), now);
}

/** The masked, client-facing shape of a key. */
export function licenseView(r: LicenseRecord, now = new Date()): LicenseView {
  const expired = r.status === 'active' && Date.parse(r.expiresAt) <= now.getTime();
  return {
    id: r.id,
    key: maskKey(r.keySuffix),
    plan: r.plan,
    ttl_days: r.ttlDays,
    status: expired ? 'expired' : r.status,
    note: r.note,
    created_at: r.createdAt,
    expires_at: r.expiresAt,
    redeemed_by: r.redeemedBy,
    redeemed_at: r.redeemedAt,
    revoked_at: r.revokedAt,
  };
}
