// One adapter per system under test, each through its public API: install the schema,
// enqueue (bulk and single), count unfinished jobs, and run a worker with a given handler.
import pg from 'pg';
import { ttopsModule } from './lib.mjs';

const QUEUE = 'noop';
const quiet = (level) => level === 'error';

/** The environment a ttops process gets: prod, PostgreSQL, no secrets needed by `worker`. */
export function ttopsEnv(url, extra = {}) {
  return { TTOPS_ENV: 'prod', DATABASE_URL: url, LOG_LEVEL: 'warn', TTOPS_HOME: '/tmp/ttops-bench-queue-home', ...extra };
}

async function ttopsConfig(url, cell) {
  const { loadConfig } = await ttopsModule('config/load.js', cell);
  return loadConfig({ env: ttopsEnv(url, cell.env), envFile: false, cwd: '/tmp' });
}

async function ttopsStore(url, cell) {
  const { openStore } = await ttopsModule('store/open.js', cell);
  return openStore({ home: '/tmp/ttops-bench-queue-home', databaseUrl: url });
}

async function graphileLogger() {
  const { Logger } = await import('graphile-worker');
  return new Logger((scope) => (level, message) => quiet(level) && console.error(`[graphile ${scope?.label ?? ''}] ${message}`));
}

async function pgBoss(url, options = {}) {
  const { PgBoss } = await import('pg-boss');
  const boss = new PgBoss({ connectionString: url, ...options });
  boss.on('error', (e) => console.error(`[pg-boss] ${e.message}`));
  await boss.start();
  return boss;
}

export const adapters = {
  ttops: {
    async setup(url, cell) {
      const store = await ttopsStore(url, cell); // the cell's own migrations: `before` has its schema too
      await store.migrateUp();
      await store.close();
    },
    unfinishedSql: "SELECT count(*)::int AS n FROM jobs WHERE status IN ('queued', 'running', 'waiting_provider')",
    async client(url) {
      const store = await ttopsStore(url);
      return {
        store,
        addMany: (payloads) => store.enqueueJobs(payloads.map((payload) => ({ kind: QUEUE, payload }))),
        addOne: (payload) => store.enqueueJobs([{ kind: QUEUE, payload }]),
        close: () => store.close(),
      };
    },
    /** `handlers` maps kind → (job) => Promise; `withDefaults` adds ttops's own handlers. */
    async work(url, cell, handlers, { withDefaults = false, instance = 1 } = {}) {
      const config = await ttopsConfig(url, cell);
      const store = await ttopsStore(url, cell);
      const { startWorkers, makeHandlers } = await ttopsModule('jobs/runtime.js', cell);
      const { Events } = await ttopsModule('events.js', cell);
      const events = new Events();
      const all = withDefaults ? { ...makeHandlers(config, store), ...handlers } : handlers;
      const [worker] = await startWorkers({ config, store, events, count: 1, concurrency: cell.concurrency, firstInstance: instance, handlers: all });
      events.on('worker:error', ({ error, during }) => console.error(`[ttops ${during}] ${error?.message}`));
      return {
        worker,
        store,
        async stop() {
          await worker.stop(2000);
          await store.close();
        },
      };
    },
  },

  graphile: {
    async setup(url) {
      const { runMigrations } = await import('graphile-worker');
      await runMigrations({ connectionString: url, logger: await graphileLogger() });
    },
    unfinishedSql: 'SELECT count(*)::int AS n FROM graphile_worker._private_jobs',
    async client(url) {
      const { makeWorkerUtils } = await import('graphile-worker');
      const utils = await makeWorkerUtils({ connectionString: url, logger: await graphileLogger() });
      return {
        addMany: (payloads) => utils.addJobs(payloads.map((payload) => ({ identifier: QUEUE, payload }))),
        addOne: (payload) => utils.addJob(QUEUE, payload),
        close: () => utils.release(),
      };
    },
    async work(url, cell, handlers) {
      const { run } = await import('graphile-worker');
      const taskList = Object.fromEntries(Object.entries(handlers).map(([kind, fn]) => [kind, (payload) => fn({ payload })]));
      const runner = await run({
        connectionString: url,
        concurrency: cell.concurrency,
        noHandleSignals: true,
        logger: await graphileLogger(),
        taskList,
        preset: { worker: cell.worker ?? {} },
      });
      return { stop: () => runner.stop() };
    },
  },

  pgboss: {
    async setup(url, cell) {
      const boss = await pgBoss(url, { supervise: false, schedule: false });
      await boss.createQueue(QUEUE, cell.queue ?? {});
      await boss.stop({ graceful: false, close: true });
    },
    unfinishedSql: `SELECT count(*)::int AS n FROM pgboss.job WHERE name = '${QUEUE}' AND state < 'completed'`,
    async client(url) {
      // A producer is a client, not a node of the cluster: no maintenance, no cron.
      const boss = await pgBoss(url, { supervise: false, schedule: false });
      return {
        addMany: (payloads) => boss.insert(QUEUE, payloads.map((data) => ({ data }))),
        addOne: (payload) => boss.send(QUEUE, payload),
        close: () => boss.stop({ graceful: false, close: true }),
      };
    },
    async work(url, cell, handlers) {
      const boss = await pgBoss(url, cell.boss ?? {});
      await boss.work(QUEUE, cell.work ?? {}, async (jobs) => {
        await Promise.all(jobs.map((job) => handlers[QUEUE]({ payload: job.data })));
      });
      return { stop: () => boss.stop({ graceful: true, timeout: 5000, close: true }) };
    },
  },
};

/** Polls the unfinished count on one connection; counts its own queries so they can be subtracted. */
export async function makeCounter(url, system) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  let queries = 0;
  return {
    get queries() {
      return queries;
    },
    async unfinished() {
      queries++;
      return (await client.query(adapters[system].unfinishedSql)).rows[0].n;
    },
    close: () => client.end(),
  };
}
