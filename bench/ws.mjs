#!/usr/bin/env node
/**
 * The live WebSocket under load: event-to-action latency, server RSS and CPU of `ttops serve`
 * against a bare `ws` broadcast server (bench/peers/ws-floor.mjs: no auth, no triggers, the
 * floor), in one run, cells in turns. Then TTS in-process: espeak synthesis and cache hits.
 *
 *   node bench/ws.mjs [--streamers 500] [--sockets 2] [--rate 2000] [--duration 10] [--warmup 3]
 *                     [--repeat 3] [--one-sockets 1000] [--one-rate 20] [--tts-texts 20]
 *                     [--cells fanout,one,tts] [--pg-url URL] [--quiet-timeout S]
 *                     [--cpu-prof] [--json] [--help]
 *
 * ttops: `serve --workers 0`, TTOPS_ENV=dev, LOG_LEVEL=warn, fresh random secrets, SQLite
 * (or PostgreSQL with --pg-url: a database of its own, dropped at the end). Each streamer has
 * an uploaded mp3 (made once with espeak-ng + lame) and a gift trigger that plays it. Events
 * go in through `POST /v2/live/simulate` with the streamer's bearer token, open loop (sent
 * when due, not when the previous answered), from this process; the sockets live in a child
 * process (bench/ws-clients.mjs). Latency = from when the request was due to each socket
 * receiving the `action` frame, over every socket delivery.
 *
 * Needs: `npx tsc -p .` (dist/), espeak-ng and lame.
 */
import { fork, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { Pool } from 'undici';
import { ROOT, TTOPS_BIN, cpuSnapshot, freePort, machineInfo, quantile, round, startDaemon, table, waitQuiet } from './lib.mjs';

const { values: flags } = parseArgs({
  options: {
    streamers: { type: 'string', default: '500' },
    sockets: { type: 'string', default: '2' },
    rate: { type: 'string', default: '2000' },
    duration: { type: 'string', default: '10' },
    warmup: { type: 'string', default: '3' },
    repeat: { type: 'string', default: '3' },
    'one-sockets': { type: 'string', default: '1000' },
    'one-rate': { type: 'string', default: '20' },
    'tts-texts': { type: 'string', default: '20' },
    cells: { type: 'string', default: 'fanout,one,tts' },
    'pg-url': { type: 'string' },
    'quiet-timeout': { type: 'string', default: '15' },
    'ttops-bin': { type: 'string', default: TTOPS_BIN },
    // What bin/ttops and the systemd units give serve; the bench runs bin/ttops.js with node directly.
    'node-flags': { type: 'string', default: '--max-semi-space-size=4' },
    compare: { type: 'string', multiple: true, default: [] },
    'cpu-prof': { type: 'boolean', default: false },
    json: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (flags.help) {
  console.log(`usage: node bench/ws.mjs [--streamers N] [--sockets PER_STREAMER] [--rate EVENTS_PER_S] [--duration S] [--warmup S]
                     [--repeat N] [--one-sockets N] [--one-rate EVENTS_PER_S] [--tts-texts N]
                     [--cells fanout,one,tts] [--pg-url postgres://…] [--quiet-timeout S] [--ttops-bin PATH] [--node-flags FLAGS] [--compare PATH]… [--cpu-prof] [--json]
Defaults: 500 streamers × 2 sockets, 2,000 events/s in total, 10 s cells after 3 s warm-up, 3 repetitions;
one streamer with 1,000 sockets at 20 events/s; 20 TTS texts. SQLite unless --pg-url is given.
--compare [LABEL=]PATH[|NODE_FLAGS] adds another ttops build (its bin/ttops.js), optionally with node flags,
as a target in the same run, for before/after. --node-flags (default --max-semi-space-size=4, as bin/ttops
and the systemd units run serve) are the node flags of the main ttops target; '' for none.`);
  process.exit(0);
}
const N = Number(flags.streamers);
const PER = Number(flags.sockets);
const RATE = Number(flags.rate);
const DURATION = Number(flags.duration);
const WARMUP = Number(flags.warmup);
const REPEAT = Math.max(1, Number(flags.repeat));
const ONE_SOCKETS = Number(flags['one-sockets']);
const ONE_RATE = Number(flags['one-rate']);
const CELLS = new Set(flags.cells.split(',').filter(Boolean));
const TARGETS = { p99_ms: 25, p99_vs_floor: 2, rss_mb: 150 };
const DIST = path.join(ROOT, 'dist', 'src');

const log = (msg) => process.stderr.write(`[ws] ${msg}\n`);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const nowUs = () => Number(process.hrtime.bigint() / 1000n);
const distImport = (rel) => import(pathToFileURL(path.join(DIST, rel)).href);

/** A real, tiny mp3: espeak-ng speaks, lame encodes. */
function makeMp3(dir) {
  const wav = path.join(dir, 'rose.wav');
  const mp3 = path.join(dir, 'rose.mp3');
  for (const [cmd, args] of [['espeak-ng', ['-v', 'en', '-w', wav, 'rose']], ['lame', ['--quiet', '-b', '32', wav, mp3]]]) {
    const r = spawnSync(cmd, args, { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`${cmd} failed (${r.error?.message ?? r.stderr}); install espeak-ng and lame`);
  }
  return readFileSync(mp3);
}

/** RSS (MB) of `pid` now, from /proc. */
function rssMb(pid) {
  try {
    return Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))[1]) / 1024;
  } catch {
    return undefined;
  }
}

/** The clients child: request/response over IPC, one command at a time. */
function startClients() {
  const child = fork(path.join(ROOT, 'bench', 'ws-clients.mjs'), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], serialization: 'advanced' });
  const waiting = [];
  child.on('message', (m) => waiting.shift()?.(m));
  const exited = new Promise((r) => child.on('exit', r));
  return {
    child,
    async call(msg) {
      const reply = await new Promise((resolve) => {
        waiting.push(resolve);
        child.send(msg);
      });
      if (!reply.ok) throw new Error(`clients: ${reply.error}`);
      return reply;
    },
    async stop() {
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      await exited;
    },
  };
}

