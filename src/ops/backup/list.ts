/**
 * Reading the backup folder: every backup with its time, engine, size and status. A backup
 * is `ok` only when its manifest parses and every file it lists is there with the listed
 * size (sha256 is `verify`'s job); a temp folder is `incomplete`. Only names ttops creates
 * are considered, so a shared folder's other contents are never shown or pruned.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { NotFoundError } from '../../errors.js';
import type { Engine } from '../../store/types.js';
import { FILES, idTime, isBackupId, tempId } from './layout.js';
import { manifestSize, parseManifest, type Manifest } from './manifest.js';
import { folderSize } from './files.js';

/** One backup folder as `list` reports it. */
export interface BackupEntry {
  /** Folder name: the backup id, or `.tmp-<id>` for one still being written. */
  id: string;
  path: string;
  status: 'ok' | 'corrupt' | 'incomplete';
  time: string;
  engine: Engine | null;
  size: number;
  /** Why it is not ok. */
  problem?: string;
  manifest?: Manifest;
}

/** Reads one backup folder. */
export function readBackup(dir: string, name: string): BackupEntry {
  const folder = path.join(dir, name);
  const temp = tempId(name);
  const fallbackTime = (idTime(temp ?? name) ?? statSync(folder).mtime).toISOString();
  const base = { id: name, path: folder, time: fallbackTime, engine: null, size: folderSize(folder) };
  if (temp) return { ...base, status: 'incomplete', problem: 'still being written, or the run that wrote it died' };
  const manifestFile = path.join(folder, FILES.manifest);
  if (!existsSync(manifestFile)) return { ...base, status: 'corrupt', problem: 'manifest.json is missing' };
  let text: string;
  try {
    text = readFileSync(manifestFile, 'utf8');
  } catch (error) {
    return { ...base, status: 'corrupt', problem: `manifest.json is unreadable (${(error as NodeJS.ErrnoException).code ?? 'error'})` };
  }
  const parsed = parseManifest(text);
  if (!parsed.ok) return { ...base, status: 'corrupt', problem: parsed.error };
  const manifest = parsed.manifest;
  const entry: BackupEntry = { ...base, time: manifest.created_at, engine: manifest.engine, size: manifestSize(manifest), manifest, status: 'ok' };
  for (const f of manifest.files) {
    const file = path.join(folder, f.name);
    if (!existsSync(file)) return { ...entry, status: 'corrupt', problem: `${f.name} is missing` };
    const size = statSync(file).size;
    if (size !== f.size) return { ...entry, status: 'corrupt', problem: `${f.name} is ${size} bytes but the manifest says ${f.size}` };
  }
  return entry;
}

/** All backups in `dir`, newest first (an absent folder has none). */
export function listBackups(dir: string): BackupEntry[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isDirectory() && (isBackupId(e.name) || tempId(e.name)))
    .map((e) => readBackup(dir, e.name))
    .sort((a, b) => b.time.localeCompare(a.time) || b.id.localeCompare(a.id));
}

/** The backup named `id` (or `latest`: the newest ok one); NotFoundError (exit 5) otherwise. */
export function findBackup(dir: string, id: string): BackupEntry {
  if (id === 'latest') {
    const newest = listBackups(dir).find((b) => b.status === 'ok');
    if (!newest) throw new NotFoundError('backup_not_found', `there is no good backup in ${dir} — run \`ttops backup create\``);
    return newest;
  }
  if (!isBackupId(id) && !tempId(id)) throw new NotFoundError('backup_not_found', `${JSON.stringify(id)} is not a backup id (they look like 20261122T130501Z-a1b2c3) — \`ttops backup list\` shows them`);
  if (!existsSync(path.join(dir, id))) throw new NotFoundError('backup_not_found', `there is no backup ${id} in ${dir} — \`ttops backup list --dir ${dir}\` shows what is there`);
  return readBackup(dir, id);
}
