/**
 * What a deploy is made of: `DeployInput` (decided before anything runs: paths, names,
 * ports, release id, TLS options) and `DeployFacts` (what the box looks like now). Plans
 * are pure functions of the two, which is how tests pin the exact deploy plan.
 */
import type { Config } from '../../config/load.js';
import { ConfigError } from '../../errors.js';
import type { Engine } from '../../store/types.js';
import { check } from '../render/validate.js';
import type { ReleaseSource } from '../release/layout.js';
import type { DeployPaths } from './paths.js';

/** Decided inputs of a deploy. */
export interface DeployInput {
  paths: DeployPaths;
  releaseId: string;
  /** Package version of the release. */
  version: string;
  source: ReleaseSource;
  /** Service user and group (created when missing). */
  user: string;
  group: string;
  /** The user nginx workers run as; joins `group` to read media. */
  nginxUser: string;
  nodeBin: string;
  nginxBin: string;
  certbotBin: string;
  systemctl: string;
  apiDomain: string;
  mediaDomain: string;
  /** Where `ttops serve` listens (the nginx upstream and the health gate). */
  apiHost: string;
  apiPort: number;
  engine: Engine;
  tls: { skip: boolean; email?: string; acmeServer?: string; staging: boolean };
  /** Releases kept after a successful deploy. */
  keep: number;
  /** ISO time of this deploy (release log). */
  time: string;
}

/** The box as found before the deploy (read-only probes). */
export interface DeployFacts {
  /** The service user exists already. */
  userExists: boolean;
  /** false when the nginx user must join the service group; true when it is in it or does not exist. */
  nginxUserReady: boolean;
  /** Whether a usable certificate for both names is in place, and why (not). */
  certificate: { ok: boolean; reason: string };
  /** Current content of each nginx file a stage may write; null when absent. */
  nginxFiles: Record<string, string | null>;
  /** `sites-enabled/ttops.conf` exists. */
  siteEnabled: boolean;
  /** Release ids on disk, oldest first. */
  releases: string[];
  /** What `current` points at. */
  current?: string;
  /** The release log's text. */
  releaseLog: string;
  /** Some `ttops-worker@N` is enabled (otherwise the first deploy enables @1). */
  workersEnabled: boolean;
  /** Migration names the new release ships for the engine. */
  migrations: string[];
}

/** The public names from SERVER_HOST and MEDIA_BASE_URL, checked; ConfigError naming the variable otherwise. */
export function domainsFrom(config: Pick<Config, 'serverHost' | 'mediaBaseUrl' | 'values' | 'envFile'>): { apiDomain: string; mediaDomain: string } {
  const where = config.envFile ?? 'the environment';
  const host = (name: 'SERVER_HOST' | 'MEDIA_BASE_URL', value: string): string => {
    if (config.values[name] === undefined) {
      throw new ConfigError(`${name} is not set in ${where}; deploy needs the public https URL (run \`ttops init --prod\`).`, { context: { variable: name } });
    }
    const url = new URL(value);
    if (url.protocol !== 'https:') throw new ConfigError(`${name}=${value} must start with https:// — nginx serves it with TLS after deploy.`, { context: { variable: name } });
    check(name, 'host', url.hostname, 'domain');
    if (!url.hostname.includes('.') || /^[\d.]+$/.test(url.hostname)) {
      throw new ConfigError(`${name}=${value} must name a DNS domain (like api.example.com) that certbot can certify.`, { context: { variable: name } });
    }
    return url.hostname.toLowerCase();
  };
  const apiDomain = host('SERVER_HOST', config.serverHost);
  const mediaDomain = host('MEDIA_BASE_URL', config.mediaBaseUrl);
  if (apiDomain === mediaDomain) {
    throw new ConfigError(`MEDIA_BASE_URL uses the same name as SERVER_HOST (${apiDomain}); give media its own name such as media.${apiDomain.replace(/^api\./, '')}.`, { context: { variable: 'MEDIA_BASE_URL' } });
  }
  return { apiDomain, mediaDomain };
}

/** The address the upstream and the gate use: a wildcard listen address means loopback. */
export function loopbackFor(host: string): string {
  if (host === '0.0.0.0' || host === '') return '127.0.0.1';
  if (host === '::' || host === '[::]') return '::1';
  return host;
}

/** Where the service user and group names come from when the user already exists. */
export interface UserEntry {
  name: string;
  uid: number;
  gid: number;
  /** Primary group name. */
  group: string;
}
