// Every configuration measured, next to what it sets. The peers run 16 jobs at once per
// process unless a cell says otherwise (graphile-worker's own default is 1 and pg-boss's
// localConcurrency default is 1, so "default" there means "defaults apart from concurrency
// 16", as in the reference pilot); ttops cells without one use its default of 64. Pools stay at each library's
// default of 10 connections (+1 LISTEN connection).

const GW_BATCHED = { localQueue: { size: 64 }, completeJobBatchDelay: 0, failJobBatchDelay: 0 };
const BOSS_FAST_WORK = { batchSize: 16, burstWhenBatchFull: true, pollingIntervalSeconds: 0.5 };

export const CELLS = {
  // ttops at the current checkout: `ttops worker [--concurrency K]` (drain) or startWorkers()
  // with the same config (latency). No concurrency = the WORKER_CONCURRENCY default (64).
  'ttops-default': { system: 'ttops', build: 'head', node: 22, note: '`ttops worker` defaults (WORKER_CONCURRENCY 64, JOB_LEASE_SECONDS 5, JOB_POLL_MS 1000)' },
  'ttops-c256': { system: 'ttops', build: 'head', node: 22, concurrency: 256, note: '--concurrency 256' },
  'ttops-default-node20': { system: 'ttops', build: 'head', node: 20, note: 'defaults, on Node 20' },
  // The same defaults at the commit before the claim-path change (make-copies.sh `before`).
  'before-default': { system: 'ttops', build: 'before', node: 22, note: '2156417 (before the lean claim path), defaults' },

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
export const DRAIN = ['ttops-default', 'ttops-c256', 'ttops-default-node20', 'before-default', 'gw-default', 'gw-batched', 'gw-perftest', 'pgboss-fast-lc2', 'pgboss-fast-lc8', 'pgboss-default'];

/** Latency cells and their offered rates (pg-boss defaults poll every 2 s: only a low rate makes sense). */
export const LATENCY = {
  'ttops-default': [50, 200, 400, 800],
  'ttops-default-node20': [50, 200, 400, 800],
  'before-default': [400],
  'gw-default': [50, 200, 400, 800],
  'gw-batched': [50, 200, 400, 800],
  'pgboss-fast-lc2': [50, 200, 400, 800],
  'pgboss-default': [5],
};
