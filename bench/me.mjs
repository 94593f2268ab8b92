#!/usr/bin/env node
/**
 * GET /v2/auth/me under load: ttops (one Node process, prod, PostgreSQL) against the stack
 * it replaces (FastAPI + uvicorn, one and two worker processes) on the same database, the
 * same users and the same tokens. Prints requests/s, p50, p99 and errors side by side.
 *
 *   node bench/me.mjs [--duration 10] [--warmup 2] [--connections 50] [--users N]
 *                     [--rate R] [--repeat N] [--retries N] [--quiet-timeout S] [--ttops-bin PATH] [--peers fastapi,fastapi-2w,fastapi-uvloop|none] [--cpu-prof] [--json]
 *
 * The box is shared by server, PostgreSQL and load generator; a run during which anything
 * else used more than 10% of a core is measured again (--retries) and flagged if it stays so.
 *
 * Needs: `npx tsc -p .` (dist/), PostgreSQL reachable as --pg-url (default
 * postgres://postgres@127.0.0.1:5432, trust auth), and for the peers Debian's python3-fastapi
 * python3-uvicorn python3-jwt python3-asyncpg. Creates and drops its own database.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import pg from 'pg';
import { ROOT, SYSTEM_PYTHON, TTOPS_BIN, checkQuiet, cpuSnapshot, freePort, machineInfo, quantile, round, startDaemon, table, waitForHttp, waitQuiet } from './lib.mjs';

const { values: flags } = parseArgs({
  options: {
    duration: { type: 'string', default: '10' },
    warmup: { type: 'string', default: '2' },
    connections: { type: 'string', default: '50' },
    users: { type: 'string' },
    rate: { type: 'string', default: '0' },
    repeat: { type: 'string', default: '1' },
    retries: { type: 'string', default: '5' },
    'quiet-timeout': { type: 'string', default: '60' },
    'ttops-bin': { type: 'string', default: TTOPS_BIN },
    peers: { type: 'string', default: 'fastapi,fastapi-2w,fastapi-uvloop' },
    'pg-url': { type: 'string', default: process.env.BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432' },
    'cpu-prof': { type: 'boolean', default: false },
    json: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (flags.help) {
  console.log('usage: node bench/me.mjs [--duration S] [--warmup S] [--connections N] [--users N] [--rate REQ_PER_S] [--repeat N] [--retries N] [--quiet-timeout S] [--ttops-bin PATH] [--peers fastapi,fastapi-2w,fastapi-uvloop|none] [--pg-url URL] [--cpu-prof] [--json]');
  process.exit(0);
}
const duration = Number(flags.duration);
const warmup = Number(flags.warmup);
const connections = Number(flags.connections);
/**
 * Distinct users, their tokens dealt round the connections; default one per connection, as
 * real clients are. `--users 1` is every connection asking for the same account (the setup
 * of results recorded before 2026-11-30), which flatters a server that batches lookups.
 */
const users = Math.max(1, Number(flags.users ?? connections));
/**
 * Requests/s across all connections; 0 = as fast as the server answers (closed loop). Note
 * autocannon meters a rate per second: each connection sends its quota back to back, then waits
 * for the next second, so this is bursty load, not an open-loop arrival process.
 */
const rate = Number(flags.rate);
/** Measured runs per server; the median by req/s is reported. */
const repeat = Math.max(1, Number(flags.repeat));
/** A run during which other processes used more than this % of one core is measured again, up to `retries` times. */
const MAX_OTHER_PCT = 10;
const retries = Number(flags.retries);
const quietTimeout = Number(flags['quiet-timeout']);
/** Another build of ttops to measure (an A/B of a change), default this checkout's bin/. */
const ttopsBin = path.resolve(flags['ttops-bin']);
const PEERS = {
  fastapi: { label: 'FastAPI+uvicorn, 1 worker', workers: 1, loop: 'asyncio' },
  'fastapi-2w': { label: 'FastAPI+uvicorn, 2 workers', workers: 2, loop: 'asyncio' },
  // What `uvicorn[standard]` would add; run only when Debian's python3-uvloop is installed.
  'fastapi-uvloop': { label: 'FastAPI+uvicorn+uvloop, 1 worker', workers: 1, loop: 'uvloop', optional: 'uvloop' },
};
let peers = flags.peers === 'none' ? [] : flags.peers.split(',').filter(Boolean);
for (const p of peers) if (!PEERS[p]) throw new Error(`unknown peer ${p}; known: ${Object.keys(PEERS).join(', ')}`);
const TARGET_RATIO = 5;
const TARGET_P99_MS = 10;

