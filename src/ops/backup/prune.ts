/**
 * `ttops backup prune`: list the folder, let the pure GFS selection decide, delete what it
 * says (nothing with `--dry-run`). Only folders named like backups are ever considered.
 */
import { rmSync } from 'node:fs';
import path from 'node:path';
import { listBackups } from './list.js';
import { planPrune, type PrunePlan, type RetentionPolicy } from './gfs.js';

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
  const backups = listBackups(options.dir).map((b) => ({ id: b.id, time: new Date(b.time), status: b.status }));
  const plan = planPrune(backups, options.policy, options.now ?? new Date());
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
