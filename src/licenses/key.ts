/**
 * License keys: `TTB-XXXX-XXXX-XXXX`, 12 symbols of Crockford's base32 (no I, L, O, U:
 * nothing to misread) from the OS CSPRNG — 60 bits. Only a SHA-256 of the normalised key
 * is stored; the key itself is shown once, at issue.
 */
import { createHash, randomBytes } from 'node:crypto';

const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const SYMBOLS = 12;
/** Shape of a well-formed key, after normalisation. */
export const KEY_PATTERN = /^TTB-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}$/;

/** A fresh random key. 32 symbols = 5 bits each, so bytes map without bias. */
export function generateKey(): string {
  const bytes = randomBytes(SYMBOLS);
  let body = '';
  for (let i = 0; i < SYMBOLS; i++) body += ALPHABET[bytes[i] & 31];
  return `TTB-${body.slice(0, 4)}-${body.slice(4, 8)}-${body.slice(8, 12)}`;
}

/**
 * The canonical form of what a person typed: upper-case, spaces and dashes ignored, and the
 * look-alikes O→0, I/L→1 mapped as Crockford intends. Undefined when it cannot be a key.
 */
export function normalizeKey(input: string): string | undefined {
  const compact = input.toUpperCase().replace(/[\s-]/g, '').replace(/O/g, '0').replace(/[IL]/g, '1');
  const body = compact.startsWith('TTB') ? compact.slice(3) : compact;
  if (body.length !== SYMBOLS) return undefined;
  const key = `TTB-${body.slice(0, 4)}-${body.slice(4, 8)}-${body.slice(8, 12)}`;
  return KEY_PATTERN.test(key) ? key : undefined;
}

/** What the database stores instead of the key. */
export function hashKey(normalizedKey: string): string {
  return createHash('sha256').update(normalizedKey).digest('hex');
}

/** The last symbols of a key, kept so lists can show `TTB-****-****-AB12`. */
export function keySuffix(normalizedKey: string): string {
  return normalizedKey.slice(-4);
}

/** A masked key for lists and logs. */
export function maskKey(suffix: string): string {
  return `TTB-****-****-${suffix}`;
}
