/**
 * The worker loop. One fetch loop per process claims as many due jobs as it has free slots
 * (one query), runs their handlers concurrently, and records plain successes in batches.
 * It wakes on notifications, on a finished job and on a poll timer; it heartbeats so a dead
 * worker's jobs come back within one lease. Stopping drains, then releases what is left.
 */
import { hostname } from 'node:os';
import type { Logger } from 'pino';
import type { Events } from '../events.js';
import type { JobRecord, JobTransition, Store } from '../store/types.js';
import { backoffMs, inMs } from './backoff.js';
import { throughOutage } from './outage.js';

/** What a handler gets besides the job. */
export interface HandlerContext {
  workerId: string;
  /** Fires when the worker is forced to stop; long handlers should give up. */
  signal: AbortSignal;
}

/**
 * A job handler: returns a transition (retry, wait, fail with refund, …) or nothing for a
 * plain success. Throwing means "unexpected": the job is retried with backoff.
 */
export type JobHandler = (job: JobRecord, ctx: HandlerContext) => Promise<JobTransition | void>;

export interface WorkerOptions {
  store: Store;
  handlers: Record<string, JobHandler>;
  events: Events;
  logger?: Logger;
  /** Distinguishes several workers of one host (the systemd instance, `--id`). */
  instance?: string;
  concurrency: number;
  leaseMs: number;
  pollMs: number;
  /** Finished jobs older than this many days are pruned now and then. */
  retentionDays?: number;
  /**
   * Only claim these kinds. Unset (ttops's own workers) claims everything: a kind filter makes
   * PostgreSQL misestimate the claim on an un-analyzed table and sort the whole backlog.
   */
  kinds?: string[];
}

const PRUNE_EVERY_MS = 3600_000;

/** A running worker. */
export class Worker {
  readonly id: string;
  private readonly running = new Map<number, Promise<void>>();
  private completed: number[] = [];
  private fetching = false;
  private again = false;
  private stopping = false;
  private readonly abort = new AbortController();
  private readonly timers: NodeJS.Timeout[] = [];
  private unsubscribe?: () => Promise<void>;
  private lastPrune = 0;
  private forceRelease: () => void = () => {};

  constructor(private readonly o: WorkerOptions) {
    this.id = `${hostname()}:${process.pid}:${o.instance ?? '0'}`;
  }

  /** Registers the heartbeat, subscribes to wake-ups and starts claiming. */
  async start(): Promise<void> {
    await this.beat();
    this.unsubscribe = await this.o.store.onJobsAvailable(() => this.wake());
    // These timers are what keeps a `ttops worker` process alive; stop() clears them.
    this.timers.push(setInterval(() => this.wake(), this.o.pollMs), setInterval(() => void this.beat(), Math.max(500, Math.floor(this.o.leaseMs / 3))));
    this.wake();
  }

  /** Ends the wait of a `stop()` in progress: running jobs are released now. */
  force(): void {
    this.forceRelease();
  }

  /** Jobs currently running. */
  get busy(): number {
    return this.running.size;
  }

  /** Asks the loop to look for work (cheap to call often: calls while fetching fold into one more round). */
  wake(): void {
    if (this.stopping) return;
    if (this.fetching) {
      this.again = true;
      return;
    }
    void this.fetchLoop();
  }

  /**
   * Stops claiming, waits up to `graceMs` (or until `force()`) for running jobs, then
   * releases the rest to the queue and unregisters.
   */
  async stop(graceMs: number): Promise<void> {
    this.stopping = true;
    for (const t of this.timers) clearInterval(t);
    await this.unsubscribe?.().catch(() => {});
    if (this.running.size > 0) {
      const forced = new Promise<void>((r) => (this.forceRelease = r));
      await Promise.race([Promise.allSettled(this.running.values()), new Promise((r) => setTimeout(r, graceMs).unref()), forced]);
    }
    this.abort.abort();
    await this.flush().catch((error) => this.report(error, 'flush'));
    await this.o.store.releaseJobs(this.id).catch((error) => this.report(error, 'release'));
    await this.o.store.removeWorker(this.id).catch((error) => this.report(error, 'unregister'));
  }

