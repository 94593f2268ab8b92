/**
 * `ttops worker` as real processes: several sharing one SQLite file, graceful and forced
 * stops, and a SIGKILLed worker's job running again elsewhere within one lease.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import { test } from 'node:test';
import { openStore } from '../../src/store/open.js';
import type { Store } from '../../src/store/types.js';
import { BIN_JS, cleanEnv, stop } from '../helpers/cli.js';
import { testConfig } from '../helpers/config.js';
import { postgresEngine, sqliteEngine, type TestEngine } from '../helpers/engines.js';

/** Starts a worker the way its systemd unit does: node on bin/ttops.js (no sh wrapper). */
function startWorker(env: Record<string, string>, id: number): Promise<ChildProcess> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN_JS, 'worker', '--id', String(id)], { env: cleanEnv({ LOG_LEVEL: 'warn', JOB_POLL_MS: '100', ...env }), stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr!.on('data', (d) => {
      stderr += d;
      if (stderr.includes('running (')) resolve(child);
    });
    child.on('exit', (code) => reject(new Error(`worker exited ${code}: ${stderr}`)));
  });
}

/** A provider that accepts connections and never answers: jobs stay running. */
async function hangingProvider(): Promise<{ url: string; close: () => Promise<void> }> {
  const sockets = new Set<import('node:net').Socket>();
  const server = http.createServer(() => {});
  server.on('connection', (s) => sockets.add(s));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as { port: number }).port}`,
    close: () => new Promise((r) => {
      sockets.forEach((s) => s.destroy());
      server.close(() => r());
    }),
  };
}

async function withStore(engine: TestEngine): Promise<Store> {
  const store = await openStore(testConfig(engine.env));
  await store.migrateUp();
  return store;
}

test('two worker processes share one SQLite file and drain the queue', async () => {
  const engine = await sqliteEngine();
  const store = await withStore(engine);
  const jobs = await store.enqueueJobs(Array.from({ length: 300 }, (_, i) => ({ kind: 'noop', payload: { i } })));
  const workers = await Promise.all([startWorker(engine.env, 1), startWorker(engine.env, 2)]);
  try {
    const deadline = Date.now() + 40_000;
    while ((await store.queueCounts()).succeeded < jobs.length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    const counts = await store.queueCounts();
    assert.equal(counts.succeeded, 300);
    assert.equal(counts.queued + counts.running, 0);
    assert.equal((await store.listWorkers()).length, 2);
  } finally {
    assert.deepEqual(await Promise.all(workers.map((w) => stop(w))), [0, 0]);
    assert.equal((await store.listWorkers()).length, 0, 'a graceful stop unregisters');
    await store.close();
    await engine.cleanup();
  }
});

test('a second SIGTERM forces: running jobs go back to the queue at once', async () => {
  const engine = await postgresEngine();
  const store = await withStore(engine);
  const provider = await hangingProvider();
  const env = { ...engine.env, KIE_BASE_URL: provider.url, KIE_API_KEYS: 'k1' };
  const worker = await startWorker(env, 1);
  try {
    const user = await store.ensureTelegramUser(77);
    await store.grantCredits(user.id, 1, 't', { actor: 't' });
    const { jobs } = await store.createOrder({ userId: user.id, orderId: 'o', costPerJob: 1, jobs: [{ kind: 'video.generate', payload: { template: 't', product_name: 'p', cost: 1 } }] });
    for (let i = 0; i < 100 && (await store.findJob(jobs[0].id))?.status !== 'running'; i++) await new Promise((r) => setTimeout(r, 50));
    assert.equal((await store.findJob(jobs[0].id))?.status, 'running');
    const started = Date.now();
    const exited = new Promise<number | null>((r) => worker.on('exit', (code) => r(code)));
    worker.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 300));
    worker.kill('SIGTERM');
    assert.equal(await exited, 130);
    assert.ok(Date.now() - started < 5000, 'forced stop is quick');
    const job = (await store.findJob(jobs[0].id))!;
    assert.equal(job.status, 'queued');
    assert.equal(job.attempts, 0, 'a released job is not a failed attempt');
    assert.equal(job.lockedBy, null);
  } finally {
    await store.close();
    await provider.close();
    await engine.cleanup();
  }
});

test('a SIGKILLed worker\'s job runs again in another worker within one lease', async () => {
  const engine = await postgresEngine();
  const store = await withStore(engine);
  const provider = await hangingProvider();
  const env = { ...engine.env, KIE_BASE_URL: provider.url, KIE_API_KEYS: 'k1', JOB_LEASE_SECONDS: '2' };
  const doomed = await startWorker(env, 1);
  let survivor: ChildProcess | undefined;
  try {
    const [job] = await store.enqueueJobs([{ kind: 'video.generate', payload: { template: 't', product_name: 'p' } }]);
    for (let i = 0; i < 100 && (await store.findJob(job.id))?.status !== 'running'; i++) await new Promise((r) => setTimeout(r, 50));
    const first = (await store.findJob(job.id))!;
    assert.equal(first.status, 'running');
    survivor = await startWorker(env, 2);
    const killedAt = Date.now();
    doomed.kill('SIGKILL');
    let again = first;
    while (Date.now() - killedAt < 8000) {
      again = (await store.findJob(job.id))!;
      if (again.lockedBy && again.lockedBy !== first.lockedBy) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const recoveredMs = Date.now() - killedAt;
    assert.notEqual(again.lockedBy, first.lockedBy, 'another worker holds it now');
    assert.equal(again.attempts, 1, 'the lost run counts as an attempt');
    assert.ok(recoveredMs < 2000 + 1500, `recovered in ${recoveredMs} ms with a 2 s lease`);
  } finally {
    if (survivor) await stop(survivor, 'SIGKILL');
    await store.close();
    await provider.close();
    await engine.cleanup();
  }
});
