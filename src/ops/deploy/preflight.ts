/**
 * Preflight: everything that would make a deploy fail halfway, checked before anything
 * changes. Each problem is one sentence saying what to do; all are reported at once.
 */
import { existsSync, statfsSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import type { Config } from '../../config/load.js';
import { weakness } from '../../config/secrets.js';
import { ConfigError, ConflictError, FailureError } from '../../errors.js';
import { openStore } from '../../store/open.js';
import { runCommand } from '../runner.js';
import { unitActiveState, systemdUsable } from '../systemd-env.js';
import { REQUIRED_ENTRIES } from '../release/layout.js';
import type { DeployInput } from './input.js';
import { API_UNIT } from './plan-units.js';

/** Oldest node the package supports (package.json engines). */
export const MIN_NODE = [20, 19] as const;
/** Free space a release needs: a copy of node_modules plus room for logs and the database. */
export const MIN_FREE_BYTES = 512 * 1024 * 1024;

/** One preflight finding: the sentence, and whether it is the configuration's fault (exit 4) or the box's (exit 1). */
export interface Problem {
  text: string;
  kind: 'config' | 'failure';
}

/** Problems that need no system access: node, secrets, env, the package to release. */
export function staticProblems(input: DeployInput, config: Config, nodeVersion = process.versions.node): string[] {
  return staticChecks(input, config, nodeVersion).map((p) => p.text);
}

/** staticProblems with each problem's kind (TTOPS_ENV and the secrets are configuration). */
export function staticChecks(input: DeployInput, config: Config, nodeVersion = process.versions.node): Problem[] {
  const found: Problem[] = [];
  const problems = { push: (text: string) => found.push({ text, kind: 'failure' }) };
  const configProblem = (text: string) => found.push({ text, kind: 'config' });
  const [major, minor] = nodeVersion.split('.').map(Number);
  if (major < MIN_NODE[0] || (major === MIN_NODE[0] && minor < MIN_NODE[1])) {
    problems.push(`node ${nodeVersion} is too old; ttops needs ${MIN_NODE.join('.')} or newer — install a current LTS from NodeSource or Debian backports.`);
  }
  if (/^\/(home|root)\//.test(input.nodeBin)) {
    problems.push(`node runs from ${input.nodeBin}, which the units cannot see (ProtectHome=yes) — install node system-wide (e.g. /usr/bin/node).`);
  }
  if (config.env !== 'prod') configProblem(`TTOPS_ENV is ${config.env} in ${config.envFile ?? 'the environment'}; deploy needs TTOPS_ENV=prod — run \`ttops init --prod\` or edit the file.`);
  for (const [name, value] of [['JWT_SECRET', config.jwtSecret], ['ADMIN_API_KEY', config.adminApiKey]] as const) {
    if (!value) configProblem(`${name} is not set in ${config.envFile ?? 'the env file'}; run \`ttops init --prod\` to generate it.`);
    else if (weakness(value)) configProblem(`${name} ${weakness(value)} — run \`ttops init --prod --force\` or \`openssl rand -hex 32\`.`);
  }
  const missing = REQUIRED_ENTRIES.filter((e) => !input.source.entries.includes(e));
  if (missing.length) problems.push(`the package at ${input.source.dir} lacks ${missing.join(', ')}; reinstall ttops (npm i -g ttops) or build it (npm run build).`);
  return found;
}

/** A deploy runs units, so it needs systemd: ConflictError (exit 6) naming the way out on a box without it. */
export function requireSystemdHost(config: Config): void {
  if (!systemdUsable(config)) {
    throw new ConflictError('systemd_unavailable', 'systemd is not running here — deploy needs a systemd host; try `ttops deploy --root DIR` to stage the files instead.');
  }
}

/** Problems that need the real box: root, systemd, tools, disk, store, ports. */
export async function systemProblems(input: DeployInput, config: Config, needsCertbot: boolean): Promise<string[]> {
  const problems: string[] = [];
  if (process.getuid?.() !== 0) problems.push('deploy changes /etc, /opt and /var and manages services — run it as root (sudo ttops deploy), or stage the files with --root DIR.');
  if (!(await runs([input.nginxBin, '-v']))) problems.push(`nginx is not installed (\`${input.nginxBin} -v\` failed) — apt install nginx.`);
  else if (!existsSync(input.paths.nginxConf)) problems.push(`${input.paths.nginxConf} does not exist; deploy adds its vhosts to the main nginx config — reinstall nginx.`);
  if (needsCertbot && !(await runs([input.certbotBin, '--version']))) problems.push('certbot is not installed and there is no certificate yet — apt install certbot, or pass --skip-tls for now.');
  const free = freeBytes(input.paths.appDir);
  if (free !== undefined && free < MIN_FREE_BYTES) {
    problems.push(`only ${Math.round(free / 1048576)} MB are free under ${input.paths.appDir}; a release needs ${MIN_FREE_BYTES / 1048576} MB — prune old releases (--keep) or free some disk.`);
  }
  const store = await storeProblem(config);
  if (store) problems.push(store);
  problems.push(...(await portProblems(input, config)));
  return problems;
}

/**
 * Throws when there are problems, or returns: ConfigError (exit 4) when any is the
 * configuration's, FailureError (exit 1) otherwise. One problem is one sentence; several
 * are listed.
 */
export function assertNoProblems(found: readonly (string | Problem)[]): void {
  if (found.length === 0) return;
  const problems = found.map((p) => (typeof p === 'string' ? { text: p, kind: 'failure' as const } : p));
  const texts = problems.map((p) => p.text);
  const message = texts.length === 1
    ? `${texts[0]} (preflight; nothing was changed)`
    : `preflight found ${texts.length} problems; nothing was changed:\n${texts.map((t) => `  - ${t}`).join('\n')}`;
  const options = { code: 'preflight_failed', context: { problems: texts } };
  if (problems.some((p) => p.kind === 'config')) throw new ConfigError(message, options);
  throw new FailureError('preflight_failed', message, options);
}

/** Free bytes on the filesystem of `dir` (its nearest existing ancestor). */
export function freeBytes(dir: string): number | undefined {
  let at = dir;
  while (!existsSync(at) && at !== path.dirname(at)) at = path.dirname(at);
  try {
    const stats = statfsSync(at);
    return stats.bavail * stats.bsize;
  } catch {
    return undefined;
  }
}

async function storeProblem(config: Config): Promise<string | undefined> {
  // SQLite: migrate creates the file as the service user in TTOPS_HOME; nothing to reach yet.
  if (!config.databaseUrl) return undefined;
  try {
    const store = await openStore(config);
    try {
      await store.ping();
    } finally {
      await store.close();
    }
    return undefined;
  } catch (error) {
    const host = safeHost(config.databaseUrl);
    return `the database at ${host} is not reachable (${(error as Error).message.split('\n')[0]}) — start PostgreSQL or fix DATABASE_URL.`;
  }
}

async function portProblems(input: DeployInput, config: Config): Promise<string[]> {
  const problems: string[] = [];
  if (await inUse(input.apiHost, input.apiPort)) {
    const state = systemdUsable(config) ? await unitActiveState(config, API_UNIT).catch(() => 'unknown') : 'unknown';
    if (state !== 'active' && state !== 'activating' && state !== 'reloading') {
      problems.push(`port ${input.apiPort} on ${input.apiHost} is taken by something other than ${API_UNIT} — stop it or set PORT in the env file.`);
    }
  }
  for (const port of [80, 443]) {
    if (!(await inUse('0.0.0.0', port))) continue;
    const nginx = systemdUsable(config) ? await unitActiveState(config, 'nginx.service').catch(() => 'unknown') : 'unknown';
    if (nginx !== 'active') problems.push(`port ${port} is taken but nginx is not running — stop whatever listens there (ss -ltnp 'sport = :${port}').`);
  }
  return problems;
}

/** Whether something listens on host:port (binding fails with EADDRINUSE). */
export function inUse(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', (error: NodeJS.ErrnoException) => resolve(error.code === 'EADDRINUSE'));
    server.listen({ host, port, exclusive: true }, () => server.close(() => resolve(false)));
  });
}

async function runs(argv: string[]): Promise<boolean> {
  return runCommand({ argv, why: 'preflight probe' }, { timeoutMs: 15_000 }).then(
    () => true,
    () => false,
  );
}

function safeHost(url: string): string {
  try {
    const u = new URL(url);
    return `${u.hostname}:${u.port || 5432}${u.pathname}`;
  } catch {
    return 'DATABASE_URL';
  }
}