const log = (msg) => process.stderr.write(`[me] ${msg}\n`);

/** Whether the system python has the peer's packages; says how to get them if not. */
function pythonPeerAvailable() {
  const r = spawnSync(SYSTEM_PYTHON, ['-c', 'import fastapi, uvicorn, jwt, asyncpg'], { encoding: 'utf8' });
  if (r.status === 0) return true;
  console.error('The FastAPI peer needs Debian packages: run `apt-get install python3-fastapi python3-uvicorn python3-jwt python3-asyncpg` (peer rows skipped).');
  return false;
}

/** Versions of the peer's stack (uvicorn runs with --http h11; --loop per peer). */
function pythonStack() {
  const code = `import importlib.util as u, fastapi, uvicorn, jwt, asyncpg, pydantic, sys
print(sys.version.split()[0], fastapi.__version__, uvicorn.__version__, jwt.__version__, asyncpg.__version__, pydantic.VERSION, __import__('uvloop').__version__ if u.find_spec('uvloop') else '-')`;
  const [python, fastapi, uvicorn, pyjwt, asyncpg, pydantic, uvloop] = spawnSync(SYSTEM_PYTHON, ['-c', code], { encoding: 'utf8' }).stdout.trim().split(' ');
  return { python, fastapi, uvicorn, pyjwt, asyncpg, pydantic, uvloop, http: 'h11' };
}

/** Issues a license, redeems it as `username` and answers the access token. */
async function newUser(base, adminKey, username) {
  const issued = await fetch(`${base}/v2/license/issue`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'admin-api-key': adminKey },
    body: JSON.stringify({ plan: 'pro', ttl_days: 30 }),
  });
  if (issued.status !== 200 && issued.status !== 201) throw new Error(`license issue answered ${issued.status}: ${await issued.text()}`);
  const { key } = await issued.json();
  const redeemed = await fetch(`${base}/v2/auth/redeem-license`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password: 'bench-password-1', license_key: key }),
  });
  if (redeemed.status !== 200 && redeemed.status !== 201) throw new Error(`redeem answered ${redeemed.status}: ${await redeemed.text()}`);
  return (await redeemed.json()).access_token;
}

/** One autocannon run; latencies are kept per response (sub-ms), not autocannon's 1 ms buckets. Connection i sends tokens[i % n]. */
function load(url, tokens, seconds) {
  const latencies = [];
  let next = 0;
  const setupClient = (client) => client.setHeaders({ authorization: `Bearer ${tokens[next++ % tokens.length]}` });
  return new Promise((resolve, reject) => {
    const instance = autocannon(
      { url, connections, duration: seconds, setupClient, ...(rate > 0 ? { overallRate: rate } : {}) },
      (error, result) => (error ? reject(error) : resolve({ result, latencies })),
    );
    instance.on('response', (_client, _status, _bytes, ms) => latencies.push(ms));
  });
}

/** Warm-up, then the measured run, as one row of the table. */
async function measure(name, processes, baseUrl, tokens, pid) {
  const url = `${baseUrl}/v2/auth/me`;
  if (warmup > 0) {
    log(`${name}: warm-up ${warmup} s`);
    await load(url, tokens, warmup);
  }
  const runs = [];
  for (let i = 1; i <= repeat; i++) {
    let run;
    for (let attempt = 0; ; attempt++) {
      await waitQuiet('me', MAX_OTHER_PCT, quietTimeout);
      log(`${name}: ${duration} s at ${connections} connections${repeat > 1 ? ` (run ${i}/${repeat})` : ''}`);
      run = await measureOnce(url, tokens, pid);
      run.disturbed = run.cpu_pct.other > MAX_OTHER_PCT;
      if (!run.disturbed || attempt >= retries) break;
      log(`${name}: other processes used ${run.cpu_pct.other}% of a core during the run; measuring again`);
    }
    runs.push(run);
  }
  // The median run by req/s stands for the server; all runs stay in the JSON.
  const median = [...runs].sort((a, b) => a.rps - b.rps)[(runs.length - 1) >> 1];
  return { name, processes, ...median, all_200: runs.every((r) => r.all_200), ...(repeat > 1 ? { runs } : {}) };
}

