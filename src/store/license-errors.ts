/**
 * Why a key could not be redeemed or changed, as the precise error both adapters throw
 * after their conditional UPDATE matched nothing.
 */
import { ConflictError, NotFoundError, TtopsError } from '../errors.js';
import type { LicenseRecord } from './types.js';

/** The error explaining why `license` (as it is now) cannot be redeemed at `now`. */
export function redeemRefusal(license: LicenseRecord | undefined, now: string): TtopsError {
  if (!license) return licenseNotFound();
  if (license.status === 'redeemed') return new ConflictError('license_already_redeemed', 'this license key has already been redeemed');
  if (license.status === 'revoked') return new ConflictError('license_revoked', 'this license key has been revoked — contact support');
  if (Date.parse(license.expiresAt) <= Date.parse(now)) return new ConflictError('license_expired', 'this license key has expired — ask for a new one', { status: 410 });
  return new ConflictError('license_unavailable', 'this license key cannot be redeemed right now — try again');
}

/** The one not-found error for keys (the same whether the key never existed or was mistyped). */
export function licenseNotFound(): NotFoundError {
  return new NotFoundError('license_not_found', 'no such license key — check it for typos');
}

/** The error for changing a key that is already revoked. */
export function licenseRevoked(): ConflictError {
  return new ConflictError('license_revoked', 'this license key is revoked; it cannot be changed');
}

/** The error for creating an account whose name someone else has. */
export function usernameTaken(): ConflictError {
  return new ConflictError('username_taken', 'that username is taken — choose another, or use its password to extend it');
}
