/**
 * Read-only probes of the box before a deploy: users and groups, the certificate, the
 * nginx files about to be replaced, releases, the release log, enabled workers. Nothing
 * here writes. With `root` (staging) every file is looked up under that directory.
 */
import { existsSync, lstatSync, readFileSync, readdirSync, readlinkSync } from 'node:fs';
import path from 'node:path';
import type { Config } from '../../config/load.js';
import { certCovers } from '../certbot.js';
import { NGINX_FILES } from '../render/nginx.js';
import { targetPath } from '../runner.js';
import { readWorkerUnits } from '../scale/units.js';
import { systemdUsable } from '../systemd-env.js';
import { currentLink, migrationNames, releaseLogPath, releasesDir } from '../release/layout.js';
import { parseReleaseLog } from '../release/log.js';
import { orderReleases } from '../release/select.js';
import { certFiles, type DeployPaths } from './paths.js';
import type { DeployFacts, DeployInput, UserEntry } from './input.js';

/** A user from /etc/passwd with its primary group's name from /etc/group; undefined when absent. */
export function lookupUser(name: string, files = { passwd: '/etc/passwd', group: '/etc/group' }): UserEntry | undefined {
  const line = readLines(files.passwd).find((l) => l.split(':')[0] === name);
  if (!line) return undefined;
  const [, , uid, gid] = line.split(':');
  const groupLine = readLines(files.group).find((l) => l.split(':')[2] === gid);
  return { name, uid: Number(uid), gid: Number(gid), group: groupLine?.split(':')[0] ?? gid };
}

/** Whether `user` is in `group`, as primary group or listed member. */
export function inGroup(user: UserEntry, group: string, groupFile = '/etc/group'): boolean {
  if (user.group === group) return true;
  const line = readLines(groupFile).find((l) => l.split(':')[0] === group);
  return Boolean(line?.split(':')[3]?.split(',').includes(user.name));
}

/** Absolute paths of every nginx file a stage may write (site, conf.d, snippets). */
export function nginxTargets(paths: Pick<DeployPaths, 'nginxDir'>): string[] {
  return Object.values(NGINX_FILES).map((rel) => `${paths.nginxDir}/${rel}`);
}

/** The enabled-site symlink. */
export function siteLink(paths: Pick<DeployPaths, 'nginxDir'>): string {
  return `${paths.nginxDir}/sites-enabled/ttops.conf`;
}

/** Everything the plans need to know about the box. */
export async function gatherFacts(input: DeployInput, config: Pick<Config, 'systemctl'>, options: { root?: string; now: Date; queryUnits: boolean }): Promise<DeployFacts> {
  const at = (p: string) => targetPath(p, options.root);
  const { paths } = input;
  const nginxUser = lookupUser(input.nginxUser);
  const nginxFiles = Object.fromEntries(nginxTargets(paths).map((file) => [file, readOrNull(at(file))]));
  const releaseLog = readOrNull(at(releaseLogPath(paths.appDir))) ?? '';
  const ids = listDirs(at(releasesDir(paths.appDir)));
  const cert = readOrNull(at(certFiles(paths, input.apiDomain).cert));
  const key = existsSync(at(certFiles(paths, input.apiDomain).key));
  let workersEnabled = false;
  if (options.queryUnits && systemdUsable(config)) {
    const units = await readWorkerUnits(config, `${paths.unitDir}/ttops-workers.target.wants`);
    workersEnabled = units.some((u) => u.enabled);
  }
  return {
    userExists: lookupUser(input.user) !== undefined,
    nginxUserReady: !nginxUser || inGroup(nginxUser, input.group),
    certificate: cert && key ? certCovers(cert, [input.apiDomain, input.mediaDomain], options.now) : { ok: false, reason: 'there is no certificate yet' },
    nginxFiles,
    siteEnabled: isPresent(at(siteLink(paths))),
    releases: orderReleases(ids, parseReleaseLog(releaseLog)),
    current: readCurrent(at(currentLink(paths.appDir))),
    releaseLog,
    workersEnabled,
    migrations: migrationNames(listFiles(path.join(input.source.dir, 'migrations', input.engine === 'postgres' ? 'pg' : 'sqlite'))),
  };
}

/** The release `current` points at, if it is a link into releases/. */
export function readCurrent(link: string): string | undefined {
  try {
    return path.basename(readlinkSync(link));
  } catch {
    return undefined;
  }
}

/** Names of the subdirectories of `dir` (none when it is missing). */
export function listDirs(dir: string): string[] {
  try {
    return readdirSync(dir, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name);
  } catch {
    return [];
  }
}

/** Names of the files in `dir` (none when it is missing). */
export function listFiles(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

/** A file's text, or null when it does not exist. */
export function readOrNull(file: string): string | null {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return null;
  }
}

function isPresent(file: string): boolean {
  try {
    lstatSync(file);
    return true;
  } catch {
    return false;
  }
}

function readLines(file: string): string[] {
  return (readOrNull(file) ?? '').split('\n').filter((l) => l && !l.startsWith('#'));
}