/** One measured run: throughput, latency from every response, and who used the CPU. */
async function measureOnce(url, tokens, pid) {
  const before = cpuSnapshot(pid, 'postgres');
  const { result, latencies } = await load(url, tokens, duration);
  const after = cpuSnapshot(pid, 'postgres');
  const core = (key) => round((100 * (after[key] - before[key])) / (result.duration * 1000), 0);
  const perProcess = Object.entries(after.byPid)
    .map(([p, ms]) => round((100 * (ms - (before.byPid[p] ?? 0))) / (result.duration * 1000), 0))
    .filter((pct) => pct > 0)
    .sort((a, b) => b - a);
  latencies.sort((a, b) => a - b);
  const statuses = Object.fromEntries(Object.entries(result.statusCodeStats).map(([code, { count }]) => [code, count]));
  const ok = statuses['200'] ?? 0;
  const bad = result.errors + result.timeouts + result.non2xx + (result['1xx'] ?? 0);
  return {
    requests: result.requests.total,
    rps: round(ok / result.duration, 0),
    p50_ms: round(quantile(latencies, 0.5), 2),
    p99_ms: round(quantile(latencies, 0.99), 2),
    max_ms: round(latencies.at(-1), 1),
    errors: result.errors + result.timeouts,
    non2xx: result.non2xx,
    statuses,
    // Server CPU per answered request: steadier than req/s when the box is shared.
    server_cpu_us_per_request: round(((after.server - before.server) * 1000) / Math.max(1, result.requests.total), 0),
    cpu_pct: { server: core('server'), server_by_process: perProcess, postgres: core('named'), loadgen: core('loadgen'), other: Math.max(0, core('box') - core('server') - core('named') - core('loadgen')) },
    all_200: bad === 0 && ok === result.requests.total && ok > 0,
  };
}

async function getMe(baseUrl, token) {
  const res = await fetch(`${baseUrl}/v2/auth/me`, { headers: { authorization: `Bearer ${token}` } });
  return { status: res.status, body: await res.json().catch(() => undefined) };
}

async function adminQuery(sql) {
  const client = new pg.Client({ connectionString: `${flags['pg-url']}/postgres` });
  await client.connect();
  try {
    return (await client.query(sql)).rows;
  } finally {
    await client.end();
  }
}