/**
 * Open-loop load: request k is due at start + k/rate and is stamped with that time, so a
 * slow server shows as latency instead of as fewer requests (no coordinated omission).
 */
async function runLoad(pool, { rate, seconds, tag, request }) {
  const total = Math.round(rate * seconds);
  const start = nowUs();
  const statuses = {};
  const http = [];
  const lag = [];
  const outstanding = new Set();
  let sent = 0;
  let errors = 0;
  const sendOne = (k) => {
    const due = start + Math.round((k * 1e6) / rate);
    lag.push((nowUs() - due) / 1000);
    const { path: p, headers, body, streamer } = request(k, `${tag}:${k}:${due}`);
    const promise = pool
      .request({ method: 'POST', path: p, headers, body })
      .then(async (res) => {
        await res.body.dump();
        statuses[res.statusCode] = (statuses[res.statusCode] ?? 0) + 1;
        http.push((nowUs() - due) / 1000);
        return res.statusCode === 200 ? streamer : undefined;
      })
      .catch(() => {
        errors++;
        return undefined;
      });
    outstanding.add(promise);
    promise.finally(() => outstanding.delete(promise));
    return promise;
  };
  const okBy = new Map();
  await new Promise((resolve) => {
    const tick = () => {
      const due = Math.min(total, Math.floor(((nowUs() - start) * rate) / 1e6) + 1);
      while (sent < due) {
        sendOne(sent++).then((s) => s !== undefined && okBy.set(s, (okBy.get(s) ?? 0) + 1));
      }
      if (sent >= total) resolve();
      else setTimeout(tick, 1);
    };
    tick();
  });
  await Promise.all([...outstanding]);
  http.sort((a, b) => a - b);
  lag.sort((a, b) => a - b);
  return { sent, errors, statuses, okBy, http_p50_ms: quantile(http, 0.5), http_p99_ms: quantile(http, 0.99), sender_lag_p99_ms: quantile(lag, 0.99), seconds: (nowUs() - start) / 1e6 };
}

