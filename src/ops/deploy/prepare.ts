/**
 * Turning flags, the env file and the box into a DeployInput and DeployFacts. This is the
 * only place deploy decides defaults: paths (under --prefix), the env file, the package to
 * release, the service user, the release id.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { OutputOptions, Io } from '../../io.js';
import { loadConfig, type Config } from '../../config/load.js';
import { ConfigError, ConflictError } from '../../errors.js';
import { packageRoot } from '../../paths.js';
import { checkReleaseId, RELEASE_ENTRIES, releaseIdFor, type ReleaseSource } from '../release/layout.js';
import { gatherFacts, lookupUser } from './facts.js';
import { domainsFrom, loopbackFor, type DeployFacts, type DeployInput } from './input.js';
import { deployPaths, type DeployPaths } from './paths.js';

/** Flags of `ttops deploy` (see src/cli/register/deploy.ts for their meaning). */
export interface DeployOptions {
  root?: string;
  dryRun?: boolean;
  releaseId?: string;
  keep?: number;
  acmeServer?: string;
  staging?: boolean;
  email?: string;
  skipTls?: boolean;
  appDir?: string;
  prefix?: string;
  from?: string;
  user?: string;
  nginxUser?: string;
  healthRetries?: number;
  healthIntervalMs?: number;
  /** The clock (tests pin it). */
  now?: Date;
}

/** Where ttops is deployed: the paths and the configuration the units will read. */
export interface DeployTarget {
  config: Config;
  paths: DeployPaths;
}

/** Loads the deployed env file (default `<prefix>/etc/ttops/ttops.env`) and derives every path. */
export function loadDeployTarget(io: Io, globals: OutputOptions, options: Pick<DeployOptions, 'prefix' | 'appDir'>): DeployTarget {
  const base = deployPaths({ prefix: options.prefix, cwd: io.cwd, overrides: { appDir: options.appDir } });
  const chosen = globals.envFile ?? io.env.TTOPS_ENV_FILE;
  const envFile = chosen ? path.resolve(io.cwd, chosen) : base.envFile;
  if (!existsSync(envFile)) {
    throw new ConfigError(`${envFile} does not exist; create it with \`ttops init --prod\` (or pass --env-file) before deploying.`, { code: 'env_file_missing' });
  }
  const config = loadConfig({ env: io.env, cwd: io.cwd, envFile, isTty: io.isTty });
  const explicit = (name: string, value: string) => (config.values[name] === undefined ? undefined : value);
  const paths = deployPaths({
    prefix: options.prefix,
    cwd: io.cwd,
    overrides: {
      appDir: options.appDir,
      envFile,
      home: explicit('TTOPS_HOME', config.home),
      mediaDir: explicit('MEDIA_DIR', config.mediaDir),
      backupDir: explicit('BACKUP_DIR', config.backupDir),
    },
  });
  return { config, paths };
}

/** The package a release copies: this installed ttops unless --from names another build. */
export function releaseSource(dir: string): ReleaseSource & { version: string } {
  const entries = RELEASE_ENTRIES.filter((entry) => existsSync(path.join(dir, entry === 'dist' ? 'dist/src' : entry)));
  let version = '0.0.0';
  try {
    version = (JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as { version?: string }).version ?? version;
  } catch {
    // Reported by preflight as a missing package.json.
  }
  return { dir, entries, version };
}

/** Everything a deploy needs to plan, read once. */
export async function prepareDeploy(io: Io, globals: OutputOptions, options: DeployOptions): Promise<DeployTarget & { input: DeployInput; facts: DeployFacts }> {
  const now = options.now ?? new Date();
  const { config, paths } = loadDeployTarget(io, globals, options);
  const { apiDomain, mediaDomain } = domainsFrom(config);
  const source = releaseSource(options.from ? path.resolve(io.cwd, options.from) : packageRoot().replace(/\/+$/, ''));
  const user = options.user ?? 'ttops';
  const input: DeployInput = {
    paths,
    releaseId: checkReleaseId(options.releaseId ?? releaseIdFor(now)),
    version: source.version,
    source: { dir: source.dir, entries: source.entries },
    user,
    group: lookupUser(user)?.group ?? user,
    nginxUser: options.nginxUser ?? 'www-data',
    nodeBin: process.execPath,
    nginxBin: 'nginx',
    certbotBin: 'certbot',
    systemctl: config.systemctl.bin,
    apiDomain,
    mediaDomain,
    apiHost: loopbackFor(config.host),
    apiPort: config.port,
    engine: config.databaseUrl ? 'postgres' : 'sqlite',
    tls: { skip: Boolean(options.skipTls), email: options.email, acmeServer: options.acmeServer, staging: Boolean(options.staging) },
    keep: options.keep ?? 5,
    time: now.toISOString(),
  };
  const facts = await gatherFacts(input, config, { root: options.root, now, queryUnits: !options.root });
  if (facts.releases.includes(input.releaseId)) {
    throw new ConflictError('release_exists', `release ${input.releaseId} already exists in ${paths.appDir}/releases; pass another --release-id.`);
  }
  return { config, paths, input, facts };
}