async function main() {
  if (peers.length && !pythonPeerAvailable()) peers = [];
  peers = peers.filter((p) => {
    const module = PEERS[p].optional;
    if (!module || spawnSync(SYSTEM_PYTHON, ['-c', `import ${module}`]).status === 0) return true;
    log(`peer ${p} skipped: apt-get install python3-${module} to include it`);
    return false;
  });
  const busyBefore = await checkQuiet('me');
  const dbName = `ttops_bench_${process.pid}`;
  const databaseUrl = `${flags['pg-url']}/${dbName}`;
  const home = mkdtempSync(path.join(os.tmpdir(), 'ttops-bench-'));
  const emptyEnvFile = path.join(home, 'empty.env');
  writeFileSync(emptyEnvFile, '');
  const secrets = { JWT_SECRET: randomBytes(48).toString('base64url'), ADMIN_API_KEY: randomBytes(32).toString('base64url') };
  // A minimal environment: the loader rejects unknown TTOPS_* names, and nothing from the
  // caller's shell (PORT, HOST, …) should leak into the measurement.
  const env = { PATH: process.env.PATH, HOME: process.env.HOME, TTOPS_ENV: 'prod', TTOPS_HOME: home, DATABASE_URL: databaseUrl, LOG_LEVEL: 'warn', AUTH_RATE_LIMIT: String(users + 10), ...secrets };
  const daemons = [];
  const cleanup = async () => {
    for (const d of daemons.splice(0)) await d.stop().catch(() => {});
    await adminQuery(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`).catch((e) => log(`could not drop ${dbName}: ${e.message}`));
    rmSync(home, { recursive: true, force: true });
  };
  const onSignal = () => cleanup().finally(() => process.exit(130));
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);

  try {
    const [{ version: postgres }] = await adminQuery('SHOW server_version').then((rows) => rows.map((r) => ({ version: r.server_version })));
    await adminQuery(`CREATE DATABASE ${dbName}`);
    log(`database ${dbName} created; migrating`);
    const migrate = spawnSync(process.execPath, [ttopsBin, '--env-file', emptyEnvFile, 'migrate', 'up'], { env, cwd: home, encoding: 'utf8' });
    if (migrate.status !== 0) throw new Error(`ttops migrate up failed (${migrate.status}):\n${migrate.stdout}${migrate.stderr}`);

    // ttops: one Node process.
    const port = await freePort();
    const nodeArgs = [];
    let profileDir;
    if (flags['cpu-prof']) {
      profileDir = path.join(ROOT, 'bench', 'results', 'profiles');
      mkdirSync(profileDir, { recursive: true });
      nodeArgs.push('--cpu-prof', `--cpu-prof-dir=${profileDir}`);
    }
    const ttops = startDaemon('ttops serve', process.execPath, [...nodeArgs, ttopsBin, '--env-file', emptyEnvFile, 'serve', '--host', '127.0.0.1', '--port', String(port)], {
      env,
      cwd: home,
      ready: /ttops serve listening on http:\/\/127\.0\.0\.1:\d+/,
    });
    daemons.push(ttops);
    await ttops.started;
    const base = `http://127.0.0.1:${port}`;

    log(`creating ${users} user${users === 1 ? '' : 's'}`);
    const tokens = [];
    for (let i = 0; i < users; i++) tokens.push(await newUser(base, secrets.ADMIN_API_KEY, i === 0 ? 'bench_user' : `bench_user_${i}`));
    const [token] = tokens;

    const reference = await getMe(base, token);
    if (reference.status !== 200) throw new Error(`ttops /me answered ${reference.status}: ${JSON.stringify(reference.body)}`);
    const rows = [await measure('ttops (Node, 1 process)', 1, base, tokens, ttops.child.pid)];
    await ttops.stop();
    daemons.splice(daemons.indexOf(ttops), 1);
    const profiles = profileDir ? `written to ${path.relative(ROOT, profileDir)}/` : undefined;

    let stack;
    const mismatches = [];
    for (const peer of peers) {
      stack ??= pythonStack();
      const { label, workers, loop } = PEERS[peer];
      const peerPort = await freePort();
      const uvicorn = startDaemon(label, SYSTEM_PYTHON, ['-m', 'uvicorn', 'fastapi_me:app', '--app-dir', path.join(ROOT, 'bench', 'peers'), '--host', '127.0.0.1', '--port', String(peerPort), '--workers', String(workers), '--loop', loop, '--http', 'h11', '--no-access-log', '--log-level', 'warning'], { env, cwd: home });
      daemons.push(uvicorn);
      const peerBase = `http://127.0.0.1:${peerPort}`;
      await waitForHttp(`${peerBase}/v2/auth/me`, uvicorn);
      // Each worker opens its pool at startup; give all of them a moment after the first answers.
      await new Promise((r) => setTimeout(r, 1000));
      const same = await getMe(peerBase, token);
      const bad = await getMe(peerBase, `${token}x`);
      if (same.status !== 200 || JSON.stringify(same.body) !== JSON.stringify(reference.body) || bad.status !== 401) {
        mismatches.push({ peer, status: same.status, body: same.body, bad_token_status: bad.status });
      }
      rows.push(await measure(label, workers, peerBase, tokens, uvicorn.child.pid));
      await uvicorn.stop();
      daemons.splice(daemons.indexOf(uvicorn), 1);
    }

    const [ours, ...others] = rows;
    const onePeer = others.find((r) => r.processes === 1);
    const report = {
      benchmark: 'GET /v2/auth/me',
      machine: { ...machineInfo(), postgres, busy_before: busyBefore },
      python: stack,
      settings: { duration_s: duration, warmup_s: warmup, repeat, connections, users, rate: rate || 'unlimited', pipelining: 1, pg_pool: 10 },
      command: `node bench/me.mjs --duration ${duration} --warmup ${warmup} --connections ${connections} --users ${users}${rate ? ` --rate ${rate}` : ''}${repeat > 1 ? ` --repeat ${repeat}` : ''}${ttopsBin !== TTOPS_BIN ? ` --ttops-bin ${ttopsBin}` : ''} --peers ${peers.join(',') || 'none'}`,
      results: rows,
      targets: {
        rps_ratio_vs_fastapi_1_worker: onePeer ? round(ours.rps / onePeer.rps, 2) : undefined,
        rps_ratio_met: onePeer ? ours.rps >= TARGET_RATIO * onePeer.rps : undefined,
        rps_ratio_target: TARGET_RATIO,
        p99_ms: ours.p99_ms,
        p99_target_ms: TARGET_P99_MS,
        p99_met: ours.p99_ms <= TARGET_P99_MS,
      },
      peer_body_mismatches: mismatches,
      all_200: rows.every((r) => r.all_200),
      profiles,
    };

    if (flags.json) console.log(JSON.stringify(report, null, 2));
    else printHuman(report);
    if (!report.all_200) {
      for (const r of rows.filter((x) => !x.all_200)) console.error(`\n!!! WARNING: ${r.name}: not every response was 200 — statuses ${JSON.stringify(r.statuses)}, errors ${r.errors}. The numbers above are not valid. !!!`);
      process.exitCode = 1;
    }
    if (mismatches.length) {
      console.error(`\n!!! WARNING: a peer did not answer like ttops: ${JSON.stringify(mismatches)} !!!`);
      process.exitCode = 1;
    }
  } finally {
    await cleanup();
  }
}

function printHuman(r) {
  const m = r.machine;
  console.log(`${r.benchmark} — ${r.settings.connections} connections, ${r.settings.users ?? 1} user${(r.settings.users ?? 1) === 1 ? '' : 's'}, ${r.settings.rate === 'unlimited' ? 'closed loop' : `${r.settings.rate} req/s offered`}, ${r.settings.duration_s} s after ${r.settings.warmup_s} s warm-up${r.settings.repeat > 1 ? `, median of ${r.settings.repeat} runs` : ''}`);
  console.log(`machine: ${m.nproc} CPU (${m.cpu}), ${m.ram_gib} GiB, Node ${m.node}, PostgreSQL ${m.postgres}`);
  if (r.python) console.log(`peer: Python ${r.python.python}, FastAPI ${r.python.fastapi}, uvicorn ${r.python.uvicorn} (h11; asyncio loop unless the row says uvloop ${r.python.uvloop}), PyJWT ${r.python.pyjwt}, asyncpg ${r.python.asyncpg}, pydantic ${r.python.pydantic}`);
  console.log('');
  const ours = r.results[0];
  const rows = r.results.map((x) => ({ ...x, 'ttops ×': round(ours.rps / x.rps, 2), 'req/s': x.rps, 'p50 ms': x.p50_ms, 'p99 ms': x.p99_ms, 'max ms': x.max_ms, 'errors/non-2xx': `${x.errors}/${x.non2xx}`, 'server CPU µs/req': x.server_cpu_us_per_request, 'CPU % server/pg/loadgen/other': `${x.cpu_pct.server}${x.cpu_pct.server_by_process.length > 1 ? ` (${x.cpu_pct.server_by_process.join('+')})` : ''}/${x.cpu_pct.postgres}/${x.cpu_pct.loadgen}/${x.cpu_pct.other}` }));
  console.log(table(rows, ['name', 'processes', 'requests', 'req/s', 'p50 ms', 'p99 ms', 'max ms', 'errors/non-2xx', 'ttops ×', 'server CPU µs/req', 'CPU % server/pg/loadgen/other']));
  console.log(`(CPU % is of one core over the measured run; the box has ${m.nproc} cores shared by server, PostgreSQL and the load generator; "other" is everything else on the box)`);
  const disturbed = r.results.filter((x) => (x.runs ?? [x]).some((run) => run.disturbed));
  if (disturbed.length) console.log(`WARNING: other processes used >10% of a core during: ${disturbed.map((x) => x.name).join('; ')} — rerun on a quiet box.`);
  console.log('');
  const t = r.targets;
  if (t.rps_ratio_vs_fastapi_1_worker !== undefined) console.log(`target ≥${t.rps_ratio_target}× FastAPI (1 worker) req/s: ${t.rps_ratio_vs_fastapi_1_worker}× — ${t.rps_ratio_met ? 'met' : 'NOT met'}`);
  console.log(`target p99 ≤ ${t.p99_target_ms} ms: ${t.p99_ms} ms — ${t.p99_met ? 'met' : 'NOT met'}`);
  if (r.profiles) console.log(`ttops CPU profile ${r.profiles} (summarise with node bench/profile-top.mjs <file>)`);
}

await main();
