/**
 * The periodic jobs `serve` enqueues: the hourly reminders scan, the 5-minute workers check,
 * order expiry and payment reconciliation. Each is enqueued at start and then on a timer, with a dedupe key per period, so
 * however many `serve` processes run (or restart) the job runs about once per period. This
 * beats a job that re-enqueues itself: such a chain breaks for good when one link fails
 * past its attempts or a deploy drops it, and forks when two links are seeded; here every
 * period starts afresh from the clock.
 */
import type { NewJob, QueueStore } from '../store/types.js';
import { planWorkersCheck, WORKERS_CHECK_EVERY_MS } from './alerts-workers.js';
import { planRemindersScan } from './reminders.js';
import { ORDERS_EXPIRE_EVERY_MS, PAYMENTS_RECONCILE_EVERY_MS, planOrdersExpire, planPaymentsReconcile } from './checkout-jobs.js';

/** A job to enqueue every `everyMs`, planned from the time. */
export interface PeriodicJob {
  plan: (now: number) => NewJob;
  everyMs: number;
}

/** What `serve` schedules besides the live prune. */
export const PERIODIC_JOBS: readonly PeriodicJob[] = [
  { plan: planRemindersScan, everyMs: 3_600_000 },
  { plan: planWorkersCheck, everyMs: WORKERS_CHECK_EVERY_MS },
  { plan: planOrdersExpire, everyMs: ORDERS_EXPIRE_EVERY_MS },
  { plan: planPaymentsReconcile, everyMs: PAYMENTS_RECONCILE_EVERY_MS },
];

/** Enqueues each job now and every period until the returned function is called; failures go to `onError`. */
export function schedulePeriodicJobs(store: Pick<QueueStore, 'enqueueJobs'>, onError: (error: unknown) => void, jobs: readonly PeriodicJob[] = PERIODIC_JOBS): () => void {
  const timers = jobs.map((job) => {
    const enqueue = () => void store.enqueueJobs([job.plan(Date.now())]).catch(onError);
    enqueue();
    return setInterval(enqueue, job.everyMs).unref();
  });
  return () => timers.forEach((t) => clearInterval(t));
}
