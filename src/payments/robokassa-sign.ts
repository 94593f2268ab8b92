/**
 * Robokassa's signature formulas, pure: the pay link (password #1), the ResultURL
 * notification (password #2), the SuccessURL redirect (password #1) and the OpStateExt
 * request (password #2). Custom `Shp_*` pairs go after the password, sorted as strings
 * (the official SDK's `sort($pairs)`); hex is compared case-insensitively in constant time.
 */
import { createHash, timingSafeEqual } from 'node:crypto';

/** The hashes a shop can choose in its technical settings. */
export type RobokassaHash = 'md5' | 'ripemd160' | 'sha1' | 'sha256' | 'sha384' | 'sha512';

/** Custom parameters: keys start with `Shp_` in any case (`SHP_`, `shp_` occur). */
export function isShpKey(key: string): boolean {
  return /^shp_/i.test(key);
}

/** The `Shp_key=value` pairs of a parameter set, sorted, as they go into a signature. */
export function shpPairs(params: Iterable<[string, string]>): string[] {
  const pairs: string[] = [];
  for (const [key, value] of params) if (isShpKey(key)) pairs.push(`${key}=${value}`);
  return pairs.sort();
}

/** `login:OutSum:InvId:Password1[:Shp…]` — what a pay link signs. */
export function payLinkBase(login: string, outSum: string, invId: string, password1: string, shp: string[] = []): string {
  return [login, outSum, invId, password1, ...shp].join(':');
}

/** `OutSum:InvId:Password[:Shp…]` — ResultURL (password #2) and SuccessURL (password #1). */
export function noticeBase(outSum: string, invId: string, password: string, shp: string[] = []): string {
  return [outSum, invId, password, ...shp].join(':');
}

/** `login:InvoiceID:Password2` — what an OpStateExt request signs. */
export function opStateBase(login: string, invoiceId: string, password2: string): string {
  return `${login}:${invoiceId}:${password2}`;
}

/** The signature of a base string, upper-case hex (Robokassa accepts either case). */
export function robokassaHash(base: string, hash: RobokassaHash): string {
  return createHash(hash).update(base, 'utf8').digest('hex').toUpperCase();
}

/** Whether a received SignatureValue is the expected one: any hex case, constant time. */
export function signatureMatches(received: string, expectedHex: string): boolean {
  const a = Buffer.from(received.toUpperCase(), 'utf8');
  const b = Buffer.from(expectedHex.toUpperCase(), 'utf8');
  return a.length === b.length && timingSafeEqual(a, b);
}