/** One measured cell against one target: load, RSS sampling, CPU, deliveries. */
async function cell(target, clients, { tag, rate, seconds, socketsOf, measure = true }) {
  if (measure) await waitQuiet('ws', 10, Number(flags['quiet-timeout']));
  const pid = target.pid;
  let peak = rssMb(pid) ?? 0;
  const sampler = setInterval(() => (peak = Math.max(peak, rssMb(pid) ?? 0)), 200);
  const before = cpuSnapshot(pid, 'postgres');
  const clientsBefore = cpuSnapshot(clients.child.pid).server;
  const load = await runLoad(target.pool, { rate, seconds, tag, request: target.request });
  await sleep(1000); // deliveries still in flight
  const after = cpuSnapshot(pid, 'postgres');
  const clientsCpu = cpuSnapshot(clients.child.pid).server - clientsBefore;
  clearInterval(sampler);
  const got = await clients.call({ cmd: 'collect', tag });
  const wall = (load.seconds + 1) * 1000;
  const pct = (ms) => round((100 * ms) / wall, 0);
  let expected = 0;
  for (const [s, n] of load.okBy) expected += n * socketsOf(s);
  const ok = load.statuses[200] ?? 0;
  const serverCpu = after.server - before.server;
  const pgCpu = after.named - before.named;
  const self = after.loadgen - before.loadgen;
  return {
    target: target.name,
    events_sent: load.sent,
    events_ok: ok,
    non200: load.sent - ok - load.errors,
    errors: load.errors,
    deliveries: got.deliveries,
    expected,
    missing: expected - got.deliveries,
    p50_ms: round(got.p50_ms, 2),
    p99_ms: round(got.p99_ms, 2),
    p999_ms: round(got.p999_ms, 2),
    max_ms: round(got.max_ms, 1),
    http_p50_ms: round(load.http_p50_ms, 2),
    http_p99_ms: round(load.http_p99_ms, 2),
    sender_lag_p99_ms: round(load.sender_lag_p99_ms, 2),
    rss_peak_mb: round(peak, 0),
    rss_end_mb: round(rssMb(pid), 0),
    server_cpu_pct: pct(serverCpu),
    server_cpu_us_per_event: round((serverCpu * 1000) / Math.max(1, ok), 0),
    cpu_pct: { postgres: pct(pgCpu), clients: pct(clientsCpu), sender: pct(self), other: Math.max(0, pct(after.box - before.box - serverCpu - pgCpu - clientsCpu - self)) },
    sockets_open: got.open,
    closes: got.closes,
  };
}

