/**
 * Every system path `ttops deploy` and `ttops rollback` touch, in one object. Nothing in the
 * deploy code hard-codes `/etc`, `/opt` or `/var`: the defaults live here, and `prefix`
 * moves all of them under one directory so a rehearsal runs the real commands in a temp dir.
 */
import path from 'node:path';
import { definedOnly, trimSlash } from '../render/validate.js';

/** Where a deployed ttops lives on the box. */
export interface DeployPaths {
  /** Releases, the `current` symlink, the release log and the deploy lock. */
  appDir: string;
  /** Secrets and settings, read by the units with EnvironmentFile=. */
  envFile: string;
  /** TTOPS_HOME of the services. */
  home: string;
  /** MEDIA_DIR, served by nginx. */
  mediaDir: string;
  /** Where `ttops backup` keeps its folders. */
  backupDir: string;
  /** nginx config root (sites-available/, sites-enabled/, conf.d/, snippets/). */
  nginxDir: string;
  /** The main nginx.conf that `nginx -t -c` checks. */
  nginxConf: string;
  /** nginx access logs of the vhosts. */
  nginxLogDir: string;
  /** certbot `--webroot -w` directory. */
  acmeWebroot: string;
  /** certbot `--config-dir` (holds live/<name>/fullchain.pem). */
  letsencryptDir: string;
  /** The certbot deploy hook script (reload nginx after a new certificate). */
  certbotHook: string;
  /** Where unit files go. */
  unitDir: string;
}

/** The deployed layout (Debian conventions). */
export const DEFAULT_PATHS: DeployPaths = {
  appDir: '/opt/ttops',
  envFile: '/etc/ttops/ttops.env',
  home: '/var/lib/ttops',
  mediaDir: '/var/lib/ttops/media',
  backupDir: '/var/backups/ttops',
  nginxDir: '/etc/nginx',
  nginxConf: '/etc/nginx/nginx.conf',
  nginxLogDir: '/var/log/nginx',
  acmeWebroot: '/var/www/ttops-acme',
  letsencryptDir: '/etc/letsencrypt',
  certbotHook: '/etc/ttops/certbot-deploy-hook',
  unitDir: '/etc/systemd/system',
};

/**
 * The paths for this run: defaults (under `prefix` when given), then explicit overrides.
 * A relative override is resolved against `cwd`; media follows an overridden home.
 */
export function deployPaths(options: { prefix?: string; cwd?: string; overrides?: Partial<DeployPaths> } = {}): DeployPaths {
  const cwd = options.cwd ?? process.cwd();
  const prefix = options.prefix ? trimSlash(path.resolve(cwd, options.prefix)) : '';
  const base = Object.fromEntries(Object.entries(DEFAULT_PATHS).map(([key, value]) => [key, `${prefix}${value}`])) as unknown as DeployPaths;
  const overrides = Object.fromEntries(
    Object.entries(definedOnly(options.overrides ?? {})).map(([key, value]) => [key, trimSlash(path.resolve(cwd, String(value)))]),
  ) as Partial<DeployPaths>;
  const merged = { ...base, ...overrides };
  if (overrides.home && !overrides.mediaDir) merged.mediaDir = `${overrides.home}/media`;
  return merged;
}

/** The certificate files certbot keeps for a lineage. */
export function certFiles(paths: Pick<DeployPaths, 'letsencryptDir'>, certName: string): { cert: string; key: string } {
  const live = `${paths.letsencryptDir}/live/${certName}`;
  return { cert: `${live}/fullchain.pem`, key: `${live}/privkey.pem` };
}
