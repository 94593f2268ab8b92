/**
 * systemd units for `ttops deploy`, rendered from systemd-units/: the API, the worker
 * template and its target, and the backup service with its daily timer. All services
 * share one sandbox (systemd-units/sandbox.fragment) and differ in what they may write.
 */
import { fillTemplate, loadTemplate, type RenderedFile, type TemplateVars } from './template.js';
import { check, checkPort, definedOnly, trimSlash } from './validate.js';

/** Everything the unit files depend on; build one with systemdDefaults(). */
export interface SystemdInput {
  /** System user and group the services run as. */
  user: string;
  group: string;
  /** Absolute path of the node binary (outside /home and /root: ProtectHome=yes). */
  nodeBin: string;
  /** The `current` release symlink; ExecStart runs `<appDir>/bin/ttops.js`. */
  appDir: string;
  /** TTOPS_HOME: database, caches; writable. */
  home: string;
  /** MEDIA_DIR: `static/sounds`, `static/tts`; writable, served by nginx. */
  mediaDir: string;
  /** Secrets, loaded with EnvironmentFile=. */
  envFile: string;
  /** Where `ttops backup create|prune` keep backups; writable only for the backup unit. */
  backupDir: string;
  /** Address and port `ttops serve` listens on (must match the nginx upstream). */
  apiHost: string;
  apiPort: number;
  /** Where unit files are written. */
  unitDir: string;
  /** When the backup timer fires (OnCalendar=). */
  backupOnCalendar: string;
  /** Spread of the backup start (RandomizedDelaySec=). */
  backupRandomDelay: string;
  /** Upper bound for one backup run (TimeoutStartSec=). */
  backupTimeout: string;
}

/** Fills in the deployed layout, so callers only pass what they change. */
export function systemdDefaults(partial: Partial<SystemdInput> = {}): SystemdInput {
  const home = partial.home ?? '/var/lib/ttops';
  return {
    user: 'ttops',
    group: 'ttops',
    nodeBin: '/usr/bin/node',
    appDir: '/opt/ttops/current',
    home,
    mediaDir: `${trimSlash(home)}/media`,
    envFile: '/etc/ttops/ttops.env',
    backupDir: '/var/backups/ttops',
    apiHost: '127.0.0.1',
    apiPort: 8000,
    unitDir: '/etc/systemd/system',
    backupOnCalendar: 'daily',
    backupRandomDelay: '1h',
    backupTimeout: '2h',
    ...definedOnly(partial),
  };
}

/** Unit file names, in the order they are rendered (and should be enabled). */
export const SYSTEMD_UNITS = [
  'ttops-api.service',
  'ttops-worker@.service',
  'ttops-workers.target',
  'ttops-backup.service',
  'ttops-backup.timer',
] as const;

/** All ttops units as files under SystemdInput.unitDir. */
export function renderSystemdUnits(input: SystemdInput): RenderedFile[] {
  const vars = systemdVars(input);
  const unitDir = trimSlash(input.unitDir);
  return SYSTEMD_UNITS.map((name) => ({
    path: `${unitDir}/${name}`,
    mode: 0o644,
    content: fillTemplate(loadTemplate(`systemd-units/${name}`), vars),
  }));
}

/** ReadWritePaths= value: each directory once, dropping those already under another. */
export function writablePaths(dirs: readonly string[]): string {
  const unique = [...new Set(dirs.map(trimSlash))];
  const kept = unique.filter((dir) => !unique.some((other) => other !== dir && (other === '/' || dir.startsWith(`${other}/`))));
  return kept.join(' ');
}

function systemdVars(input: SystemdInput): TemplateVars {
  const what = 'systemd input';
  check(what, 'user', input.user, 'name');
  check(what, 'group', input.group, 'name');
  for (const key of ['nodeBin', 'appDir', 'home', 'mediaDir', 'envFile', 'backupDir', 'unitDir'] as const) {
    check(what, key, input[key], 'absPath');
  }
  check(what, 'apiHost', input.apiHost, 'host');
  checkPort(what, 'apiPort', input.apiPort);
  check(what, 'backupOnCalendar', input.backupOnCalendar, 'calendar');
  check(what, 'backupRandomDelay', input.backupRandomDelay, 'systemdTime');
  check(what, 'backupTimeout', input.backupTimeout, 'systemdTime');
  return {
    ...input,
    appDir: trimSlash(input.appDir),
    home: trimSlash(input.home),
    mediaDir: trimSlash(input.mediaDir),
    backupDir: trimSlash(input.backupDir),
    readWritePaths: writablePaths([input.home, input.mediaDir]),
    backupReadWritePaths: writablePaths([input.home, input.mediaDir, input.backupDir]),
    sandbox: loadTemplate('systemd-units/sandbox.fragment').trimEnd(),
  };
}