/** The median of a list of cells per field that matters; the runs stay in the JSON. */
function summarise(runs) {
  const med = (key) => {
    const v = runs.map((r) => r[key]).sort((a, b) => a - b);
    return v[(v.length - 1) >> 1];
  };
  const max = (key) => Math.max(...runs.map((r) => r[key]));
  const sum = (key) => runs.reduce((a, r) => a + r[key], 0);
  return {
    target: runs[0].target,
    runs: runs.length,
    p50_ms: med('p50_ms'),
    p99_ms: med('p99_ms'),
    p99_range_ms: `${Math.min(...runs.map((r) => r.p99_ms))}–${max('p99_ms')}`,
    max_ms: max('max_ms'),
    http_p99_ms: med('http_p99_ms'),
    rss_peak_mb: max('rss_peak_mb'),
    server_cpu_pct: med('server_cpu_pct'),
    server_cpu_us_per_event: med('server_cpu_us_per_event'),
    deliveries: sum('deliveries'),
    missing: sum('missing'),
    non200_or_errors: sum('non200') + sum('errors'),
    other_cpu_pct_max: Math.max(...runs.map((r) => r.cpu_pct.other)),
    all: runs,
  };
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

/** Starts `ttops serve` and creates the streamers: license, account, token, sound, trigger. */
async function startTtops(root, daemons, dbName, bin, name, nodeOptions) {
  const home = path.join(root, name.replace(/\W+/g, '_'));
  mkdirSync(home, { recursive: true });
  const secrets = { JWT_SECRET: randomBytes(48).toString('base64url'), ADMIN_API_KEY: randomBytes(32).toString('base64url') };
  const mediaDir = path.join(home, 'media');
  const databaseUrl = flags['pg-url'] ? `${flags['pg-url']}/${dbName}` : undefined;
  const env = { PATH: process.env.PATH, HOME: process.env.HOME, TTOPS_ENV: 'dev', TTOPS_HOME: home, LOG_LEVEL: 'warn', TTS_ENGINE: 'espeak', LIVE_SOURCE: 'replay', ...secrets, ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}) };
  const emptyEnv = path.join(home, 'empty.env');
  writeFileSync(emptyEnv, '');
  const port = await freePort();
  const nodeArgs = nodeOptions ? nodeOptions.split(/\s+/).filter(Boolean) : [];
  if (flags['cpu-prof']) {
    const dir = path.join(ROOT, 'bench', 'results', 'profiles');
    mkdirSync(dir, { recursive: true });
    nodeArgs.push('--cpu-prof', `--cpu-prof-dir=${dir}`);
  }
  const serve = startDaemon(name, process.execPath, [...nodeArgs, bin, '--env-file', emptyEnv, 'serve', '--workers', '0', '--host', '127.0.0.1', '--port', String(port)], {
    env,
    cwd: home,
    ready: /ttops serve listening on http:\/\/127\.0\.0\.1:\d+/,
  });
  daemons.push(serve);
  await serve.started;
  const base = `http://127.0.0.1:${port}`;

  // Accounts straight through the store with one password hash (600,000 PBKDF2 rounds each
  // would take minutes on two cores); keys come from the admin API, tokens from the same secret.
  log(`creating ${N} streamers`);
  const issued = [];
  for (let left = N; left > 0; left -= 1000) {
    const res = await fetch(`${base}/v2/license/issue`, { method: 'POST', headers: { 'content-type': 'application/json', 'admin-api-key': secrets.ADMIN_API_KEY }, body: JSON.stringify({ plan: 'pro', ttl_days: 30, count: Math.min(1000, left) }) });
    if (res.status !== 200 && res.status !== 201) throw new Error(`license issue answered ${res.status}: ${await res.text()}`);
    const body = await res.json();
    issued.push(...(Array.isArray(body) ? body : [body]));
  }
  const [{ openStore }, { hashPassword }, { TokenIssuer }, { hashKey, normalizeKey }] = await Promise.all([distImport('store/open.js'), distImport('auth/password.js'), distImport('auth/jwt.js'), distImport('licenses/key.js')]);
  const store = await openStore({ home, databaseUrl });
  const passwordHash = await hashPassword('bench-password-1');
  const tokens = new TokenIssuer(secrets.JWT_SECRET, 30);
  const streamers = [];
  try {
    for (let i = 0; i < N; i++) {
      const { user } = await store.redeemLicense({ keyHash: hashKey(normalizeKey(issued[i].key)), now: new Date().toISOString(), actor: 'bench', account: { kind: 'new', username: `bench_${i}`, passwordHash } });
      const { token } = await tokens.issue(user.id, user.tokenVersion, new Date(user.licenseExpiresAt));
      streamers.push({ id: user.id, token });
    }
  } finally {
    await store.close();
  }

  const mp3 = makeMp3(home);
  const setup = new Pool(base, { connections: 8 });
  let next = 0;
  const lane = async () => {
    while (next < streamers.length) {
      const s = streamers[next++];
      const auth = { authorization: `Bearer ${s.token}` };
      const form = new FormData();
      form.append('file', new Blob([mp3], { type: 'audio/mpeg' }), 'rose.mp3');
      const up = await fetch(`${base}/v2/sounds/upload`, { method: 'POST', headers: auth, body: form });
      if (up.status !== 201) throw new Error(`upload answered ${up.status}: ${await up.text()}`);
      const { filename } = await up.json();
      const trig = await setup.request({ method: 'POST', path: '/v2/triggers/set', headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify({ event_type: 'gift', condition_key: 'gift_name', condition_value: 'Rose', action: 'play_sound', action_params: { sound: filename, volume: 80 } }) });
      if (trig.statusCode !== 200) throw new Error(`trigger set answered ${trig.statusCode}: ${await trig.body.text()}`);
      await trig.body.dump();
    }
  };
  await Promise.all(Array.from({ length: 8 }, lane));
  await setup.close();

  const headers = streamers.map((s) => ({ authorization: `Bearer ${s.token}`, 'content-type': 'application/json' }));
  return {
    name,
    pid: serve.child.pid,
    daemon: serve,
    base,
    mediaDir,
    streamers,
    wsUrl: (i) => `ws://127.0.0.1:${port}/v2/ws?token=${streamers[i].token}`,
    pool: new Pool(base, { connections: 32, pipelining: 1 }),
    request: (k, msgId, pick = (x) => x % N) => {
      const i = pick(k);
      return { path: '/v2/live/simulate', headers: headers[i], body: giftBody(msgId), streamer: i };
    },
  };
}

