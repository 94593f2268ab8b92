// Shared helpers for the queue benchmark: databases, counters, child processes, statistics.
import { fork } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import pg from 'pg';

export const HERE = path.dirname(fileURLToPath(import.meta.url));
/** The built ttops the helper scripts use: the repo, or a copy of it (BENCH_TTOPS_ROOT). */
export const ROOT = process.env.BENCH_TTOPS_ROOT ?? path.resolve(HERE, '../..');
/**
 * Builds a cell can name (make-copies.sh makes them, outside the repo): `head` = the current
 * checkout compiled, `before` = 2156417 compiled (the last commit before the lean claim path).
 */
export const BUILDS = {
  head: process.env.BENCH_TTOPS_HEAD ?? '/tmp/ttops-queue-head',
  before: process.env.BENCH_TTOPS_BEFORE ?? '/tmp/ttops-queue-before',
};
export const ttopsRoot = (cell) => (cell?.build ? BUILDS[cell.build] : ROOT);
export const PG_BASE = process.env.BENCH_PG ?? 'postgres://postgres@127.0.0.1:5432';
/** The Node binaries a cell can run on: the system Node 20 and the npm `node@22` package. */
export const NODES = {
  20: process.env.NODE20 ?? '/usr/bin/node',
  22: process.env.NODE22 ?? path.join(HERE, 'node_modules/node/bin/node'),
};

export const dbUrl = (name) => `${PG_BASE}/${name}`;
export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
/** Wall-clock milliseconds with sub-ms resolution, comparable across processes on one host. */
export const wallNow = () => performance.timeOrigin + performance.now();

/** Runs `fn` with a client on the `postgres` maintenance database. */
export async function withAdmin(fn) {
  const client = new pg.Client({ connectionString: dbUrl('postgres') });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

export async function createDb(name) {
  await withAdmin(async (c) => {
    await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await c.query(`CREATE DATABASE ${name}`);
  });
}

export async function dropDb(name) {
  await withAdmin((c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
}

export const checkpoint = () => withAdmin((c) => c.query('CHECKPOINT'));

/** The built ttops module at `rel` under dist/src, of the cell's build (ROOT without a cell). */
export const ttopsModule = (rel, cell) => import(pathToFileURL(path.join(ttopsRoot(cell), 'dist/src', rel)).href);

/**
 * Runs `fn({ store, client })` on a fresh database migrated by ROOT's ttops: `store` is its
 * store, `client` one plain connection for statements of the probe's own. Drops it after.
 */
export async function withMigratedDb(name, fn) {
  await createDb(name);
  const { openStore } = await ttopsModule('store/open.js');
  const store = await openStore({ home: '/tmp', databaseUrl: dbUrl(name) });
  const client = new pg.Client({ connectionString: dbUrl(name) });
  try {
    await store.migrateUp();
    await client.connect();
    return await fn({ store, client });
  } finally {
    await client.end().catch(() => {});
    await store.close();
    await dropDb(name);
  }
}

/**
 * Counters for one database: its commits, everyone else's commits (to show how much of the
 * cluster-wide WAL is ours), the WAL insert position, and CPU ticks of its backends.
 */
export async function snapshot(db) {
  return withAdmin(async (c) => {
    const { rows } = await c.query(
      `SELECT (SELECT xact_commit FROM pg_stat_database WHERE datname = $1)::float8 AS commits,
              (SELECT sum(xact_commit) FROM pg_stat_database WHERE datname <> $1)::float8 AS other_commits,
              pg_current_wal_insert_lsn() AS lsn,
              (SELECT array_agg(pid) FROM pg_stat_activity WHERE datname = $1) AS pids`,
      [db],
    );
    const r = rows[0];
    return { at: wallNow(), commits: r.commits, otherCommits: r.other_commits, lsn: r.lsn, pids: r.pids ?? [] };
  });
}

/** Bytes between two LSNs like '0/1A2B3C'. */
export function lsnBytes(a, b) {
  const n = (l) => {
    const [hi, lo] = l.split('/');
    return BigInt(`0x${hi}`) * 2n ** 32n + BigInt(`0x${lo}`);
  };
  return Number(n(b) - n(a));
}

const TICK_MS = 10; // CLK_TCK = 100 on Linux

/** CPU milliseconds (user + system) and RSS (KiB) of a process, or undefined when it is gone. */
export function procUsage(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const cpuMs = (Number(fields[11]) + Number(fields[12])) * TICK_MS;
    const rss = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return { cpuMs, rssKiB: Number(rss ?? 0) };
  } catch {
    return undefined;
  }
}

/** Sum of CPU ms over pids (missing ones count 0). */
export function cpuOf(pids) {
  return pids.reduce((sum, pid) => sum + (procUsage(pid)?.cpuMs ?? 0), 0);
}

/** Forks a Node script with IPC on the given Node binary. */
export function forkNode(nodeBin, script, args = [], env = {}) {
  const child = fork(script, args, { execPath: nodeBin, env: { ...process.env, ...env }, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  child.on('error', (e) => console.error(`child ${script}: ${e.message}`));
  return child;
}

/** Resolves with the first IPC message of `type` (rejects if the child exits first or after `ms`). */
export function nextMessage(child, type, ms = 60_000) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => done(new Error(`timeout waiting for ${type}`)), ms);
    const onMsg = (m) => m?.type === type && done(null, m);
    // 'close' (not 'exit'): a message sent just before exiting may still be in the pipe at 'exit'.
    const onExit = (code) => done(new Error(`child exited (${code}) before ${type}`));
    const done = (err, m) => {
      clearTimeout(timer);
      child.off('message', onMsg);
      child.off('close', onExit);
      err ? reject(err) : resolve(m);
    };
    child.on('message', onMsg);
    child.on('close', onExit);
  });
}

/** Resolves when the child has exited; SIGKILLs it after `ms`. */
export function waitExit(child, ms = 15_000) {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), ms);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

/** Percentile (nearest rank) of a sorted array. */
export function pct(sorted, p) {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

export function dist(values) {
  const s = Float64Array.from(values).sort();
  return { n: s.length, p50: pct(s, 50), p90: pct(s, 90), p99: pct(s, 99), max: s.length ? s[s.length - 1] : NaN };
}

/** Median, min and max of numbers. */
export function mmm(values) {
  const s = [...values].sort((a, b) => a - b);
  return { median: s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2, min: s[0], max: s[s.length - 1] };
}

export const r1 = (x) => (Number.isFinite(x) ? Math.round(x * 10) / 10 : x);
export const r2 = (x) => (Number.isFinite(x) ? Math.round(x * 100) / 100 : x);
export const r3 = (x) => (Number.isFinite(x) ? Math.round(x * 1000) / 1000 : x);

/** Load average and what else is busy, recorded next to every result (the box is shared). */
export function loadavg() {
  return readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).map(Number);
}
