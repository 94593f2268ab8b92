/**
 * Helpers the bench scripts share: daemons as child processes (start, wait, stop), a free
 * port, machine facts, and a plain text table. No dependencies beyond Node.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (bench/..). */
export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** The ttops binary, run with the current node. */
export const TTOPS_BIN = path.join(ROOT, 'bin', 'ttops.js');

/** Debian's python, not a pyenv shim: the apt packages live there. */
export const SYSTEM_PYTHON = '/usr/bin/python3';

/** A port nothing listens on right now. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/**
 * Starts a long-running child, keeping the last of its output for error messages.
 * `ready` (a regexp on stderr/stdout) resolves `started`; an early exit rejects it.
 */
export function startDaemon(name, command, args, { env, cwd, ready, timeoutMs = 20_000 } = {}) {
  // Its own process group, so stop() reaches worker children too (uvicorn --workers N).
  const child = spawn(command, args, { env, cwd, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let tail = '';
  let settle;
  const started = new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${name} did not become ready in ${timeoutMs} ms:\n${tail}`)), timeoutMs);
    settle = (error) => {
      clearTimeout(timer);
      settle = () => {};
      error ? reject(error) : resolve();
    };
  });
  const onData = (chunk) => {
    tail = (tail + chunk.toString()).slice(-4000);
    if (ready && ready.test(tail)) settle();
  };
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);
  // Callers that poll instead (no `ready`) never await `started`; its rejection is not an error then.
  started.catch(() => {});
  const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  exited.then(({ code, signal }) => settle(new Error(`${name} exited early (code ${code}, signal ${signal}):\n${tail}`)));
  child.on('error', (error) => settle(error));
  return {
    name,
    child,
    started,
    exited,
    output: () => tail,
    /** SIGTERM to the group, then SIGKILL after `graceMs`; resolves when the child is gone. */
    async stop(graceMs = 10_000) {
      if (child.exitCode !== null || child.signalCode !== null) return exited;
      const signal = (name) => {
        try {
          process.kill(-child.pid, name);
        } catch {}
      };
      signal('SIGTERM');
      const timer = setTimeout(() => signal('SIGKILL'), graceMs);
      const result = await exited;
      clearTimeout(timer);
      return result;
    },
  };
}

/** Polls `url` until it answers with any HTTP status (used for uvicorn at log level warning). */
export async function waitForHttp(url, daemon, timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs;
  let early;
  daemon.exited.then(({ code, signal }) => (early = new Error(`${daemon.name} exited early (code ${code}, signal ${signal}):\n${daemon.output()}`)));
  for (;;) {
    if (early) throw early;
    try {
      await fetch(url);
      return;
    } catch {
      if (Date.now() > deadline) throw new Error(`${daemon.name} did not answer on ${url} in ${timeoutMs} ms:\n${daemon.output()}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

/** One line of a command's stdout, or undefined when it fails. */
export function firstLine(command, args) {
  const r = spawnSync(command, args, { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim().split('\n')[0] : undefined;
}

/** Facts about this box that BENCHMARKS.md records. */
export function machineInfo() {
  let cpu = os.cpus()[0]?.model;
  try {
    cpu = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? cpu;
  } catch {}
  return {
    nproc: os.availableParallelism?.() ?? os.cpus().length,
    cpu,
    ram_gib: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    kernel: os.release(),
    node: process.version,
  };
}

/** Rows of objects as an aligned plain text table. */
export function table(rows, columns) {
  const cells = [columns, ...rows.map((r) => columns.map((c) => (r[c] === undefined || r[c] === null ? '—' : String(r[c]))))];
  const widths = columns.map((_, i) => Math.max(...cells.map((row) => row[i].length)));
  const line = (row) => row.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]) : cell.padStart(widths[i]))).join('  ');
  return [line(cells[0]), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.slice(1).map(line)].join('\n');
}

/** Rounds to `digits` decimals (numbers only). */
export const round = (n, digits = 1) => (typeof n === 'number' ? Math.round(n * 10 ** digits) / 10 ** digits : n);

/** The q-quantile (0..1) of an ascending-sorted array, nearest-rank. */
export function quantile(sorted, q) {
  if (sorted.length === 0) return undefined;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}

const CLK_TCK = 100; // Linux USER_HZ; `getconf CLK_TCK` is 100 on every mainstream kernel.

function statOf(pid) {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const close = text.lastIndexOf(')');
    const comm = text.slice(text.indexOf('(') + 1, close);
    const f = text.slice(close + 2).split(' '); // f[0] is field 3 (state)
    return { pid: Number(pid), comm, ppid: Number(f[1]), cpuMs: ((Number(f[11]) + Number(f[12])) * 1000) / CLK_TCK };
  } catch {
    return undefined;
  }
}

function allStats() {
  return readdirSync('/proc').filter((d) => /^\d+$/.test(d)).map(statOf).filter(Boolean);
}