/** The gift each simulated event is: a Rose, non-streakable, so it acts at once. */
function giftBody(msgId) {
  return JSON.stringify({ event_type: 'gift', msg_id: msgId, gift_id: '5655', gift_name: 'Rose', diamond_count: 1, repeat_count: 1, repeat_end: true, streakable: false, nickname: 'Ann', unique_id: 'ann' });
}

async function startFloor(daemons) {
  const floor = startDaemon('ws-floor', process.execPath, [path.join(ROOT, 'bench', 'peers', 'ws-floor.mjs'), '--port', '0'], { ready: /ws-floor listening on http:\/\/127\.0\.0\.1:\d+/ });
  daemons.push(floor);
  await floor.started;
  const port = Number(/127\.0\.0\.1:(\d+)/.exec(floor.output())[1]);
  const headers = { 'content-type': 'application/json' };
  return {
    name: 'ws floor',
    pid: floor.child.pid,
    daemon: floor,
    wsUrl: (i) => `ws://127.0.0.1:${port}/?s=${i}`,
    pool: new Pool(`http://127.0.0.1:${port}`, { connections: 32, pipelining: 1 }),
    request: (k, msgId, pick = (x) => x % N) => {
      const i = pick(k);
      return { path: '/emit', headers, body: `{"streamer":${i},"event":${giftBody(msgId)}}`, streamer: i };
    },
  };
}

/** Opens `count` sockets per target, as `urlOf(target, j)`. */
async function openSockets(clients, targets, count, urlOf) {
  for (const t of targets) {
    const urls = Array.from({ length: count }, (_, j) => urlOf(t, j));
    const { opened } = await clients.call({ cmd: 'open', urls, concurrency: 50 });
    if (opened !== count) throw new Error(`${t.name}: only ${opened} of ${count} sockets opened`);
  }
}

/** Warm-up, then `REPEAT` rounds with the targets in turns (order flipped each round). */
async function phase(name, clients, targets, { rate, socketsOf, pick }) {
  const withPick = targets.map((t, i) => ({ ...t, index: i, request: (k, id) => t.request(k, id, pick) }));
  for (const t of withPick) {
    log(`${name}: ${t.name} warm-up ${WARMUP} s`);
    await cell(t, clients, { tag: `w${t.index}`, rate, seconds: WARMUP, socketsOf, measure: false });
  }
  const runs = Object.fromEntries(targets.map((t) => [t.name, []]));
  for (let r = 0; r < REPEAT; r++) {
    const order = r % 2 === 0 ? withPick : [...withPick].reverse();
    for (const t of order) {
      log(`${name}: ${t.name} ${DURATION} s at ${rate} events/s (round ${r + 1}/${REPEAT})`);
      runs[t.name].push(await cell(t, clients, { tag: `${name[0]}${t.index}r${r}`, rate, seconds: DURATION, socketsOf }));
    }
  }
  return targets.map((t) => summarise(runs[t.name]));
}

