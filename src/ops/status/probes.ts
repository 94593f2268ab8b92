/**
 * The file-system parts of `ttops status`: the newest backup, the TLS certificate's expiry
 * and free disk. Each returns data or throws an Error whose message is the "unknown: why"
 * the status screen shows.
 */
import { X509Certificate } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statfsSync } from 'node:fs';
import path from 'node:path';

/** The newest backup folder. */
export interface BackupInfo {
  id: string;
  path: string;
  created_at: string;
  age_s: number;
}

/** A certificate's expiry; `level` follows certbot's renewal window (warn < 20 days, fail < 7). */
export interface CertificateInfo {
  file: string;
  subject: string;
  valid_to: string;
  days_left: number;
  level: 'ok' | 'warn' | 'fail';
}

/** Free space of the file system holding `path`. */
export interface DiskInfo {
  path: string;
  free_bytes: number;
  total_bytes: number;
  free_percent: number;
}

/** Days left below which the certificate is a warning / a failure. */
export const CERT_WARN_DAYS = 20;
export const CERT_FAIL_DAYS = 7;

/** The newest folder in `dir` with a readable manifest.json (by its `created_at`); null when none. */
export function lastBackup(dir: string, now: Date): BackupInfo | null {
  if (!existsSync(dir)) return null;
  let newest: BackupInfo | null = null;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (!entry.isDirectory()) continue;
    const folder = path.join(dir, entry.name);
    let createdAt: unknown;
    try {
      createdAt = (JSON.parse(readFileSync(path.join(folder, 'manifest.json'), 'utf8')) as { created_at?: unknown }).created_at;
    } catch {
      continue; // no manifest (a backup in progress or a stray folder)
    }
    const at = typeof createdAt === 'string' ? Date.parse(createdAt) : NaN;
    if (Number.isNaN(at)) continue;
    if (!newest || at > Date.parse(newest.created_at)) {
      newest = { id: entry.name, path: folder, created_at: new Date(at).toISOString(), age_s: Math.max(0, Math.round((now.getTime() - at) / 1000)) };
    }
  }
  return newest;
}

/** Where certbot keeps the certificate for the API's host name. */
export function defaultCertFile(serverHost: string): string {
  return `/etc/letsencrypt/live/${new URL(serverHost).hostname}/fullchain.pem`;
}

/** Reads the first certificate in a PEM file and says how many days it has left. */
export function certificateInfo(file: string, now: Date): CertificateInfo {
  let pem: Buffer;
  try {
    pem = readFileSync(file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new Error(`no certificate at ${file} (pass --cert FILE to check another)`);
    if (code === 'EACCES') throw new Error(`cannot read ${file} (permission denied) — run as root or pass --cert FILE`);
    throw new Error(`cannot read ${file} (${code ?? (error as Error).message})`);
  }
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(pem);
  } catch {
    throw new Error(`${file} is not a PEM certificate`);
  }
  const validTo = Date.parse(cert.validTo);
  if (Number.isNaN(validTo)) throw new Error(`cannot read the expiry date of ${file} (${cert.validTo})`);
  const daysLeft = Math.floor((validTo - now.getTime()) / 86_400_000);
  const level = daysLeft < CERT_FAIL_DAYS ? 'fail' : daysLeft < CERT_WARN_DAYS ? 'warn' : 'ok';
  return { file, subject: cert.subject.replace(/\n/g, ', '), valid_to: new Date(validTo).toISOString(), days_left: daysLeft, level };
}

/** Free space where `target` lives (measured on its nearest existing parent when it does not exist yet). */
export function diskInfo(target: string): DiskInfo {
  let at = path.resolve(target);
  while (!existsSync(at) && path.dirname(at) !== at) at = path.dirname(at);
  const s = statfsSync(at);
  const free = Number(s.bavail) * Number(s.bsize);
  const total = Number(s.blocks) * Number(s.bsize);
  return { path: target, free_bytes: free, total_bytes: total, free_percent: total > 0 ? Math.round((free / total) * 1000) / 10 : 0 };
}