/**
 * CPU milliseconds (user + system) used so far by a process and its descendants, and by
 * every process named `comm` (e.g. all `postgres` backends), the tree per pid, this process,
 * and the whole box (all CPUs busy). Linux only; zero elsewhere.
 */
export function cpuSnapshot(rootPid, comm) {
  const stats = existsSync('/proc/self/stat') ? allStats() : [];
  const tree = new Set([rootPid]);
  let grew = true;
  while (grew) {
    grew = false;
    for (const s of stats) if (tree.has(s.ppid) && !tree.has(s.pid)) tree.add(s.pid), (grew = true);
  }
  const sum = (pred) => stats.filter(pred).reduce((a, s) => a + s.cpuMs, 0);
  const self = process.cpuUsage();
  const [, ...f] = existsSync('/proc/stat') ? readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).map(Number) : [];
  const boxBusyMs = f.length ? ((f.reduce((a, v) => a + v, 0) - f[3] - f[4]) * 1000) / CLK_TCK : 0;
  const byPid = Object.fromEntries(stats.filter((s) => tree.has(s.pid)).map((s) => [s.pid, s.cpuMs]));
  return { box: boxBusyMs, server: sum((s) => tree.has(s.pid)), byPid, named: comm ? sum((s) => s.comm === comm) : 0, loadgen: (self.user + self.system) / 1000 };
}

/**
 * How busy the whole box is (0..1, all cores) over `ms`, from /proc/stat: a benchmark on a
 * shared machine is only worth reading when this is near zero before it starts.
 */
export async function boxBusy(ms = 1000) {
  const read = () => {
    const [, ...f] = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).map(Number);
    return { total: f.reduce((a, b) => a + b, 0), idle: f[3] + f[4] };
  };
  if (!existsSync('/proc/stat')) return undefined;
  const a = read();
  await new Promise((r) => setTimeout(r, ms));
  const b = read();
  return round(1 - (b.idle - a.idle) / Math.max(1, b.total - a.total), 2);
}

/** Warns on stderr when the box is busy before a run; returns the busy fraction. */
export async function checkQuiet(tag) {
  const busy = await boxBusy();
  if (busy !== undefined && busy > 0.1) {
    process.stderr.write(`[${tag}] WARNING: the machine is ${Math.round(busy * 100)}% busy before the run (other processes); numbers will be low and noisy.\n`);
  }
  return busy;
}

/**
 * Waits until the box is idle: at most `maxOtherPct` % of one core busy over a second, for
 * up to `timeoutS` seconds. Returns whether it got there.
 */
export async function waitQuiet(tag, maxOtherPct = 10, timeoutS = 60) {
  const deadline = Date.now() + timeoutS * 1000;
  for (;;) {
    const busy = await boxBusy(1000);
    if (busy === undefined || busy * 100 * os.availableParallelism() <= maxOtherPct) return true;
    if (Date.now() > deadline) return false;
    process.stderr.write(`[${tag}] box ${Math.round(busy * 100)}% busy before the run; waiting for quiet\n`);
  }
}

/**
 * CPU ms of the whole box and of this process plus its finished children (utime, stime,
 * cutime, cstime of /proc/self/stat): around a spawnSync, the difference is what others used.
 */
export function selfAndBoxCpuMs() {
  const own = statOf('self');
  if (!own || !existsSync('/proc/stat')) return { box: 0, self: 0 };
  const text = readFileSync('/proc/self/stat', 'utf8');
  const f = text.slice(text.lastIndexOf(')') + 2).split(' ');
  const self = ((Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14])) * 1000) / CLK_TCK;
  const [, ...t] = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).map(Number);
  return { box: ((t.reduce((a, v) => a + v, 0) - t[3] - t[4]) * 1000) / CLK_TCK, self };
}

/** CPU milliseconds (user + system) used so far by these processes (gone ones count 0). */
export function cpuMsOf(pids) {
  return pids.reduce((sum, pid) => sum + (statOf(pid)?.cpuMs ?? 0), 0);
}

/** A process's resident memory now and its peak (VmHWM), MiB; empty when it is gone. */
export function memoryOf(pid) {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (name) => Number(new RegExp(`^${name}:\\s+(\\d+)`, 'm').exec(status)?.[1] ?? 0);
    return { rss_mib: round(kb('VmRSS') / 1024, 0), peak_rss_mib: round(kb('VmHWM') / 1024, 0) };
  } catch {
    return {};
  }
}

/** CPU milliseconds so far of every process named `comm` (e.g. `postgres`), by pid. */
export function cpuByComm(comm) {
  return new Map(allStats().filter((s) => s.comm === comm).map((s) => [s.pid, s.cpuMs]));
}

/**
 * CPU milliseconds used between two `pid → ms` maps: a pid that started in between counts from
 * zero, one that ended in between is lost. Sums of whole process groups (`cpuSnapshot`'s `named`)
 * go negative when processes end during the run, which a shared PostgreSQL's backends do.
 */
export function cpuDeltaMs(before, after) {
  let ms = 0;
  for (const [pid, now] of after) ms += now - (before.get(pid) ?? 0);
  return ms;
}
