#!/usr/bin/env node
/**
 * Cold start of the CLI: `ttops --help` against `pm2 --help`, each a fresh `node` process.
 * pm2 is installed into a temporary folder (never globally); timing uses hyperfine when it
 * is installed (`--warmup`, `--export-json`, no shell) and a spawnSync loop otherwise.
 *
 *   node bench/cold-start.mjs [--runs 20] [--warmup 3] [--pm2-prefix DIR] [--no-hyperfine]
 *                             [--quiet-timeout 60] [--retries 5] [--json]
 *
 * Note: `pm2 --help` starts pm2's daemon when none is running (PM2_HOME points into the
 * temporary folder), so the warm-up runs start it and the measured runs see it running —
 * pm2 as its users meet it. The daemon is killed at the end.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { ROOT, TTOPS_BIN, checkQuiet, machineInfo, round, selfAndBoxCpuMs, table, waitQuiet } from './lib.mjs';

const { values: flags } = parseArgs({
  options: {
    runs: { type: 'string', default: '20' },
    warmup: { type: 'string', default: '3' },
    'pm2-prefix': { type: 'string' },
    'no-hyperfine': { type: 'boolean', default: false },
    'quiet-timeout': { type: 'string', default: '60' },
    retries: { type: 'string', default: '5' },
    json: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (flags.help) {
  console.log('usage: node bench/cold-start.mjs [--runs N] [--warmup N] [--pm2-prefix DIR] [--no-hyperfine] [--quiet-timeout S] [--retries N] [--json]');
  process.exit(0);
}
const runs = Number(flags.runs);
const warmup = Number(flags.warmup);
const TARGET_MS = 150;
const TARGET_RATIO = 0.5;
const log = (msg) => process.stderr.write(`[cold-start] ${msg}\n`);

if (!existsSync(path.join(ROOT, 'dist', 'src', 'cli', 'main.js'))) {
  console.error('dist/ is missing: run `npx tsc -p .` first.');
  process.exit(1);
}

const tmp = mkdtempSync(path.join(os.tmpdir(), 'ttops-cold-'));
const prefix = flags['pm2-prefix'] ? path.resolve(flags['pm2-prefix']) : tmp;
const pm2Bin = path.join(prefix, 'node_modules', 'pm2', 'bin', 'pm2');
const env = { PATH: process.env.PATH, HOME: process.env.HOME, PM2_HOME: path.join(tmp, 'pm2-home') };

function cleanup() {
  if (existsSync(pm2Bin)) spawnSync(process.execPath, [pm2Bin, 'kill'], { env, cwd: tmp, stdio: 'ignore' });
  rmSync(tmp, { recursive: true, force: true });
}

/** Hyperfine's numbers (seconds) → ms, per command. */
function viaHyperfine(commands) {
  const resultsDir = path.join(ROOT, 'bench', 'results');
  mkdirSync(resultsDir, { recursive: true });
  const out = path.join(resultsDir, 'cold-start-hyperfine.json');
  const args = ['--warmup', String(warmup), '--runs', String(runs), '--export-json', out, '--shell=none', '--style', 'basic'];
  for (const c of commands) args.push('--command-name', c.name, c.argv.join(' '));
  const r = spawnSync('hyperfine', args, { env, cwd: tmp, stdio: ['ignore', process.stderr, process.stderr] });
  if (r.status !== 0) throw new Error(`hyperfine failed (${r.status})`);
  const { results } = JSON.parse(readFileSync(out, 'utf8'));
  return results.map((x) => ({ mean: x.mean * 1000, median: x.median * 1000, min: x.min * 1000, max: x.max * 1000, stddev: x.stddev * 1000, runs: x.times.length }));
}

/** The same measurement with spawnSync: wall time of each run, warm-ups discarded. */
function viaLoop(commands) {
  return commands.map((c) => {
    const times = [];
    for (let i = 0; i < warmup + runs; i++) {
      const start = process.hrtime.bigint();
      const r = spawnSync(c.argv[0], c.argv.slice(1), { env, cwd: tmp, stdio: 'ignore' });
      const ms = Number(process.hrtime.bigint() - start) / 1e6;
      if (r.status !== 0) throw new Error(`${c.name} exited ${r.status}`);
      if (i >= warmup) times.push(ms);
    }
    times.sort((a, b) => a - b);
    const mean = times.reduce((a, b) => a + b, 0) / times.length;
    const mid = times.length >> 1;
    const median = times.length % 2 ? times[mid] : (times[mid - 1] + times[mid]) / 2;
    const stddev = Math.sqrt(times.reduce((a, t) => a + (t - mean) ** 2, 0) / Math.max(1, times.length - 1));
    return { mean, median, min: times[0], max: times.at(-1), stddev, runs: times.length };
  });
}

