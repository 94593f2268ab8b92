// The side-by-side queue benchmark: drain throughput and open-loop enqueue→start latency
// for ttops, graphile-worker and pg-boss, in one run, on one PostgreSQL, a fresh database
// per cell. Run with the npm `node@22` binary (pg-boss 12 needs Node ≥ 22.12):
//
//   bench/queue/node_modules/.bin/node bench/queue/run.mjs drain --reps 5
//   bench/queue/node_modules/.bin/node bench/queue/run.mjs latency --duration 20
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { adapters, makeCounter, ttopsEnv } from './adapters.mjs';
import { CELLS, DRAIN, LATENCY } from './cells.mjs';
import { HERE, NODES, checkpoint, ttopsRoot, cpuOf, createDb, dbUrl, dist, dropDb, forkNode, loadavg, lsnBytes, mmm, nextMessage, r1, r2, r3, sleep, snapshot, waitExit, wallNow } from './lib.mjs';

const { values: opt, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    reps: { type: 'string', default: '5' },
    n: { type: 'string', default: '20000' },
    cells: { type: 'string' },
    duration: { type: 'string', default: '20' },
    warmup: { type: 'string', default: '3' },
    cap: { type: 'string', default: '30' },
    rates: { type: 'string' },
    // cold: fresh schema, VACUUM ANALYZE of the empty tables (§7); warm: first drain `--warmN`
    // jobs through the same workers, then VACUUM ANALYZE, as a table autovacuum has seen.
    mode: { type: 'string', default: 'cold' },
    warmN: { type: 'string', default: '500' },
  },
});
const scenario = positionals[0] ?? 'drain';
const N = Number(opt.n);

