/**
 * The release layout (Capistrano/Deployer): `<appDir>/releases/<id>` holds one immutable
 * copy of the package, `<appDir>/current` points at the live one, `<appDir>/releases.jsonl`
 * remembers what happened. Plans here only compute paths and argv; the runner acts.
 */
import { cmd, makePlan, type Plan, type PlannedCommand } from '../plan.js';
import { InvalidInputError } from '../../errors.js';

/** What a release copies from the package, in this order. */
export const RELEASE_ENTRIES = ['package.json', 'bin', 'dist', 'migrations', 'templates', 'nginx-templates', 'systemd-units', 'node_modules'] as const;

/** Entries without which a release cannot run (node_modules may be installed instead). */
export const REQUIRED_ENTRIES = ['package.json', 'bin', 'dist', 'migrations', 'templates', 'nginx-templates', 'systemd-units'] as const;

const RELEASE_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/** Throws a usage error unless `id` is a safe directory name. */
export function checkReleaseId(id: string): string {
  if (!RELEASE_ID.test(id)) {
    throw new InvalidInputError('invalid_release_id', `release id ${JSON.stringify(id)} must be 1–64 letters, digits, dots, dashes or underscores, starting with a letter or digit.`);
  }
  return id;
}

/** A release id from the clock: `YYYYMMDDHHMMSS` in UTC, so ids sort by time. */
export function releaseIdFor(now: Date): string {
  return now.toISOString().replace(/[-:T]/g, '').slice(0, 14);
}

/** The directory of every release. */
export function releasesDir(appDir: string): string {
  return `${appDir}/releases`;
}

/** One release's directory. */
export function releaseDir(appDir: string, id: string): string {
  return `${releasesDir(appDir)}/${id}`;
}

/** The symlink the units run from. */
export function currentLink(appDir: string): string {
  return `${appDir}/current`;
}

/** The JSON-lines release log. */
export function releaseLogPath(appDir: string): string {
  return `${appDir}/releases.jsonl`;
}

/** The deploy lock file (one deploy or rollback at a time). */
export function lockPath(appDir: string): string {
  return `${appDir}/deploy.lock`;
}

/**
 * Points `current` at a release atomically: a new symlink under a temp name, then
 * `mv -T` renames it over `current` (rename(2) replaces the old link in one step, so
 * nothing ever sees `current` missing). The target is relative, so the tree can move.
 */
export function planSwitchCurrent(appDir: string, id: string, why = `point current at release ${id}`): PlannedCommand[] {
  const temp = `${appDir}/.current-${id}`;
  return [
    cmd(`${why} (new link under a temp name)`, 'ln', '-sfn', `releases/${id}`, temp),
    cmd(`${why} (atomic rename over current)`, 'mv', '-T', temp, currentLink(appDir)),
  ];
}

/** Where a release comes from: the package directory and which entries it has. */
export interface ReleaseSource {
  dir: string;
  entries: readonly string[];
}

/**
 * Copies the package into a new release. node_modules is copied rather than installed:
 * the copy is exactly what passed preflight, needs no network, and keeps native modules
 * (better-sqlite3) built for this node; only a package without its own node_modules
 * (hoisted into a parent project) gets `npm install --omit=dev` instead.
 */
export function planCopyRelease(appDir: string, id: string, source: ReleaseSource): Plan {
  const target = releaseDir(appDir, id);
  const commands: PlannedCommand[] = [cmd(`create release ${id}`, 'install', '-d', '-m', '0755', target)];
  for (const entry of RELEASE_ENTRIES) {
    if (!source.entries.includes(entry)) continue;
    // dist/ holds the compiled tests too; the release needs dist/src only.
    const from = entry === 'dist' ? `${source.dir}/dist/src` : `${source.dir}/${entry}`;
    const to = entry === 'dist' ? `${target}/dist/` : `${target}/`;
    if (entry === 'dist') commands.push(cmd('create dist/ in the release', 'install', '-d', '-m', '0755', `${target}/dist`));
    commands.push(cmd(`copy ${entry === 'dist' ? 'dist/src' : entry} into release ${id}`, 'cp', '-a', from, to));
  }
  if (!source.entries.includes('node_modules')) {
    commands.push(cmd('install runtime dependencies (the package has no node_modules of its own)', 'npm', 'install', '--omit=dev', '--no-audit', '--no-fund', '--prefix', target));
  }
  return makePlan(`release ${id}`, { commands });
}

/** Names of the release's migration steps for an engine, from its `migrations/` listing. */
export function migrationNames(files: readonly string[]): string[] {
  return files.filter((f) => /^\d{4}_[\w-]+\.sql$/.test(f)).map((f) => f.slice(0, -4)).sort();
}
