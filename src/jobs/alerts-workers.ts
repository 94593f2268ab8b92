/**
 * "Workers gone silent": a `workers.check` job, every few minutes, alerts the admin when some
 * worker's heartbeat is older than ALIVE_LEASES leases while jobs have been due for that long
 * too. A silent row that a fresh worker of the same host and instance replaced (a crashed
 * worker systemd restarted) does not count, and neither does a silent row while nothing
 * waits. The check is itself a job, so it cannot report that every worker is gone (nor could
 * the alert be delivered then): `ttops_workers_alive` in /metrics covers that.
 */
import { ALIVE_LEASES } from '../ops/scale/view.js';
import type { NewJob, QueueStore, ReminderStore, WorkerRecord } from '../store/types.js';
import { ALERT_KINDS, raiseAlert, type AlertTarget } from './alerts.js';
import type { JobHandler } from './worker.js';

/** The job kind. */
export const WORKERS_CHECK_KIND = 'workers.check';

/** How often `serve` enqueues the check. */
export const WORKERS_CHECK_EVERY_MS = 5 * 60_000;

/** The check for the 5-minute slot `now` falls in; ahead of ordinary work, since it matters most when the queue is long. */
export function planWorkersCheck(now: number): NewJob {
  return { kind: WORKERS_CHECK_KIND, dedupeKey: `${WORKERS_CHECK_KIND}:${Math.floor(now / WORKERS_CHECK_EVERY_MS)}`, priority: -5 };
}

/** Workers not stopping whose heartbeat is older than ALIVE_LEASES leases and that no fresher worker of the same host and instance replaced. */
export function silentWorkers(workers: readonly WorkerRecord[], leaseMs: number, now: number): WorkerRecord[] {
  const limit = ALIVE_LEASES * leaseMs;
  const age = (w: WorkerRecord) => now - Date.parse(w.heartbeatAt);
  const fresh = new Set(workers.filter((w) => age(w) <= limit && w.instance !== null).map((w) => `${w.hostname}\u0000${w.instance}`));
  return workers.filter((w) => !w.stopping && age(w) > limit && !(w.instance !== null && fresh.has(`${w.hostname}\u0000${w.instance}`)));
}

/** What the check needs. */
export interface WorkersCheckDeps {
  store: Pick<QueueStore, 'listWorkers'> & Pick<ReminderStore, 'overdueJobs'>;
  alerts: AlertTarget;
  /** JOB_LEASE_SECONDS in ms. */
  leaseMs: number;
  now?: () => number;
}

/** Runs the check once; raises the alert when workers are silent and jobs wait. */
export async function runWorkersCheck(deps: WorkersCheckDeps): Promise<{ silent: number; overdue: number; alert: string | null }> {
  const now = deps.now?.() ?? Date.now();
  const silent = silentWorkers(await deps.store.listWorkers(), deps.leaseMs, now);
  if (silent.length === 0) return { silent: 0, overdue: 0, alert: null };
  const overdue = await deps.store.overdueJobs(new Date(now - ALIVE_LEASES * deps.leaseMs).toISOString());
  if (overdue.count === 0) return { silent: silent.length, overdue: 0, alert: null };
  const who = silent.map((w) => `${w.id} (last heartbeat ${Math.round((now - Date.parse(w.heartbeatAt)) / 1000)} s ago)`).join(', ');
  const detail = `${silent.length} worker(s) silent: ${who}. ${overdue.count} job(s) waiting, the oldest due since ${overdue.oldestRunAt}. Check \`ttops scale\` and \`ttops logs\`.`;
  const alert = await raiseAlert({ ...deps.alerts, now: () => now }, { kind: ALERT_KINDS.workersSilent, detail });
  return { silent: silent.length, overdue: overdue.count, alert };
}

/** The `workers.check` handler. */
export function workersCheckHandler(deps: WorkersCheckDeps): JobHandler {
  return async () => ({ status: 'succeeded', result: await runWorkersCheck(deps) });
}
