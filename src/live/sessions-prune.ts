/**
 * Raw live events are kept LIVE_EVENT_RETENTION_DAYS (session stats stay): a `live.prune`
 * job deletes older ones. Every `serve` enqueues it when it starts and hourly, with one
 * dedupe key per hour, so however many processes run, it runs about once an hour.
 */
import type { JobRecord, NewJob, QueueStore } from '../store/types.js';

/** The job kind. */
export const LIVE_PRUNE_KIND = 'live.prune';

/** The job for the hour `now` falls in. */
export function planLivePrune(now: number): NewJob {
  return { kind: LIVE_PRUNE_KIND, dedupeKey: `${LIVE_PRUNE_KIND}:${new Date(now).toISOString().slice(0, 13)}`, priority: 100 };
}

/** The cut-off: events before it are deleted. */
export function pruneCutoff(now: number, retentionDays: number): string {
  return new Date(now - retentionDays * 86_400_000).toISOString();
}

/** The handler: deletes old raw events and keeps the count in the job's result. */
export function livePruneHandler(store: { pruneLiveEvents(before: string): Promise<number> }, retentionDays: number) {
  return async (_job: JobRecord) => {
    const deleted = await store.pruneLiveEvents(pruneCutoff(Date.now(), retentionDays));
    return { status: 'succeeded' as const, result: { deleted } };
  };
}

/** Enqueues the prune now and every `everyMs` until the returned function is called; failures (a store not migrated yet) go to `onError`. */
export function scheduleLivePrune(store: Pick<QueueStore, 'enqueueJobs'>, onError: (error: unknown) => void, everyMs = 3_600_000): () => void {
  const enqueue = () => void store.enqueueJobs([planLivePrune(Date.now())]).catch(onError);
  enqueue();
  const timer = setInterval(enqueue, everyMs);
  timer.unref();
  return () => clearInterval(timer);
}
