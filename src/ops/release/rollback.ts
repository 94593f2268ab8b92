/**
 * `ttops rollback`: point `current` at the previous healthy release (or `--to ID`), restart,
 * run the health gate, record it. Instant, because releases are complete copies; it warns
 * when the target ships fewer migrations than the database has applied.
 */
import path from 'node:path';
import type { OutputOptions, Io } from '../../io.js';
import { ConflictError, FailureError } from '../../errors.js';
import { listDirs, listFiles, lookupUser, readCurrent, readOrNull } from '../deploy/facts.js';
import { describeGateFailure, GATE_DEFAULTS, runGate, unitJournal } from '../deploy/gate.js';
import { loopbackFor, type DeployInput } from '../deploy/input.js';
import { API_UNIT, planRestart, releaseTtopsArgv } from '../deploy/plan-units.js';
import { loadDeployTarget } from '../deploy/prepare.js';
import { takeLock } from '../deploy/run.js';
import { makePlan } from '../plan.js';
import { runCommand, runPlan } from '../runner.js';
import { currentLink, migrationNames, planSwitchCurrent, releaseDir, releaseLogPath, releasesDir } from './layout.js';
import { failedReleases, parseReleaseLog, planReleaseRecord } from './log.js';
import { orderReleases, rollbackTarget, schemaLevel, schemaWarning } from './select.js';

/** Flags of `ttops rollback`. */
export interface RollbackOptions {
  to?: string;
  appDir?: string;
  prefix?: string;
  healthRetries?: number;
  healthIntervalMs?: number;
}

/** What a rollback reports. */
export interface RollbackResult {
  release: string;
  previous: string | null;
  health: 'pass' | 'warn' | 'fail';
  warnings: string[];
}

/** Switches, restarts, gates and records; throws FailureError (exit 1) when the target is unhealthy. */
export async function runRollback(io: Io, globals: OutputOptions, options: RollbackOptions): Promise<RollbackResult> {
  const { config, paths } = loadDeployTarget(io, globals, options);
  const records = parseReleaseLog(readOrNull(releaseLogPath(paths.appDir)) ?? '');
  const ordered = orderReleases(listDirs(releasesDir(paths.appDir)), records);
  const current = readCurrent(currentLink(paths.appDir));
  const target = rollbackTarget(ordered, current, failedReleases(records), options.to);
  if (target === current) throw new ConflictError('already_current', `release ${target} is already current; pass --to ID to pick another one.`);

  const engine = config.databaseUrl ? 'pg' : 'sqlite';
  const targetMigrations = migrationNames(listFiles(path.join(releaseDir(paths.appDir, target), 'migrations', engine)));
  const user = unitUser(paths.unitDir) ?? 'ttops';
  const input = { paths, user, nodeBin: process.execPath, systemctl: config.systemctl.bin, apiHost: loopbackFor(config.host), apiPort: config.port };
  const warnings: string[] = [];
  const applied = current ? await appliedMigrations(input, current) : undefined;
  const warning = applied ? schemaWarning(target, targetMigrations, applied) : undefined;
  if (warning) warnings.push(warning);
  for (const w of warnings) io.stderr.write(`warning: ${w}\n`);

  const unlock = takeLock(input);
  try {
    await runPlan(makePlan(`rollback to ${target}`, { commands: [...planSwitchCurrent(paths.appDir, target), ...planRestart(input, { workersEnabled: true }, `run release ${target}`).commands] }), { io });
    const health = await runGate(input, { retries: options.healthRetries ?? GATE_DEFAULTS.retries, intervalMs: options.healthIntervalMs ?? GATE_DEFAULTS.intervalMs, timeoutMs: GATE_DEFAULTS.timeoutMs });
    const status: RollbackResult['health'] = health.outcome === 'healthy' ? (health.status === 'warn' ? 'warn' : 'pass') : 'fail';
    const version = versionOf(releaseDir(paths.appDir, target));
    const record = { id: target, version, time: new Date().toISOString(), event: 'rollback' as const, migration: schemaLevel(applied ?? targetMigrations), health: status, previous: current ?? null, ...(warning ? { note: warning } : {}) };
    await runPlan(makePlan('release log', { files: [planReleaseRecord(paths.appDir, readOrNull(releaseLogPath(paths.appDir)) ?? '', record)] }), { io });
    if (status === 'fail') {
      io.stderr.write(`${describeGateFailure(health, await unitJournal(API_UNIT))}\n`);
      throw new FailureError('health_gate_failed', `release ${target} is current now but failed its health gate (${health.error ?? health.status}); \`ttops rollback --to ID\` picks another release.`);
    }
    return { release: target, previous: current ?? null, health: status, warnings };
  } finally {
    unlock();
  }
}

/** Applied migrations as the current release sees them (`migrate status --json`, run as the service user). */
async function appliedMigrations(input: Pick<DeployInput, 'paths' | 'user' | 'nodeBin'>, current: string): Promise<string[] | undefined> {
  try {
    const argv = releaseTtopsArgv(input, current, '--json', 'migrate', 'status');
    const { stdout } = await runCommand({ argv, why: 'read which migrations the database has applied' });
    const status = JSON.parse(stdout) as { migrations: { name: string; applied: boolean }[] };
    return status.migrations.filter((m) => m.applied).map((m) => m.name);
  } catch {
    return undefined;
  }
}

/** `User=` of the installed API unit: whom the services (and so migrate) run as. */
export function unitUser(unitDir: string): string | undefined {
  const text = readOrNull(`${unitDir}/${API_UNIT}`) ?? '';
  const name = /^User=([a-z_][a-z0-9_-]*)$/m.exec(text)?.[1];
  return name && lookupUser(name) ? name : undefined;
}

function versionOf(dir: string): string {
  try {
    return (JSON.parse(readOrNull(`${dir}/package.json`) ?? '{}') as { version?: string }).version ?? 'unknown';
  } catch {
    return 'unknown';
  }
}
