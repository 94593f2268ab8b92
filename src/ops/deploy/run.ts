/**
 * `ttops deploy` end to end: prepare, preflight, then the phases of deploy/plan.ts through
 * the one runner, shown as a task list. Owns what cannot be planned ahead: restoring nginx
 * when `nginx -t` fails, checking certbot's result, and the health gate with its switch back.
 */
import { closeSync, mkdirSync, openSync, rmSync, writeSync } from 'node:fs';
import path from 'node:path';
import type { GlobalOptions, Io } from '../../cli/io.js';
import { ConflictError, FailureError } from '../../errors.js';
import { certCovers } from '../certbot.js';
import { planToJson, renderPlan, type Plan } from '../plan.js';
import { runPlan, targetPath, type RunReport } from '../runner.js';
import { lockPath, migrationNames, releaseDir } from '../release/layout.js';
import { schemaWarning } from '../release/select.js';
import { planReleaseRecord, type ReleaseRecord } from '../release/log.js';
import { listFiles, readOrNull } from './facts.js';
import { deployRecord, describeGateFailure, GATE_DEFAULTS, planSwitchBack, runGate, unitJournal } from './gate.js';
import type { DeployFacts, DeployInput } from './input.js';
import { certFiles } from './paths.js';
import { deployPhases, planDeploy, planPruneAfter, type Phase } from './plan.js';
import { assertNoProblems, staticProblems, systemProblems } from './preflight.js';
import { prepareDeploy, type DeployOptions } from './prepare.js';
import { runSteps, wantsFancy } from './steps.js';

/** What a deploy reports (stdout, `--json`). */
export interface DeployResult {
  release: string;
  version: string;
  previous: string | null;
  health: ReleaseRecord['health'];
  url: string | null;
  root: string | null;
  written: string[];
  skipped: string[][];
}

/** Runs a deploy and returns its summary; with dryRun returns the plan instead and changes nothing. */
export async function runDeploy(io: Io, globals: GlobalOptions, given: DeployOptions): Promise<DeployResult | Plan> {
  const options = { ...given, root: given.root === undefined ? undefined : path.resolve(io.cwd, given.root) };
  const { config, input, facts } = await prepareDeploy(io, globals, options);
  assertNoProblems(staticProblems(input, config));
  if (options.dryRun) return planDeploy(input, facts);
  const staging = options.root !== undefined;
  if (!staging) assertNoProblems(await systemProblems(input, config, !facts.certificate.ok && !input.tls.skip));

  const report: RunReport = { written: [], ran: [], skipped: [], failed: [] };
  const run = async (plan: Plan, out: Io) => {
    const r = await runPlan(plan, { io: out, root: options.root });
    report.written.push(...r.written);
    report.skipped.push(...r.skipped);
  };
  const result: DeployResult = { release: input.releaseId, version: input.version, previous: facts.current ?? null, health: 'skipped', url: null, root: options.root ?? null, written: report.written, skipped: report.skipped };
  const gate = { retries: options.healthRetries ?? GATE_DEFAULTS.retries, intervalMs: options.healthIntervalMs ?? GATE_DEFAULTS.intervalMs, timeoutMs: GATE_DEFAULTS.timeoutMs };
  let failure: { message: string; details: string } | undefined;
  let step = '';

  const steps = deployPhases(input, facts).map((phase) => ({
    title: phase.title,
    run: async (out: Io) => {
      step = phase.title;
      if (phase.kind === 'gate') {
        if (staging) return void out.stderr.write('  skipped (--root): nothing was started\n');
        failure = await gateStep(input, facts, gate, out, run, result);
        if (failure) throw new FailureError('health_gate_failed', failure.message);
        return;
      }
      await runPhase(phase, input, out, run, staging);
    },
  }));
  const unlock = staging ? () => {} : takeLock(input);
  try {
    await runSteps(steps, { io, fancy: wantsFancy(io, globals) }).catch(async (error: unknown) => {
      if (failure) io.stderr.write(`${failure.details}\n`);
      // The gate records its own failure; any other step leaves a line too (current was not switched).
      else if (!staging) await recordNow(input, deployRecord(input, facts, 'fail', `stopped at "${step}": ${(error as Error).message.split('\n')[0]}`), run, io).catch(() => {});
      throw error;
    });
    const record = deployRecord(input, facts, result.health);
    await run({ title: 'release log', files: [planReleaseRecord(input.paths.appDir, readLog(input, options.root), record)], commands: [] }, io);
    await run(planPruneAfter(input, facts), io);
  } finally {
    unlock();
  }
  return result;
}

/** Prints a dry-run plan: JSON `{files, commands}` or the plan's lines. */
export function printDeployPlan(io: Io, plan: Plan, json: boolean): void {
  io.stdout.write(json ? `${JSON.stringify(planToJson(plan), null, 2)}\n` : `${renderPlan(plan)}\n`);
}

