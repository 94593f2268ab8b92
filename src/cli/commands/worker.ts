/**
 * `ttops worker`: the job loop as its own process (one per `ttops-worker@N` unit). The first
 * SIGTERM stops claiming and lets running jobs finish (bounded), releasing the rest; a
 * second signal releases at once.
 */
import { Lifecycle } from '../../daemon/lifecycle.js';
import { Events } from '../../events.js';
import { startWorkers } from '../../jobs/runtime.js';
import type { Worker } from '../../jobs/worker.js';
import { makeLogger } from '../../log.js';
import { ensureMigrated } from '../../store/ensure-migrated.js';
import { openStore } from '../../store/open.js';
import { commandConfig } from '../context.js';
import { say, type GlobalOptions, type Io } from '../io.js';

export interface WorkerCommandOptions {
  id?: number;
  concurrency?: number;
}

/** How long running jobs get to finish after the first SIGTERM (systemd's TimeoutStopSec is 60). */
const GRACE_MS = 20_000;

/** Runs the worker until a signal; returns the exit code. */
export async function runWorker(io: Io, globals: GlobalOptions, options: WorkerCommandOptions): Promise<number> {
  const config = commandConfig(io, globals);
  const logger = makeLogger(config, undefined, { color: globals.color });
  const store = await openStore(config);
  const lifecycle = new Lifecycle((name, error) => logger.error({ err: error }, `cleanup of ${name} failed`));
  lifecycle.add('store', () => store.close());
  let worker: Worker | undefined;
  try {
    await ensureMigrated(store, config.env);
    [worker] = await startWorkers({ config, store, events: new Events(), logger, count: 1, concurrency: options.concurrency, firstInstance: options.id ?? Number(io.env.WORKER_ID ?? 1) });
    const started = worker;
    lifecycle.add('worker', () => started.stop(GRACE_MS));
  } catch (error) {
    await lifecycle.shutdown();
    throw error;
  }
  const stopped = lifecycle.untilSignal(process, GRACE_MS + 10_000, (signal) => {
    if (lifecycle.signalsSeen > 1) {
      logger.warn({ signal }, 'second signal: releasing running jobs now');
      worker?.force();
    } else {
      logger.info({ signal }, 'stopping: no new jobs, finishing running ones');
    }
  });
  // Announce only once the signal handlers are in place: a supervisor that stops us right
  // after this line must reach the drain, not SIGTERM's default action.
  say(io, `ttops worker ${worker.id} running (${store.engine}, concurrency ${options.concurrency ?? config.jobs.concurrency})`);
  return stopped;
}