/** TTS in-process: N distinct texts synthesised by espeak (cold), then the same texts again (cache hits). */
async function ttsCell(dir) {
  const { makeTts } = await distImport('tts/make.js');
  const tts = makeTts({ engine: 'espeak', mediaDir: dir });
  const count = Number(flags['tts-texts']);
  const salt = randomBytes(3).toString('hex');
  const texts = Array.from({ length: count }, (_, i) => `Спасибо за розу, подарок номер ${i + 1} ${salt}`);
  const time = async (text) => {
    const t0 = nowUs();
    const clip = await tts.speak(text);
    return { ms: (nowUs() - t0) / 1000, cached: clip.cached, ext: clip.ext };
  };
  const cold = [];
  for (const text of texts) cold.push(await time(text));
  const hits = [];
  for (let round = 0; round < 50; round++) for (const text of texts) hits.push(await time(text));
  const stats = (xs) => {
    const v = xs.map((x) => x.ms).sort((a, b) => a - b);
    return { n: v.length, p50_ms: round(quantile(v, 0.5), 3), p99_ms: round(quantile(v, 0.99), 3), max_ms: round(v.at(-1), 3) };
  };
  return { engine: 'espeak', format: cold[0]?.ext, voice: 'default (ru-RU-SvetlanaNeural → espeak ru)', synthesis: { ...stats(cold), all_uncached: cold.every((x) => !x.cached) }, cache_hit: { ...stats(hits), all_cached: hits.every((x) => x.cached) } };
}

