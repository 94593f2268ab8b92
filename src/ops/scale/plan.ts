/**
 * `ttops scale workers N` as a plan: which `ttops-worker@i.service` instances to enable and
 * start, and which to stop and disable, so that exactly instances 1..N run. Pure: the
 * caller reads the current state and the runner executes the commands.
 */
import { makePlan, type Plan, type PlannedCommand } from '../plan.js';

/** Most worker instances `scale` manages (each is a process with its own concurrency). */
export const MAX_WORKERS = 64;

/** The unit name of worker instance `i`. */
export function workerUnit(instance: number): string {
  return `ttops-worker@${instance}.service`;
}

/** Options of planScale. */
export interface ScaleOptions {
  /** The systemctl binary (TTOPS_SYSTEMCTL); `systemctl` by default. */
  systemctl?: string;
  /**
   * Instances in a half state (enabled but stopped, or running but not enabled). Those
   * above the target are stopped and disabled too; those within it are fixed by `enable --now`.
   */
  partial?: readonly number[];
}

/**
 * Commands that take the running set from `current` (instances enabled and active) to
 * 1..target: `enable --now` for each missing instance (lowest first), then `disable --now`
 * for each instance above the target (highest first).
 */
export function planScale(current: readonly number[], target: number, options: ScaleOptions = {}): PlannedCommand[] {
  if (!Number.isInteger(target) || target < 0 || target > MAX_WORKERS) throw new RangeError(`target must be a whole number from 0 to ${MAX_WORKERS}`);
  const systemctl = options.systemctl ?? 'systemctl';
  const up = new Set(current);
  const present = new Set([...current, ...(options.partial ?? [])]);
  const commands: PlannedCommand[] = [];
  for (let i = 1; i <= target; i++) {
    if (!up.has(i)) commands.push({ argv: [systemctl, 'enable', '--now', workerUnit(i)], why: `start worker ${i} now and at boot` });
  }
  for (const i of [...present].filter((n) => n > target).sort((a, b) => b - a)) {
    commands.push({ argv: [systemctl, 'disable', '--now', workerUnit(i)], why: `stop worker ${i} and keep it off at boot` });
  }
  return commands;
}

/** The scale commands as a Plan for the runner, `--dry-run` and `--json`. */
export function makeScalePlan(current: readonly number[], target: number, options: ScaleOptions = {}): Plan {
  return makePlan(`scale workers to ${target}`, { commands: planScale(current, target, options) });
}