/** Starts W worker processes of a cell; ttops drain uses the real `ttops worker` binary. */
async function startWorkers(cell, url, mode, onStarts, count = 2) {
  const workers = [];
  for (let i = 1; i <= count; i++) {
    if (cell.system === 'ttops' && mode === 'noop') {
      const concurrency = cell.concurrency ? ['--concurrency', String(cell.concurrency)] : [];
      const child = spawn(NODES[cell.node], [path.join(ttopsRoot(cell), 'bin/ttops.js'), 'worker', '--id', String(i), ...concurrency], {
        cwd: '/tmp',
        env: { ...process.env, ...ttopsEnv(url, cell.env) },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      child.stdout.on('data', (d) => process.stdout.write(d));
      await new Promise((resolve, reject) => {
        // `say` writes the "running" line to stderr; anything else on stderr is passed on.
        child.stderr.on('data', (d) => (String(d).includes(' running (') ? resolve() : process.stderr.write(d)));
        child.once('exit', (c) => reject(new Error(`ttops worker exited ${c}`)));
      });
      workers.push({ child, pid: child.pid, stop: () => (child.kill('SIGTERM'), waitExit(child, 20_000)) });
    } else {
      const child = forkNode(NODES[cell.node], path.join(HERE, 'worker.mjs'), [JSON.stringify({ system: cell.system, url, cell, mode, instance: i })]);
      if (onStarts) child.on('message', (m) => m?.type === 'starts' && onStarts(m.items));
      const { pid } = await nextMessage(child, 'ready');
      workers.push({ child, pid, stop: () => (child.send({ type: 'stop' }), waitExit(child, 20_000)) });
    }
  }
  return workers;
}

async function vacuumAnalyze(url) {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  await c.query('VACUUM ANALYZE');
  await c.end();
}

async function drainOnce(name, rep) {
  const cell = CELLS[name];
  const db = `bq_drain_${name.replace(/-/g, '_')}_${rep}`;
  const url = dbUrl(db);
  await createDb(db);
  await adapters[cell.system].setup(url, cell);
  await vacuumAnalyze(url);
  const workers = await startWorkers(cell, url, 'noop');
  const client = await adapters[cell.system].client(url, cell);
  const counter = await makeCounter(url, cell.system);
  if (opt.mode === 'warm') {
    await client.addMany(Array.from({ length: Number(opt.warmN) }, (_, k) => ({ k: -k - 1 })));
    for (let t = wallNow(); (await counter.unfinished()) > 0 && wallNow() - t < 60_000; ) await sleep(100);
    await vacuumAnalyze(url);
  }
  const payloads = Array.from({ length: N }, (_, k) => ({ k }));
  await checkpoint();
  await sleep(1500);
  const load = loadavg();
  const s0 = await snapshot(db);
  const queries0 = counter.queries;
  const cpu0 = { node: cpuOf(workers.map((w) => w.pid)), pg: cpuOf(s0.pids) };

  const tEnqueue = wallNow();
  await client.addMany(payloads);
  const t0 = wallNow();
  let left = N;
  let t1;
  while (true) {
    left = await counter.unfinished();
    if (left === 0 || wallNow() - t0 > Number(opt.cap) * 1000) break;
    await sleep(left > N / 10 ? 100 : 10);
  }
  t1 = wallNow();
  const pidsEnd = (await snapshot(db)).pids;
  const cpu1 = { node: cpuOf(workers.map((w) => w.pid)), pg: cpuOf([...new Set([...s0.pids, ...pidsEnd])]) };
  await Promise.all(workers.map((w) => w.stop()));
  const counterQueries = counter.queries - queries0;
  await counter.close();
  await client.close();
  await sleep(500);
  const s1 = await snapshot(db);
  await dropDb(db);
  const done = N - left;
  return {
    cell: name,
    mode: opt.mode,
    rep,
    completed: done,
    seconds: r3((t1 - t0) / 1000),
    jobsPerSec: Math.round(done / ((t1 - t0) / 1000)),
    enqueueMs: Math.round(t0 - tEnqueue),
    commitsPerJob: r3((s1.commits - s0.commits - counterQueries) / done),
    walBytesPerJob: Math.round(lsnBytes(s0.lsn, s1.lsn) / done),
    otherDbCommits: s1.otherCommits - s0.otherCommits,
    nodeCpuMsPerJob: r3((cpu1.node - cpu0.node) / done),
    pgCpuMsPerJob: r3((cpu1.pg - cpu0.pg) / done),
    load,
  };
}

async function latencyCell(name, rates, rep) {
  const cell = CELLS[name];
  const db = `bq_lat_${name.replace(/-/g, '_')}_${rates.join('_')}_${rep}`;
  const url = dbUrl(db);
  await createDb(db);
  await adapters[cell.system].setup(url, cell);
  const starts = new Map();
  let duplicates = 0;
  const workers = await startWorkers(cell, url, 'latency', (items) => {
    for (const [k, lat, at] of items) {
      if (k < 0) continue;
      if (starts.has(k)) duplicates++;
      else starts.set(k, { lat, at });
    }
  });
  const out = [];
  for (const [i, rate] of rates.entries()) {
    const spec = { system: cell.system, url, cell, rate, warmupMs: Number(opt.warmup) * 1000, durationMs: Number(opt.duration) * 1000, maxInFlight: 64, kStart: (i + 1) * 1_000_000 };
    const producer = forkNode(NODES[cell.node], path.join(HERE, 'producer.mjs'), [JSON.stringify(spec)]);
    await nextMessage(producer, 'ready');
    const load = loadavg();
    const cpu0 = cpuOf(workers.map((w) => w.pid));
    producer.send({ type: 'go' });
    const res = await nextMessage(producer, 'done', spec.warmupMs + spec.durationMs + 60_000);
    const cpu1 = cpuOf(workers.map((w) => w.pid));
    await waitExit(producer);
    const deadline = wallNow() + 10_000;
    while (res.sent.some(([k]) => !starts.has(k)) && wallNow() < deadline) await sleep(50);
    const got = res.sent.filter(([k]) => starts.has(k));
    const lat = dist(got.map(([k]) => starts.get(k).lat));
    const add = dist(res.sent.map(([, , ms]) => ms));
    const afterReturn = dist(got.map(([k, t, ms]) => starts.get(k).at - (t + ms)));
    out.push({
      cell: name,
      rate,
      rep,
      achievedPerSec: r1(res.sent.length / (res.windowMs / 1000)),
      offered: res.offered,
      dropped: res.dropped,
      errors: res.errors,
      missing: res.sent.length - got.length,
      duplicates,
      ms: { p50: r2(lat.p50), p90: r2(lat.p90), p99: r2(lat.p99), max: r2(lat.max) },
      addMs: { p50: r2(add.p50), p99: r2(add.p99) },
      returnToStartMs: { p50: r2(afterReturn.p50), p99: r2(afterReturn.p99) },
      workerCpuPct: r1(((cpu1 - cpu0) / res.windowMs) * 100),
      load,
    });
    console.log(JSON.stringify(out.at(-1)));
  }
  await Promise.all(workers.map((w) => w.stop()));
  await dropDb(db);
  return out;
}

function drainTable(results) {
  const lines = ['| cell | config | jobs/s median (min–max) | commits/job | WAL bytes/job | node CPU ms/job | PG CPU ms/job | bulk enqueue ms | reps |', '|---|---|---|---|---|---|---|---|---|'];
  for (const name of [...new Set(results.map((r) => r.cell))]) {
    const rs = results.filter((r) => r.cell === name);
    const m = (f) => mmm(rs.map(f));
    const jps = m((r) => r.jobsPerSec);
    const partial = rs.some((r) => r.completed < N) ? ` (time-capped at ${opt.cap} s: ${rs.map((r) => r.completed).join('/')} done)` : '';
    lines.push(
      `| ${name} | ${CELLS[name].note} | **${Math.round(jps.median)}** (${jps.min}–${jps.max})${partial} | ${r3(m((r) => r.commitsPerJob).median)} | ${Math.round(m((r) => r.walBytesPerJob).median)} | ${r3(m((r) => r.nodeCpuMsPerJob).median)} | ${r3(m((r) => r.pgCpuMsPerJob).median)} | ${Math.round(m((r) => r.enqueueMs).median)} | ${rs.length} |`,
    );
  }
  return lines.join('\n');
}

/** One row per cell and rate: medians over reps, with the p99 range. */
function latencyTable(results) {
  const lines = ['| cell | offered/s | achieved/s | dropped | p50 | p90 | p99 median (min–max) | max | add() p50/p99 | return→start p50/p99 | worker CPU % | missing/dup | reps |', '|---|---|---|---|---|---|---|---|---|---|---|---|---|'];
  const keys = [...new Set(results.map((r) => `${r.cell}@${r.rate}`))].sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
  for (const key of keys) {
    const rs = results.filter((r) => `${r.cell}@${r.rate}` === key);
    const m = (f) => r2(mmm(rs.map(f)).median);
    const p99 = mmm(rs.map((r) => r.ms.p99));
    const sum = (f) => rs.reduce((a, r) => a + f(r), 0);
    lines.push(
      `| ${rs[0].cell} | ${rs[0].rate} | ${m((r) => r.achievedPerSec)} | ${sum((r) => r.dropped)} | ${m((r) => r.ms.p50)} | ${m((r) => r.ms.p90)} | **${r2(p99.median)}** (${p99.min}–${p99.max}) | ${m((r) => r.ms.max)} | ${m((r) => r.addMs.p50)}/${m((r) => r.addMs.p99)} | ${m((r) => r.returnToStartMs.p50)}/${m((r) => r.returnToStartMs.p99)} | ${m((r) => r.workerCpuPct)} | ${sum((r) => r.missing)}/${sum((r) => r.duplicates)} | ${rs.length} |`,
    );
  }
  return lines.join('\n');
}

const results = [];
const stamp = new Date().toISOString().replace(/[:.]/g, '-');
mkdirSync(path.join(HERE, 'results'), { recursive: true });
const save = () => writeFileSync(path.join(HERE, 'results', `${scenario}${scenario === 'drain' ? `-${opt.mode}` : ''}-${stamp}.json`), JSON.stringify({ scenario, opt, results }, null, 1));
if (scenario === 'drain') {
  const cells = opt.cells ? opt.cells.split(',') : DRAIN;
  for (let rep = 1; rep <= Number(opt.reps); rep++) {
    for (const name of cells) {
      if (opt.mode === 'warm' && CELLS[name].noWarm) continue;
      const r = await drainOnce(name, rep);
      results.push(r);
      save();
      console.log(JSON.stringify(r));
    }
  }
  console.log(`\n${drainTable(results)}`);
} else if (scenario === 'latency') {
  // Interleaved: each rep runs every rate for every cell (fresh database and workers each),
  // so background load on a shared box spreads over all systems alike.
  const cells = opt.cells ? opt.cells.split(',') : Object.keys(LATENCY);
  const rates = opt.rates ? opt.rates.split(',').map(Number) : [...new Set(cells.flatMap((c) => LATENCY[c]))].sort((a, b) => a - b);
  for (let rep = 1; rep <= Number(opt.reps); rep++) {
    for (const rate of rates) {
      for (const name of cells.filter((c) => LATENCY[c].includes(rate))) {
        results.push(...(await latencyCell(name, [rate], rep)));
        save();
      }
    }
  }
  console.log(`\n${latencyTable(results)}`);
} else {
  throw new Error(`unknown scenario ${scenario}`);
}
