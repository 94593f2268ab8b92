/**
 * `ttops deploy` end to end: prepare, preflight, then the phases of deploy/plan.ts through
 * the one runner, shown as a task list. Owns what cannot be planned ahead: restoring nginx
 * when `nginx -t` fails, checking certbot's result, the health gate, and switching `current`
 * back on any failure or interrupt once it has moved.
 */
import { closeSync, mkdirSync, openSync, rmSync, writeSync } from 'node:fs';
import path from 'node:path';
import { Writable } from 'node:stream';
import type { OutputOptions, Io } from '../../io.js';
import { ConflictError, FailureError } from '../../errors.js';
import { certCovers } from '../certbot.js';
import { InterruptedError, onInterrupt, shielded, throwIfInterrupted } from '../interrupt.js';
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
import { assertNoProblems, requireSystemdHost, staticChecks, systemProblems } from './preflight.js';
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
export async function runDeploy(io: Io, globals: OutputOptions, given: DeployOptions): Promise<DeployResult | Plan> {
  const options = { ...given, root: given.root === undefined ? undefined : path.resolve(io.cwd, given.root) };
  const { config, input, facts } = await prepareDeploy(io, globals, options);
  assertNoProblems(staticChecks(input, config));
  if (options.dryRun) return planDeploy(input, facts);
  const staging = options.root !== undefined;
  if (!staging) {
    requireSystemdHost(config);
    assertNoProblems(await systemProblems(input, config, !facts.certificate.ok && !input.tls.skip));
  }

  // With --json the JSON result is the only output; a --root rehearsal still lists what it skipped.
  const quiet = globals.json && !staging;
  const human: Io = quiet ? { ...io, stderr: new Writable({ write: (_c, _e, done) => done() }) } : io;
  const report: RunReport = { written: [], ran: [], skipped: [], failed: [] };
  const run = async (plan: Plan, out: Io) => {
    const r = await runPlan(plan, { io: staging ? io : out, root: options.root });
    report.written.push(...r.written);
    report.skipped.push(...r.skipped);
  };
  const result: DeployResult = { release: input.releaseId, version: input.version, previous: facts.current ?? null, health: 'skipped', url: null, root: options.root ?? null, written: report.written, skipped: report.skipped };
  const gate = { retries: options.healthRetries ?? GATE_DEFAULTS.retries, intervalMs: options.healthIntervalMs ?? GATE_DEFAULTS.intervalMs, timeoutMs: GATE_DEFAULTS.timeoutMs };
  const state: FailureState = { step: '', switched: false };

  const steps = deployPhases(input, facts).map((phase) => ({
    title: phase.title,
    run: async (out: Io) => {
      state.step = phase.title;
      if (phase.kind === 'gate') {
        if (staging) return void out.stderr.write('  skipped (--root): nothing was started\n');
        state.gate = await gateStep(input, gate, out, result);
        throwIfInterrupted();
        if (state.gate) throw new FailureError('health_gate_failed', `release ${input.releaseId} failed its health gate (${state.gate.why})`);
        return;
      }
      // From here on `current` may point at the new release: any failure switches it back.
      if (phase.kind === 'switch' && !staging) state.switched = true;
      await runPhase(phase, input, out, run, staging);
    },
  }));
  const unlock = staging ? () => {} : takeLock(input);
  const forgetLock = onInterrupt(unlock);
  try {
    await runSteps(steps, { io, fancy: wantsFancy(io, globals), quiet }).catch(async (error: unknown) => {
      if (staging) throw error;
      // The failing checks and the unit's journal: the diagnosis, shown even with --json.
      if (state.gate) io.stderr.write(`${state.gate.details}\n`);
      throw await shielded(() => afterFailure(error, state, { input, facts, gate, run, io: human, result }));
    });
    const record = deployRecord(input, facts, result.health);
    await run({ title: 'release log', files: [planReleaseRecord(input.paths.appDir, readLog(input, options.root), record)], commands: [] }, human);
    await run(planPruneAfter(input, facts), human);
  } finally {
    unlock();
    forgetLock();
  }
  return result;
}