async function main() {
  const home = mkdtempSync(path.join(os.tmpdir(), 'ttops-bench-ws-'));
  const builds = [{ name: 'ttops', bin: flags['ttops-bin'], nodeOptions: flags['node-flags'] }, ...flags.compare.map((c) => {
    const [spec, nodeOptions] = c.split('|');
    const [label, bin] = spec.includes('=') ? spec.split(/=(.*)/s) : [path.basename(path.dirname(path.dirname(path.resolve(spec)))), spec];
    return { name: `ttops ${label}`, bin: path.resolve(bin), nodeOptions };
  })];
  const dbNames = builds.map((_, i) => `ttops_bench_ws_${process.pid}_${i}`);
  const daemons = [];
  let clients;
  const pools = [];
  const cleanup = async () => {
    await clients?.stop().catch(() => {});
    for (const p of pools.splice(0)) await p.destroy().catch(() => {});
    for (const d of daemons.splice(0)) await d.stop().catch(() => {});
    if (flags['pg-url']) for (const db of dbNames) await adminQuery(`DROP DATABASE IF EXISTS ${db} WITH (FORCE)`).catch((e) => log(`could not drop ${db}: ${e.message}`));
    rmSync(home, { recursive: true, force: true });
  };
  const onSignal = () => cleanup().finally(() => process.exit(130));
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);

  const report = { benchmark: 'live WebSocket: event → action', machine: machineInfo(), engine: flags['pg-url'] ? 'postgres' : 'sqlite', settings: { streamers: N, sockets_per_streamer: PER, rate: RATE, duration_s: DURATION, warmup_s: WARMUP, repeat: REPEAT, one_sockets: ONE_SOCKETS, one_rate: ONE_RATE }, targets: TARGETS };
  report.command = `node bench/ws.mjs ${process.argv.slice(2).join(' ')}`.trim();
  report.commit = spawnSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).stdout.trim();
  try {
    if (flags['pg-url']) {
      report.machine.postgres = (await adminQuery('SHOW server_version'))[0].server_version;
      for (const db of dbNames) await adminQuery(`CREATE DATABASE ${db}`);
    }
    if (CELLS.has('fanout') || CELLS.has('one')) {
      const targets = [];
      for (const [i, b] of builds.entries()) targets.push(await startTtops(home, daemons, dbNames[i], b.bin, b.name, b.nodeOptions));
      targets.push(await startFloor(daemons));
      pools.push(...targets.map((t) => t.pool));
      clients = startClients();
      const rssAll = () => Object.fromEntries(targets.map((t) => [t.name, round(rssMb(t.pid), 0)]));
      report.builds = builds;
      report.rss_idle_mb = rssAll();
      if (CELLS.has('fanout')) {
        log(`opening ${N * PER} sockets per target`);
        await openSockets(clients, targets, N * PER, (t, j) => t.wsUrl(j % N));
        report.rss_with_sockets_mb = rssAll();
        report.fanout = await phase('fanout', clients, targets, { rate: RATE, socketsOf: () => PER, pick: (k) => k % N });
        await clients.call({ cmd: 'closeAll' });
      }
      if (CELLS.has('one')) {
        log(`opening ${ONE_SOCKETS} sockets of one streamer per target`);
        await openSockets(clients, targets, ONE_SOCKETS, (t) => t.wsUrl(0));
        report.one_streamer = await phase('one', clients, targets, { rate: ONE_RATE, socketsOf: () => ONE_SOCKETS, pick: () => 0 });
        await clients.call({ cmd: 'closeAll' });
      }
    }
    if (CELLS.has('tts')) {
      log('TTS: espeak synthesis, then cache hits');
      report.tts = await ttsCell(path.join(home, 'tts-media'));
    }
    report.verdict = verdict(report);
    const out = path.join(ROOT, 'bench', 'results');
    mkdirSync(out, { recursive: true });
    const file = path.join(out, `ws-${report.engine}-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
    writeFileSync(file, JSON.stringify(report, null, 2));
    if (flags.json) console.log(JSON.stringify(report, null, 2));
    else printHuman(report, path.relative(ROOT, file));
  } finally {
    await cleanup();
  }
}

function verdict(r) {
  if (!r.fanout) return undefined;
  const ours = r.fanout[0];
  const floor = r.fanout.at(-1);
  return {
    p99_ms: ours.p99_ms,
    p99_met: ours.p99_ms <= TARGETS.p99_ms,
    p99_vs_floor: round(ours.p99_ms / floor.p99_ms, 2),
    p99_vs_floor_met: ours.p99_ms <= TARGETS.p99_vs_floor * floor.p99_ms,
    rss_peak_mb: ours.rss_peak_mb,
    rss_met: ours.rss_peak_mb <= TARGETS.rss_mb,
    no_missing: ours.missing === 0 && ours.non200_or_errors === 0,
  };
}

function printHuman(r, file) {
  const m = r.machine;
  console.log(`${r.benchmark} — ttops on ${r.engine}, commit ${r.commit}`);
  console.log(`machine: ${m.nproc} CPU (${m.cpu}), ${m.ram_gib} GiB, Node ${m.node}${m.postgres ? `, PostgreSQL ${m.postgres}` : ''}`);
  const cols = ['target', 'runs', 'p50_ms', 'p99_ms', 'p99_range_ms', 'max_ms', 'http_p99_ms', 'rss_peak_mb', 'server_cpu_pct', 'server_cpu_us_per_event', 'deliveries', 'missing', 'non200_or_errors', 'other_cpu_pct_max'];
  if (r.fanout) {
    console.log(`\n${r.settings.streamers} streamers × ${r.settings.sockets_per_streamer} sockets, ${r.settings.rate} events/s, ${r.settings.duration_s} s cells, median of ${r.settings.repeat} (RSS idle ${JSON.stringify(r.rss_idle_mb)}, with sockets ${JSON.stringify(r.rss_with_sockets_mb)})`);
    console.log(table(r.fanout, cols));
  }
  if (r.one_streamer) {
    console.log(`\n1 streamer × ${r.settings.one_sockets} sockets, ${r.settings.one_rate} events/s`);
    console.log(table(r.one_streamer, cols));
  }
  if (r.tts) {
    console.log(`\nTTS (${r.tts.engine}, ${r.tts.format}), in-process`);
    console.log(table([{ what: 'synthesis (cold)', ...r.tts.synthesis }, { what: 'cache hit', ...r.tts.cache_hit }], ['what', 'n', 'p50_ms', 'p99_ms', 'max_ms']));
  }
  if (r.verdict) {
    const v = r.verdict;
    console.log(`\ntarget p99 ≤ ${TARGETS.p99_ms} ms: ${v.p99_ms} — ${v.p99_met ? 'met' : 'NOT met'}; ≤ ${TARGETS.p99_vs_floor}× floor: ${v.p99_vs_floor}× — ${v.p99_vs_floor_met ? 'met' : 'NOT met'}; RSS ≤ ${TARGETS.rss_mb} MB: ${v.rss_peak_mb} — ${v.rss_met ? 'met' : 'NOT met'}; deliveries complete: ${v.no_missing ? 'yes' : 'NO'}`);
  }
  console.log(`raw: ${file}`);
}

await main();
