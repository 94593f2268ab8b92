// Every configuration measured, next to what it sets. Concurrency is 16 per process unless
// a cell says otherwise (ttops's WORKER_CONCURRENCY default; graphile-worker's own default
// is 1 and pg-boss's localConcurrency default is 1, so "default" there means "defaults
// apart from concurrency 16", as in the reference pilot). Pools stay at each library's
// default of 10 connections (+1 LISTEN connection).

const GW_BATCHED = { localQueue: { size: 64 }, completeJobBatchDelay: 0, failJobBatchDelay: 0 };
const BOSS_FAST_WORK = { batchSize: 16, burstWhenBatchFull: true, pollingIntervalSeconds: 0.5 };

export const CELLS = {
  // ttops at the current checkout (e03cef5: lost-wake-up fix, completion folded into the claim):
  // `ttops worker --concurrency K` (drain) or startWorkers() with the same config (latency).
  'ttops-c16': { system: 'ttops', build: 'head', node: 22, concurrency: 16, note: 'defaults (WORKER_CONCURRENCY 16, JOB_POLL_MS 1000)' },
  'ttops-c64': { system: 'ttops', build: 'head', node: 22, concurrency: 64, note: '--concurrency 64' },
  'ttops-c256': { system: 'ttops', build: 'head', node: 22, concurrency: 256, note: '--concurrency 256' },
  'ttops-c16-node20': { system: 'ttops', build: 'head', node: 20, concurrency: 16, note: 'defaults, on Node 20' },
  'ttops-c64-node20': { system: 'ttops', build: 'head', node: 20, concurrency: 64, note: '--concurrency 64, on Node 20' },
  // The first run: b688b4e as it was, and with only the one-line lost-wake-up fix.
  'old-ttops-c16': { system: 'ttops', build: 'old', node: 22, concurrency: 16, note: 'b688b4e, defaults' },
  'old-ttops-c64': { system: 'ttops', build: 'old', node: 22, concurrency: 64, note: 'b688b4e, --concurrency 64' },
  'old-ttops-c16-node20': { system: 'ttops', build: 'old', node: 20, concurrency: 16, note: 'b688b4e, defaults, on Node 20' },
  'old-ttops-c16-fix': { system: 'ttops', build: 'fix', node: 22, concurrency: 16, note: 'b688b4e + wake-up fix, defaults' },
  'old-ttops-c64-fix': { system: 'ttops', build: 'fix', node: 22, concurrency: 64, note: 'b688b4e + wake-up fix, --concurrency 64' },
  'old-ttops-c256-fix': { system: 'ttops', build: 'fix', node: 22, concurrency: 256, note: 'b688b4e + wake-up fix, --concurrency 256' },
  'old-ttops-c16-fix-node20': { system: 'ttops', build: 'fix', node: 20, concurrency: 16, note: 'b688b4e + wake-up fix, defaults, on Node 20' },

  'gw-default': { system: 'graphile', node: 22, concurrency: 16, worker: {}, note: 'concurrentJobs 16, no local queue, no batched completion' },
  'gw-batched': { system: 'graphile', node: 22, concurrency: 16, worker: GW_BATCHED, note: 'concurrentJobs 16, localQueue.size 64, completeJobBatchDelay 0, failJobBatchDelay 0' },
  'gw-perftest': {
    system: 'graphile',
    node: 22,
    concurrency: 24,
    worker: { maxPoolSize: 25, localQueue: { size: 500, refetchDelay: { durationMs: 10 } }, completeJobBatchDelay: 0, failJobBatchDelay: 0 },
    note: "graphile's own perfTest/graphile.config.js: concurrentJobs 24, maxPoolSize 25, localQueue 500 (refetchDelay 10 ms), batch delays 0",
  },

  'pgboss-default': { system: 'pgboss', node: 22, noWarm: true, boss: {}, queue: {}, work: { localConcurrency: 16 }, note: 'localConcurrency 16, everything else default (batchSize 1, poll 2 s, no NOTIFY)' },
  'pgboss-fast-lc2': {
    system: 'pgboss',
    node: 22,
    boss: { useListenNotify: true },
    queue: { notify: true },
    work: { localConcurrency: 2, ...BOSS_FAST_WORK },
    note: 'useListenNotify + queue notify, localConcurrency 2, batchSize 16, burstWhenBatchFull, pollingIntervalSeconds 0.5 (batched)',
  },
  'pgboss-fast-lc8': {
    system: 'pgboss',
    node: 22,
    boss: { useListenNotify: true },
    queue: { notify: true },
    work: { localConcurrency: 8, ...BOSS_FAST_WORK },
    note: 'as pgboss-fast-lc2 with localConcurrency 8 (the pilot best drain)',
  },
};

/** Drain cells in the order they run within one repetition (interleaved across reps). */
export const DRAIN = ['ttops-c16', 'ttops-c64', 'ttops-c256', 'ttops-c16-node20', 'ttops-c64-node20', 'gw-default', 'gw-batched', 'gw-perftest', 'pgboss-fast-lc2', 'pgboss-fast-lc8', 'pgboss-default'];

/** Latency cells and their offered rates (pg-boss defaults poll every 2 s: only a low rate makes sense). */
export const LATENCY = {
  'ttops-c16': [50, 200, 400, 800],
  'ttops-c16-node20': [50, 200, 400, 800],
  'gw-default': [50, 200, 400, 800],
  'gw-batched': [50, 200, 400, 800],
  'pgboss-fast-lc2': [50, 200, 400, 800],
  'pgboss-default': [5],
};
