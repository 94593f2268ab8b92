/**
 * Configured versus alive: joins systemd's worker instances with the heartbeats workers
 * write into the store. A worker is alive while its last heartbeat is within three leases.
 * Pure, so `ttops scale` and `ttops status` show the same numbers.
 */
import type { WorkerRecord } from '../../store/types.js';
import type { WorkerUnit } from './units.js';

/** Heartbeats older than this many leases mean the worker is gone. */
export const ALIVE_LEASES = 3;

/** One row of `ttops scale`: an instance systemd knows, a heartbeat, or both. */
export interface WorkerRow {
  /** The systemd instance number, or null for workers outside systemd (serve --workers, a manual `ttops worker`). */
  instance: number | null;
  enabled: boolean;
  active: boolean;
  alive: boolean;
  /** Seconds since the last heartbeat, or null when none. */
  heartbeatAgeS: number | null;
  running: number | null;
  concurrency: number | null;
  pid: number | null;
  hostname: string | null;
  stopping: boolean;
}

/** Whether a heartbeat is fresh enough to count the worker alive. */
export function isAlive(worker: Pick<WorkerRecord, 'heartbeatAt'>, leaseMs: number, now: Date): boolean {
  const age = now.getTime() - Date.parse(worker.heartbeatAt);
  return Number.isFinite(age) && age <= ALIVE_LEASES * leaseMs;
}

/** Rows for every systemd instance and every alive worker outside systemd, instances first. */
export function planWorkerView(units: readonly WorkerUnit[], workers: readonly WorkerRecord[], leaseMs: number, now: Date): WorkerRow[] {
  const freshest = new Map<string, WorkerRecord>();
  for (const w of workers) {
    if (w.instance === null || !/^\d+$/.test(w.instance)) continue;
    const seen = freshest.get(w.instance);
    if (!seen || Date.parse(w.heartbeatAt) > Date.parse(seen.heartbeatAt)) freshest.set(w.instance, w);
  }
  const instances = new Set([...units.map((u) => u.instance), ...[...freshest.keys()].map(Number)]);
  const rows = [...instances]
    .sort((a, b) => a - b)
    .map((instance) => row(instance, units.find((u) => u.instance === instance), freshest.get(String(instance)), leaseMs, now));
  const others = workers.filter((w) => (w.instance === null || !/^\d+$/.test(w.instance)) && isAlive(w, leaseMs, now));
  return [...rows, ...others.map((w) => row(null, undefined, w, leaseMs, now))];
}

/** Counts for one line of `ttops status`. */
export function summarizeWorkers(rows: readonly WorkerRow[]): { configured: number[]; alive: number; aliveOutsideSystemd: number } {
  return {
    configured: rows.filter((r) => r.instance !== null && r.enabled).map((r) => r.instance as number),
    alive: rows.filter((r) => r.alive).length,
    aliveOutsideSystemd: rows.filter((r) => r.instance === null && r.alive).length,
  };
}

function row(instance: number | null, unit: WorkerUnit | undefined, worker: WorkerRecord | undefined, leaseMs: number, now: Date): WorkerRow {
  return {
    instance,
    enabled: unit?.enabled ?? false,
    active: unit?.active ?? false,
    alive: worker ? isAlive(worker, leaseMs, now) : false,
    heartbeatAgeS: worker ? Math.max(0, Math.round((now.getTime() - Date.parse(worker.heartbeatAt)) / 1000)) : null,
    running: worker?.running ?? null,
    concurrency: worker?.concurrency ?? null,
    pid: worker?.pid ?? null,
    hostname: worker?.hostname ?? null,
    stopping: worker?.stopping ?? false,
  };
}