async function runPhase(phase: Exclude<Phase, { kind: 'gate' }>, input: DeployInput, out: Io, run: (plan: Plan, io: Io) => Promise<void>, staging: boolean): Promise<void> {
  if (phase.kind !== 'nginx') {
    await run(phase.plan, out);
    if (phase.kind === 'certbot' && !staging) {
      const cert = readOrNull(certFiles(input.paths, input.apiDomain).cert);
      const check = cert ? certCovers(cert, [input.apiDomain, input.mediaDomain], new Date()) : { ok: false, reason: 'certbot wrote no certificate' };
      if (!check.ok) throw new FailureError('certificate_missing', `certbot finished but the certificate is not usable: ${check.reason}; nginx stays on the HTTP stage.`);
    }
    return;
  }
  await run(phase.plans.apply, out);
  try {
    await run(phase.plans.check, out);
  } catch (error) {
    await run(phase.plans.restore, out).catch(() => {});
    throw new FailureError('nginx_config_invalid', `nginx rejected the new ${phase.stage} config, so the previous files are back and nginx was not reloaded — ${(error as Error).message}`, { cause: error });
  }
  await run(phase.plans.reload, out);
}

/** The gate; on failure switches back by itself and returns what to tell the operator. */
async function gateStep(
  input: DeployInput,
  facts: DeployFacts,
  options: typeof GATE_DEFAULTS,
  out: Io,
  run: (plan: Plan, io: Io) => Promise<void>,
  result: DeployResult,
): Promise<{ message: string; details: string } | undefined> {
  const health = await runGate(input, options);
  result.url = health.url;
  if (health.outcome === 'healthy') {
    result.health = health.status === 'warn' ? 'warn' : 'pass';
    out.stderr.write(`  healthy: ${health.url} (${health.attempts} attempt(s))\n`);
    return undefined;
  }
  result.health = 'fail';
  const details = describeGateFailure(health, await unitJournal());
  const previous = facts.current && facts.current !== input.releaseId ? facts.current : undefined;
  const why = health.error ?? `status ${health.status}`;
  await recordNow(input, deployRecord(input, facts, 'fail', `health gate failed: ${why}`), run, out);
  if (!previous) {
    return { details, message: `release ${input.releaseId} failed its health gate (${why}) and there is no previous release to return to; fix the problem and deploy again.` };
  }
  await run(planSwitchBack(input, previous), out);
  const again = await runGate(input, options);
  const prevMigrations = migrationNames(listFiles(path.join(releaseDir(input.paths.appDir, previous), 'migrations', input.engine === 'postgres' ? 'pg' : 'sqlite')));
  // The failed release's migrations stay applied: say so when the release we return to predates them.
  const warning = schemaWarning(previous, prevMigrations, facts.migrations);
  const note = `switched back after release ${input.releaseId} failed its health gate`;
  await recordNow(input, { id: previous, version: readVersion(input, previous), time: new Date().toISOString(), event: 'auto-rollback', migration: facts.migrations.at(-1) ?? null, health: again.outcome === 'healthy' ? 'pass' : 'fail', previous: input.releaseId, note }, run, out);
  const state = again.outcome === 'healthy' ? 'and it is healthy' : `but it is not healthy either (${again.error ?? again.status})`;
  return {
    details: warning ? `${details}\nwarning: ${warning}` : details,
    message: `release ${input.releaseId} failed its health gate (${why}); current points at release ${previous} again ${state}.`,
  };
}

async function recordNow(input: DeployInput, record: ReleaseRecord, run: (plan: Plan, io: Io) => Promise<void>, out: Io): Promise<void> {
  await run({ title: 'release log', files: [planReleaseRecord(input.paths.appDir, readLog(input), record)], commands: [] }, out);
}

function readLog(input: DeployInput, root?: string): string {
  return readOrNull(targetPath(`${input.paths.appDir}/releases.jsonl`, root)) ?? '';
}

function readVersion(input: DeployInput, id: string): string {
  const text = readOrNull(`${releaseDir(input.paths.appDir, id)}/package.json`);
  try {
    return text ? ((JSON.parse(text) as { version?: string }).version ?? 'unknown') : 'unknown';
  } catch {
    return 'unknown';
  }
}

/** One deploy or rollback at a time: an exclusive lock file holding the pid. */
export function takeLock(input: Pick<DeployInput, 'paths'>): () => void {
  const file = lockPath(input.paths.appDir);
  mkdirSync(input.paths.appDir, { recursive: true, mode: 0o755 });
  let fd: number;
  try {
    fd = openSync(file, 'wx', 0o644);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    const holder = (readOrNull(file) ?? '').trim();
    throw new ConflictError('deploy_locked', `another deploy or rollback holds ${file} (${holder || 'unknown holder'}); wait for it, or delete the file if that process is gone.`);
  }
  writeSync(fd, `pid ${process.pid} since ${new Date().toISOString()}\n`);
  closeSync(fd);
  return () => rmSync(file, { force: true });
}