/** How far a deploy got when it stopped. */
interface FailureState {
  step: string;
  /** Whether `current` may have moved to the new release. */
  switched: boolean;
  /** Set when the health gate failed. */
  gate?: { why: string; details: string };
}

/**
 * Turns any failure or interrupt into the error the operator sees, after recording it; once
 * `current` may have moved, first switches back to the previous release, restarts it and
 * gates it again (a restart that failed, a failed gate, Ctrl-C: all the same).
 */
async function afterFailure(
  error: unknown,
  state: FailureState,
  ctx: { input: DeployInput; facts: DeployFacts; gate: typeof GATE_DEFAULTS; run: (plan: Plan, io: Io) => Promise<void>; io: Io; result: DeployResult },
): Promise<Error> {
  const { input, facts, run, io } = ctx;
  const interrupted = error instanceof InterruptedError || isInterruptedError(error);
  const first = (error as Error).message.split('\n')[0];
  const what = state.gate ? `failed its health gate (${state.gate.why})` : interrupted ? `was interrupted at "${state.step}"` : `failed at "${state.step}" (${first})`;
  const note = state.gate ? `health gate failed: ${state.gate.why}` : `${interrupted ? 'interrupted' : 'stopped'} at "${state.step}": ${first}`;
  await recordNow(input, deployRecord(input, facts, 'fail', note), run, io).catch(() => {});
  const fail = (message: string) => (interrupted ? new InterruptedError(message, { cause: error }) : new FailureError(state.gate ? 'health_gate_failed' : codeOf(error), message, { cause: error }));
  if (!state.switched) {
    return interrupted ? new InterruptedError(`deploy of release ${input.releaseId} was interrupted at "${state.step}"; current was not switched.`, { cause: error }) : (error as Error);
  }
  ctx.result.health = 'fail';
  const previous = facts.current && facts.current !== input.releaseId ? facts.current : undefined;
  if (!previous) return fail(`release ${input.releaseId} ${what} and there is no previous release to return to; fix the problem and deploy again.`);
  await run(planSwitchBack(input, previous), io);
  const again = await runGate(input, ctx.gate);
  const prevMigrations = migrationNames(listFiles(path.join(releaseDir(input.paths.appDir, previous), 'migrations', input.engine === 'postgres' ? 'pg' : 'sqlite')));
  // The failed release's migrations stay applied: say so when the release we return to predates them.
  const warning = schemaWarning(previous, prevMigrations, facts.migrations);
  if (warning) io.stderr.write(`warning: ${warning}\n`);
  const record: ReleaseRecord = {
    id: previous,
    version: readVersion(input, previous),
    time: new Date().toISOString(),
    event: 'auto-rollback',
    migration: facts.migrations.at(-1) ?? null,
    health: again.outcome === 'healthy' ? 'pass' : 'fail',
    previous: input.releaseId,
    note: `switched back after release ${input.releaseId} ${what}`,
  };
  await recordNow(input, record, run, io);
  const health = again.outcome === 'healthy' ? 'and it is healthy' : `but it is not healthy either (${again.error ?? again.status})`;
  return fail(`release ${input.releaseId} ${what}; current points at release ${previous} again ${health}.`);
}

function isInterruptedError(error: unknown): boolean {
  return (error as { code?: unknown })?.code === 'interrupted';
}

function codeOf(error: unknown): string {
  const code = (error as { code?: unknown })?.code;
  return typeof code === 'string' && /^[a-z_]+$/.test(code) ? code : 'deploy_failed';
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

/** The gate: sets the result's health, and on failure returns why and what to show (switching back is afterFailure's job). */
async function gateStep(input: DeployInput, options: typeof GATE_DEFAULTS, out: Io, result: DeployResult): Promise<{ why: string; details: string } | undefined> {
  const health = await runGate(input, options);
  result.url = health.url;
  if (health.outcome === 'healthy') {
    result.health = health.status === 'warn' ? 'warn' : 'pass';
    out.stderr.write(`  healthy: ${health.url} (${health.attempts} attempt(s))\n`);
    return undefined;
  }
  result.health = 'fail';
  return { why: health.error ?? `status ${health.status}`, details: describeGateFailure(health, await unitJournal()) };
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
