/**
 * `ttops scale workers N` enables/starts or stops/disables `ttops-worker@i` until exactly
 * 1..N run; `ttops scale` alone shows configured versus alive instances.
 */
import type { Config } from '../../config/load.js';
import { InvalidInputError } from '../../errors.js';
import { planToJson, renderPlan } from '../../ops/plan.js';
import { runPlan } from '../../ops/runner.js';
import { makeScalePlan, MAX_WORKERS } from '../../ops/scale/plan.js';
import { readWorkerUnits, type WorkerUnit } from '../../ops/scale/units.js';
import { ALIVE_LEASES, planWorkerView, summarizeWorkers, type WorkerRow } from '../../ops/scale/view.js';
import { requireSystemd } from '../../ops/systemd-env.js';
import type { WorkerRecord } from '../../store/types.js';
import { commandConfig, withStore } from '../context.js';
import { printResult, say, table, type GlobalOptions, type Io } from '../io.js';

/** What to say where systemd is not running. */
export const NO_SYSTEMD_HINT = 'run `ttops worker` yourself or use `ttops serve --workers N`';

/** Flags of `ttops scale`. */
export interface ScaleOptions {
  dryRun?: boolean;
}

/** Dispatches `scale` / `scale workers N`, checking the arguments first. */
export async function runScale(io: Io, globals: GlobalOptions, kind: string | undefined, count: number | undefined, options: ScaleOptions): Promise<void> {
  if (kind === undefined) return showWorkers(io, globals);
  if (kind !== 'workers') throw new InvalidInputError('scale_unknown_kind', `only workers scale: \`ttops scale workers N\` (0–${MAX_WORKERS}), not ${JSON.stringify(kind)}`);
  if (count === undefined) throw new InvalidInputError('scale_count_missing', `say how many: \`ttops scale workers N\` (0–${MAX_WORKERS})`);
  return scaleWorkers(io, globals, count, options);
}

async function scaleWorkers(io: Io, globals: GlobalOptions, target: number, options: ScaleOptions): Promise<void> {
  const config = commandConfig(io, globals);
  requireSystemd(config, NO_SYSTEMD_HINT);
  const before = await readWorkerUnits(config);
  const up = running(before);
  const plan = makeScalePlan(up, target, { systemctl: config.systemctl.bin, partial: before.filter((u) => u.enabled !== u.active).map((u) => u.instance) });
  if (options.dryRun) {
    io.stdout.write(globals.json ? `${JSON.stringify(planToJson(plan), null, 2)}\n` : `${renderPlan(plan)}\n`);
    return;
  }
  if (plan.commands.length) await runPlan(plan, { io });
  const after = running(await readWorkerUnits(config));
  const missing = Array.from({ length: target }, (_, i) => i + 1).filter((i) => !after.includes(i));
  if (missing.length) say(io, `not active yet: ${missing.map((i) => `ttops-worker@${i}`).join(', ')} — see \`ttops logs worker\``);
  printResult(io, globals, { target, before: up, after, plan: planToJson(plan) }, () =>
    plan.commands.length === 0 ? `workers already at ${target}; nothing to change` : `workers: ${after.length} running${list(after)}, was ${up.length}${list(up)}`,
  );
}

async function showWorkers(io: Io, globals: GlobalOptions): Promise<void> {
  const config = commandConfig(io, globals);
  requireSystemd(config, NO_SYSTEMD_HINT);
  const units = await readWorkerUnits(config);
  const workers = await heartbeats(io, config);
  const rows = planWorkerView(units, workers, config.jobs.leaseMs, new Date());
  const summary = summarizeWorkers(rows);
  const data = { configured: summary.configured, alive: summary.alive, workers: rows.map(toJson) };
  printResult(io, globals, data, () =>
    [`${summary.configured.length} configured, ${summary.alive} alive (alive = heartbeat within ${(ALIVE_LEASES * config.jobs.leaseMs) / 1000} s)`, rows.length ? table(rows.map(toCells), ['instance', 'enabled', 'active', 'alive', 'heartbeat', 'running', 'pid']) : 'no workers — `ttops scale workers N` starts some'].join('\n'),
  );
}

async function heartbeats(io: Io, config: Config): Promise<WorkerRecord[]> {
  try {
    return await withStore(config, (store) => store.listWorkers());
  } catch (error) {
    say(io, `heartbeats unknown: ${(error as Error).message}`);
    return [];
  }
}

function running(units: WorkerUnit[]): number[] {
  return units.filter((u) => u.enabled && u.active).map((u) => u.instance);
}

function list(instances: number[]): string {
  return instances.length ? ` (${instances.map((i) => `@${i}`).join(' ')})` : '';
}

function toJson(r: WorkerRow): Record<string, unknown> {
  return { instance: r.instance, enabled: r.enabled, active: r.active, alive: r.alive, heartbeat_age_s: r.heartbeatAgeS, running: r.running, concurrency: r.concurrency, pid: r.pid, hostname: r.hostname, stopping: r.stopping };
}

function toCells(r: WorkerRow): Record<string, unknown> {
  const yes = (b: boolean) => (b ? 'yes' : 'no');
  return {
    instance: r.instance === null ? 'other' : `@${r.instance}`,
    enabled: r.instance === null ? '-' : yes(r.enabled),
    active: r.instance === null ? '-' : yes(r.active),
    alive: r.alive ? (r.stopping ? 'stopping' : 'yes') : 'no',
    heartbeat: r.heartbeatAgeS === null ? '-' : `${r.heartbeatAgeS}s ago`,
    running: r.running === null ? '-' : `${r.running}/${r.concurrency}`,
    pid: r.pid,
  };
}
