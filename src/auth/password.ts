/**
 * Passwords in passlib's `pbkdf2_sha256` format (`$pbkdf2-sha256$rounds$salt$checksum`,
 * "adapted base64"), so hashes written by the older Python backend verify unchanged.
 * Hashing runs in libuv's thread pool (async `crypto.pbkdf2`), never on the event loop.
 */
import { pbkdf2, randomBytes, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';

const pbkdf2Async = promisify(pbkdf2);
const PREFIX = '$pbkdf2-sha256$';
const SALT_BYTES = 16;
const KEY_BYTES = 32;
/** OWASP's 2023 floor for PBKDF2-HMAC-SHA256; new hashes never use fewer. */
export const MIN_ROUNDS = 600_000;

/** Hashes a password with a fresh salt. */
export async function hashPassword(password: string, rounds = MIN_ROUNDS): Promise<string> {
  const salt = randomBytes(SALT_BYTES);
  const key = await pbkdf2Async(password.normalize('NFC'), salt, Math.max(rounds, MIN_ROUNDS), KEY_BYTES, 'sha256');
  return `${PREFIX}${Math.max(rounds, MIN_ROUNDS)}$${ab64(salt)}$${ab64(key)}`;
}

/** Checks a password against a stored hash; false for any malformed hash. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parsed = parseHash(stored);
  if (!parsed) return false;
  const key = await pbkdf2Async(password.normalize('NFC'), parsed.salt, parsed.rounds, parsed.checksum.length, 'sha256');
  return timingSafeEqual(key, parsed.checksum);
}

/** Whether a stored hash is weaker than what we write today (rehash on next login). */
export function needsRehash(stored: string, rounds = MIN_ROUNDS): boolean {
  const parsed = parseHash(stored);
  return !parsed || parsed.rounds < rounds;
}

function parseHash(stored: string): { rounds: number; salt: Buffer; checksum: Buffer } | undefined {
  if (!stored.startsWith(PREFIX)) return undefined;
  const [rounds, salt, checksum] = stored.slice(PREFIX.length).split('$');
  if (!/^[1-9]\d{0,9}$/.test(rounds ?? '') || !salt || !checksum) return undefined;
  const parsed = { rounds: Number(rounds), salt: fromAb64(salt), checksum: fromAb64(checksum) };
  return parsed.checksum.length >= 16 ? parsed : undefined;
}

/** passlib's "adapted base64": standard alphabet with `.` for `+`, no padding. */
function ab64(buf: Buffer): string {
  return buf.toString('base64').replace(/=+$/, '').replace(/\+/g, '.');
}

function fromAb64(text: string): Buffer {
  return Buffer.from(text.replace(/\./g, '+'), 'base64');
}
