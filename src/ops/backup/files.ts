/**
 * File helpers for backups: chunked sha256, manifest entries, private copies (0600) and
 * folder sizes. Hashing reads in chunks, so a multi-gigabyte dump never sits in memory.
 */
import { createHash } from 'node:crypto';
import { chmodSync, chownSync, copyFileSync, existsSync, readdirSync, statSync } from 'node:fs';
import { open } from 'node:fs/promises';
import path from 'node:path';
import { throwIfInterrupted } from '../interrupt.js';
import type { ManifestFile } from './manifest.js';

/** sha256 of a file, hex: read in 4 MiB chunks into one buffer (a stream pipeline costs ~3× the CPU). */
export async function sha256File(file: string): Promise<string> {
  const hash = createHash('sha256');
  const handle = await open(file, 'r');
  try {
    const buffer = Buffer.allocUnsafe(4 << 20);
    for (;;) {
      throwIfInterrupted(); // a multi-gigabyte file must not outlast Ctrl-C
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, null);
      if (bytesRead === 0) break;
      hash.update(buffer.subarray(0, bytesRead));
    }
  } finally {
    await handle.close();
  }
  return hash.digest('hex');
}

/** The manifest entry of a file inside a backup folder (size + sha256), made private (0600). */
export async function describeFile(dir: string, name: string, kind: ManifestFile['kind']): Promise<ManifestFile> {
  const file = path.join(dir, name);
  chmodSync(file, 0o600);
  return { name, kind, size: statSync(file).size, sha256: await sha256File(file) };
}

/** Copies a file keeping it private (0600): env files hold secrets. */
export function copyPrivate(from: string, to: string): void {
  copyFileSync(from, to);
  chmodSync(to, 0o600);
}

/** Total bytes of the regular files directly inside a folder (0 when it is gone). */
export function folderSize(dir: string): number {
  if (!existsSync(dir)) return 0;
  let total = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.isFile()) total += statSync(path.join(dir, entry.name)).size;
  }
  return total;
}

/** A size for people: `12.3 MB`. */
export function humanSize(bytes: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let n = bytes;
  let i = 0;
  while (n >= 1000 && i < units.length - 1) {
    n /= 1000;
    i++;
  }
  return `${i === 0 ? n : n.toFixed(1)} ${units[i]}`;
}

/**
 * When root writes into a folder another user owns (an operator's restore writing a safety
 * backup into the ttops user's backup dir, a restored database file), hand the new files to
 * that owner — otherwise the daemons and the backup timer, which run as that user, cannot
 * read, write or prune them. No-op unless running as root.
 */
export function adoptOwner(paths: string[], like: string): void {
  if (process.getuid?.() !== 0 || !existsSync(like)) return;
  const { uid, gid } = statSync(like);
  if (uid === 0 && gid === 0) return;
  for (const p of paths) chownSync(p, uid, gid);
}
