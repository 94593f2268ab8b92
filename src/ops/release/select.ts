/**
 * Choosing among releases, purely from what is on disk and in the release log: their
 * order, the rollback target, what pruning removes, and whether a release is older than
 * the database schema.
 */
import { NotFoundError } from '../../errors.js';
import { cmd, type PlannedCommand } from '../plan.js';
import { releaseDir } from './layout.js';
import type { ReleaseRecord } from './log.js';

/**
 * Release ids oldest first: releases the log knows in the order they were first deployed;
 * unlogged ones (copied by hand, log lost) before them, by name (clock ids sort by time).
 */
export function orderReleases(ids: readonly string[], records: readonly ReleaseRecord[]): string[] {
  const firstSeen = new Map<string, number>();
  records.forEach((record, index) => {
    if (record.event === 'deploy' && !firstSeen.has(record.id)) firstSeen.set(record.id, index);
  });
  const unlogged = ids.filter((id) => !firstSeen.has(id)).sort();
  const logged = ids.filter((id) => firstSeen.has(id)).sort((a, b) => firstSeen.get(a)! - firstSeen.get(b)!);
  return [...unlogged, ...logged];
}

/** The rollback target: `wanted` if given (it must exist), else the newest healthy release before `current`. */
export function rollbackTarget(ordered: readonly string[], current: string | undefined, failed: ReadonlySet<string>, wanted?: string): string {
  if (wanted !== undefined) {
    if (!ordered.includes(wanted)) {
      throw new NotFoundError('release_not_found', `release ${wanted} does not exist; releases on this box: ${ordered.join(', ') || 'none'}.`);
    }
    return wanted;
  }
  const at = current === undefined ? ordered.length : ordered.indexOf(current);
  const candidates = ordered.slice(0, at < 0 ? ordered.length : at).filter((id) => !failed.has(id) && id !== current);
  const target = candidates[candidates.length - 1];
  if (!target) {
    throw new NotFoundError('no_previous_release', `there is no healthy release before ${current ?? 'the current one'} to roll back to; pass --to ID to pick one.`);
  }
  return target;
}

/** `rm -rf` for the oldest releases until `keep` remain, never one in `protect` (current, previous). */
export function planPrune(appDir: string, ordered: readonly string[], keep: number, protect: ReadonlySet<string>): PlannedCommand[] {
  const excess = ordered.length - keep;
  if (excess <= 0) return [];
  return ordered
    .filter((id) => !protect.has(id))
    .slice(0, excess)
    .map((id) => cmd(`prune release ${id} (keeping the newest ${keep})`, 'rm', '-rf', '--', releaseDir(appDir, id)));
}

/**
 * A warning when the database carries migrations the target release does not ship:
 * its code expects an older schema. Undefined when the release knows every applied step.
 */
export function schemaWarning(target: string, releaseMigrations: readonly string[], applied: readonly string[]): string | undefined {
  const known = new Set(releaseMigrations);
  const newer = applied.filter((name) => !known.has(name));
  if (newer.length === 0) return undefined;
  const expects = releaseMigrations[releaseMigrations.length - 1] ?? 'no migrations';
  return (
    `release ${target} expects an older schema (up to ${expects}) than the database, which also has ${newer.join(', ')}; ` +
    'its code may fail on the newer tables — if it does, revert those steps with `ttops migrate down` from the newer release first.'
  );
}

/** The newest migration a release ships (its schema level), or null. */
export function schemaLevel(releaseMigrations: readonly string[]): string | null {
  return releaseMigrations.length ? releaseMigrations[releaseMigrations.length - 1] : null;
}