try {
  if (!existsSync(pm2Bin)) {
    log(`installing pm2 into ${prefix} (npm install --prefix, not global)`);
    const npm = spawnSync('npm', ['install', '--prefix', prefix, 'pm2', '--no-audit', '--no-fund', '--loglevel=error'], { stdio: ['ignore', process.stderr, process.stderr] });
    if (npm.status !== 0) throw new Error('npm install pm2 failed');
  }
  const pm2Version = JSON.parse(readFileSync(path.join(prefix, 'node_modules', 'pm2', 'package.json'), 'utf8')).version;
  const ttopsVersion = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')).version;
  const commands = [
    { name: 'ttops --help', argv: [process.execPath, TTOPS_BIN, '--help'] },
    { name: 'pm2 --help', argv: [process.execPath, pm2Bin, '--help'] },
    // The floor: starting node itself, for scale (not part of the targets).
    { name: 'node -e 0', argv: [process.execPath, '-e', '0'] },
  ];
  for (const c of commands) {
    const r = spawnSync(c.argv[0], c.argv.slice(1), { env, cwd: tmp, stdio: 'ignore' });
    if (r.status !== 0) throw new Error(`${c.name} exited ${r.status}`);
  }
  const hasHyperfine = !flags['no-hyperfine'] && spawnSync('hyperfine', ['--version'], { stdio: 'ignore' }).status === 0;
  if (!hasHyperfine && !flags['no-hyperfine']) log('hyperfine not found (apt-get install hyperfine); timing with a spawnSync loop instead');
  // Measured again while other processes used more than 10% of a core during the timing.
  let measured;
  let busyBefore;
  let otherPct;
  for (let attempt = 0; ; attempt++) {
    await waitQuiet('cold-start', 10, Number(flags['quiet-timeout']));
    busyBefore = await checkQuiet('cold-start');
    const before = selfAndBoxCpuMs();
    const start = Date.now();
    measured = hasHyperfine ? viaHyperfine(commands) : viaLoop(commands);
    const after = selfAndBoxCpuMs();
    otherPct = Math.max(0, round((100 * (after.box - before.box - (after.self - before.self))) / (Date.now() - start), 0));
    if (otherPct <= 10 || attempt >= Number(flags.retries)) break;
    log(`other processes used ${otherPct}% of a core during the timing; measuring again`);
  }
  const [ttops, pm2] = measured;
  const report = {
    benchmark: 'CLI cold start (--help)',
    machine: { ...machineInfo(), busy_before: busyBefore, other_cpu_pct_during: otherPct },
    tool: hasHyperfine ? spawnSync('hyperfine', ['--version'], { encoding: 'utf8' }).stdout.trim() : 'spawnSync loop',
    settings: { runs, warmup },
    command: `node bench/cold-start.mjs --runs ${runs} --warmup ${warmup}`,
    results: commands.map((c, i) => ({
      name: c.name,
      version: [ttopsVersion, pm2Version, process.version][i],
      argv: c.argv.map((a) => a.replace(tmp, '<tmp>').replace(ROOT, '.')).join(' '),
      ...Object.fromEntries(Object.entries(measured[i]).map(([k, v]) => [k === 'runs' ? k : `${k}_ms`, k === 'runs' ? v : round(v, 1)])),
    })),
    ratio_mean: round(ttops.mean / pm2.mean, 2),
    ratio_median: round(ttops.median / pm2.median, 2),
    targets: {
      ttops_under_ms: TARGET_MS,
      ttops_under_met: ttops.mean < TARGET_MS,
      ratio_at_most: TARGET_RATIO,
      ratio_met: ttops.mean / pm2.mean <= TARGET_RATIO,
    },
  };
  if (flags.json) console.log(JSON.stringify(report, null, 2));
  else {
    const m = report.machine;
    console.log(`${report.benchmark} — ${runs} runs after ${warmup} warm-up, ${report.tool}`);
    console.log(`machine: ${m.nproc} CPU (${m.cpu}), ${m.ram_gib} GiB, Node ${m.node}; other processes used ${m.other_cpu_pct_during}% of a core meanwhile\n`);
    console.log(table(report.results.map((r) => ({ ...r, name: `${r.name} (${r.version})` })), ['name', 'mean_ms', 'median_ms', 'min_ms', 'max_ms', 'stddev_ms', 'runs']));
    console.log(`\nttops / pm2: ${report.ratio_mean}× (mean), ${report.ratio_median}× (median)`);
    console.log(`target ttops < ${TARGET_MS} ms: ${round(ttops.mean, 1)} ms mean — ${report.targets.ttops_under_met ? 'met' : 'NOT met'}`);
    console.log(`target ≤ ${TARGET_RATIO}× pm2: ${report.ratio_mean}× — ${report.targets.ratio_met ? 'met' : 'NOT met'}`);
  }
} finally {
  cleanup();
}