  private async fetchLoop(): Promise<void> {
    this.fetching = true;
    try {
      do {
        this.again = false;
        const free = this.o.concurrency - this.running.size;
        if (free <= 0 || this.stopping) {
          await this.flush();
          break;
        }
        const done = this.completed;
        this.completed = [];
        let jobs: JobRecord[];
        try {
          jobs = await this.o.store.claimJobs(this.id, free, this.o.leaseMs, this.o.kinds, done);
        } catch (error) {
          this.completed.push(...done);
          throw error;
        }
        for (const job of jobs) this.launch(job);
        if (jobs.length === free) this.again = true;
      } while (this.again && !this.stopping);
      await this.maybePrune();
    } catch (error) {
      this.again = false; // the poll timer retries; no tight loop while the store is down
      this.report(error, 'claim');
    } finally {
      this.fetching = false;
      // A wake() that came after the loop's last check only set `again`: act on it now.
      if (this.again && !this.stopping) this.wake();
    }
  }

  private launch(job: JobRecord): void {
    const started = performance.now();
    this.o.events.emit('job:start', { job, workerId: this.id, at: performance.timeOrigin + started });
    const run = this.execute(job, started).finally(() => {
      this.running.delete(job.id);
      this.wake();
    });
    this.running.set(job.id, run);
  }

  private async execute(job: JobRecord, started: number): Promise<void> {
    let transition: JobTransition | void;
    const handler = this.o.handlers[job.kind];
    try {
      // A kind this version does not know (a newer release enqueued it mid-deploy): leave it for a worker that does.
      transition = handler ? await handler(job, { workerId: this.id, signal: this.abort.signal }) : { status: 'queued', runAt: inMs(60_000), lastError: `no handler for ${job.kind} in this ttops version` };
    } catch (error) {
      this.o.events.emit('job:error', { job, workerId: this.id, error });
      transition = unexpectedFailure(job, error);
    }
    if (!transition) {
      this.completed.push(job.id);
      this.o.events.emit('job:finish', { job, workerId: this.id, status: 'succeeded', ms: performance.now() - started });
      return;
    }
    const recorded = await this.record(job.id, transition);
    if (recorded) this.o.events.emit('job:finish', { job: recorded, workerId: this.id, status: recorded.status, ms: performance.now() - started });
  }

  /** Records a transition, riding out a short database outage (a restart) before giving up. */
  private async record(jobId: number, transition: JobTransition): Promise<JobRecord | undefined> {
    try {
      const recorded = await throughOutage(() => this.o.store.transitionJob(this.id, jobId, transition), this.o.leaseMs);
      if (!recorded) this.o.events.emit('job:lease-lost', { jobId, workerId: this.id });
      return recorded;
    } catch (error) {
      this.report(error, 'record');
      return undefined;
    }
  }

  private async flush(): Promise<void> {
    if (this.completed.length === 0) return;
    const ids = this.completed;
    this.completed = [];
    try {
      await this.o.store.completeJobs(this.id, ids);
    } catch (error) {
      this.completed.push(...ids);
      throw error;
    }
  }

  private async beat(): Promise<void> {
    try {
      await this.o.store.heartbeat(
        { id: this.id, hostname: hostname(), pid: process.pid, instance: this.o.instance ?? null, concurrency: this.o.concurrency, running: this.running.size, stopping: this.stopping },
        this.o.leaseMs,
        [...this.running.keys()],
      );
    } catch (error) {
      this.report(error, 'heartbeat');
    }
  }

  private async maybePrune(): Promise<void> {
    if (!this.o.retentionDays || Date.now() - this.lastPrune < PRUNE_EVERY_MS) return;
    this.lastPrune = Date.now();
    const pruned = await this.o.store.pruneFinishedJobs(inMs(-this.o.retentionDays * 86_400_000));
    if (pruned) this.o.logger?.info({ pruned }, 'pruned finished jobs');
  }

  private report(error: unknown, during: string): void {
    this.o.events.emit('worker:error', { workerId: this.id, error, during });
    this.o.logger?.warn({ err: error, during }, 'worker loop error');
  }
}

/** A handler threw: try again later, or give up once attempts are spent (refunding a charged job). */
export function unexpectedFailure(job: JobRecord, error: unknown): JobTransition {
  const message = error instanceof Error ? error.message : String(error);
  if (job.attempts + 1 >= job.maxAttempts) {
    return { status: 'failed', errorCode: 'handler_failed', lastError: message, countAttempt: true };
  }
  return { status: 'queued', runAt: inMs(backoffMs(job.attempts)), lastError: message, countAttempt: true };
}
