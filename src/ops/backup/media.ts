/**
 * The media archive: MEDIA_DIR as one tar.gz made by GNU tar (on every Debian box), planned
 * as argv arrays. A missing media dir archives as an empty tarball. Restore replaces the
 * directory's contents (not the directory itself, which may be a mount or carry ACLs nginx
 * relies on).
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync } from 'node:fs';
import path from 'node:path';
import { FailureError } from '../../errors.js';
import type { PlannedCommand } from '../plan.js';
import { removeOnInterrupt } from '../interrupt.js';
import { runCommand } from '../runner.js';

/** tar of the media dir (listing members on stdout so the file count costs nothing extra). */
export function planMediaArchive(mediaDir: string, file: string, backupDir: string, present: boolean): PlannedCommand {
  if (!present) return { argv: ['tar', '--create', '--gzip', `--file=${file}`, '--files-from=/dev/null'], why: 'archive the (missing, so empty) media dir' };
  const argv = ['tar', '--create', '--gzip', '--verbose', `--file=${file}`, `--directory=${mediaDir}`];
  const inside = path.relative(mediaDir, backupDir);
  if (inside && !inside.startsWith('..') && !path.isAbsolute(inside)) argv.push(`--exclude=./${inside}`);
  argv.push('.');
  return { argv, why: 'archive the media dir' };
}

/** Lists an archive's members (verify --restore counts them). */
export function planMediaList(file: string): PlannedCommand {
  return { argv: ['tar', '--list', '--gzip', `--file=${file}`], why: 'read the media archive' };
}

/** Extracts an archive into a folder. */
export function planMediaExtract(file: string, dir: string): PlannedCommand {
  return { argv: ['tar', '--extract', '--gzip', `--file=${file}`, `--directory=${dir}`], why: 'unpack the media archive' };
}

/** Regular files (not directories) in a tar member listing. */
export function countMembers(listing: string): number {
  return listing.split('\n').filter((l) => l.trim() !== '' && !l.endsWith('/')).length;
}

/** Writes the media archive; returns whether the dir existed and how many files went in. */
export async function archiveMedia(mediaDir: string, file: string, backupDir: string): Promise<{ present: boolean; files: number }> {
  const present = existsSync(mediaDir);
  const { stdout } = await runCommand(planMediaArchive(mediaDir, file, backupDir, present));
  return { present, files: present ? countMembers(stdout) : 0 };
}

/** How many files an archive holds; throws when it cannot be read. */
export async function countArchive(file: string): Promise<number> {
  return countMembers((await runCommand(planMediaList(file))).stdout);
}

/**
 * Replaces the media dir's contents with the archive's: unpack beside it, move the old
 * entries aside, move the new ones in, delete the old. Returns the number of files restored.
 */
export async function restoreMedia(file: string, mediaDir: string): Promise<number> {
  const parent = path.dirname(mediaDir);
  const tag = `${path.basename(mediaDir)}.ttops-${randomBytes(4).toString('hex')}`;
  const incoming = path.join(parent, `.${tag}.new`);
  const old = path.join(parent, `.${tag}.old`);
  mkdirSync(incoming, { recursive: true, mode: 0o750 });
  const forget = removeOnInterrupt(incoming);
  try {
    await runCommand(planMediaExtract(file, incoming));
    mkdirSync(mediaDir, { recursive: true });
    mkdirSync(old);
    try {
      for (const entry of readdirSync(mediaDir)) renameSync(path.join(mediaDir, entry), path.join(old, entry));
      for (const entry of readdirSync(incoming)) renameSync(path.join(incoming, entry), path.join(mediaDir, entry));
    } catch (cause) {
      throw new FailureError('media_restore_failed', `replacing the contents of ${mediaDir} failed (${(cause as Error).message}); the previous files are kept in ${old}`, { cause });
    }
    rmSync(old, { recursive: true, force: true });
    return countFiles(mediaDir);
  } finally {
    rmSync(incoming, { recursive: true, force: true });
    forget();
  }
}

function countFiles(dir: string): number {
  return readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => !e.isDirectory()).length;
}
