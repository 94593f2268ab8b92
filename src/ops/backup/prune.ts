/**
 * `ttops backup prune`: list the folder, let the pure GFS selection decide, delete what it
 * says (nothing with `--dry-run`). Only folders named like backups are ever considered.
 * An unfinished `.tmp-*` folder goes as soon as the run that wrote it is gone (its pid is
 * recorded inside), so a crashed backup's leftovers do not wait a day.
 */
import { readFileSync, rmSync } from 'node:fs';
import { hostname } from 'node:os';
import path from 'node:path';
import { listBackups, type BackupEntry } from './list.js';
import { planPrune, type PruneCandidate, type PrunePlan, type RetentionPolicy } from './gfs.js';
import { idTime, staleTemp, TEMP_WRITER, tempId } from './layout.js';

/** What `prune` prints (`--json`). */
export interface PruneResult extends PrunePlan {
  dir: string;
  dry_run: boolean;
  policy: RetentionPolicy;
  /** Folders that could not be deleted (permissions): the command exits 1 naming the first. */
  failed: { id: string; message: string }[];
}

/** Applies the retention policy to `dir`. */
export function pruneBackups(options: { dir: string; policy: RetentionPolicy; dryRun?: boolean; now?: Date }): PruneResult {
  const now = options.now ?? new Date();
  const backups = listBackups(options.dir).map((b) => candidate(b, now));
  const plan = planPrune(backups, options.policy, now);
  const failed: PruneResult['failed'] = [];
  if (!options.dryRun) {
    for (const d of plan.delete) {
      try {
        rmSync(path.join(options.dir, d.id), { recursive: true, force: true });
      } catch (error) {
        failed.push({ id: d.id, message: (error as Error).message });
      }
    }
  }
  return { dir: options.dir, dry_run: Boolean(options.dryRun), policy: options.policy, ...plan, failed };
}

/** One listed folder as the retention plan sees it, with a temp folder's staleness read from its writer file. */
function candidate(b: BackupEntry, now: Date): PruneCandidate {
  const base = { id: b.id, time: new Date(b.time), status: b.status };
  const id = tempId(b.id);
  if (!id) return base;
  let writer: string | undefined;
  try {
    writer = readFileSync(path.join(b.path, TEMP_WRITER), 'utf8');
  } catch {
    writer = undefined;
  }
  return { ...base, stale: staleTemp({ writer, started: idTime(id) ?? base.time, now, host: hostname(), alive }) };
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
