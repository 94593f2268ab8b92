#!/usr/bin/env node
/**
 * Idle memory of a fresh `ttops serve --workers 0` on SQLite without a bot token (issue 10):
 * RSS and V8 heap after two forced GCs, N seconds after start, read inside the process by a
 * small `--import` probe, plus whether grammY and undici were loaded. Memory, not time: it
 * holds on a busy machine, so targets are sampled in turns and medians reported.
 *
 *   node bench/serve-rss.mjs [--target NAME=PATH/bin/ttops.js ...] [--samples 5] [--after 4]
 *                            [--node-flag --max-semi-space-size=4 ...] [--json]
 *
 * Without --target it measures this checkout's bin/ttops.js. Each sample gets its own TTOPS_HOME.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { boxBusy, machineInfo, round, table, TTOPS_BIN } from './lib.mjs';

const { values: flags } = parseArgs({
  options: {
    target: { type: 'string', multiple: true, default: [] },
    samples: { type: 'string', default: '5' },
    after: { type: 'string', default: '4' },
    'node-flag': { type: 'string', multiple: true, default: [] },
    json: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (flags.help) {
  console.log('usage: node bench/serve-rss.mjs [--target NAME=PATH/bin/ttops.js ...] [--samples N] [--after S] [--node-flag FLAG ...] [--json]');
  process.exit(0);
}
const targets = flags.target.length ? flags.target.map((t) => t.split(/=(.*)/s).slice(0, 2)) : [['this', TTOPS_BIN]];
const samples = Number(flags.samples);
const afterMs = Number(flags.after) * 1000;
const log = (msg) => process.stderr.write(`[serve-rss] ${msg}\n`);

// Runs in the measured process: two full GCs, then its memory and the CJS modules it loaded (grammY and undici are CommonJS).
const probe = `
import { createRequire } from 'node:module';
import { writeFileSync } from 'node:fs';
import v8 from 'node:v8';
const require = createRequire(process.execPath);
setTimeout(() => {
  globalThis.gc(); globalThis.gc();
  const loaded = Object.keys(require.cache);
  const has = (name) => loaded.some((f) => f.includes('/node_modules/' + name + '/'));
  const spaces = Object.fromEntries(v8.getHeapSpaceStatistics().map((s) => [s.space_name, s.space_size]));
  writeFileSync(process.env.SERVE_RSS_OUT, JSON.stringify({ memory: process.memoryUsage(), spaces, grammy: has('grammy'), undici: has('undici') }));
}, ${afterMs}).unref();
`;
const probeUrl = `data:text/javascript,${encodeURIComponent(probe)}`;

/** One fresh serve: its probe's answer. */
async function sample(bin) {
  const home = mkdtempSync(path.join(os.tmpdir(), 'ttops-rss-'));
  const out = path.join(home, 'probe.json');
  const env = { PATH: process.env.PATH, HOME: process.env.HOME, TTOPS_HOME: home, SERVE_RSS_OUT: out, LOG_LEVEL: 'warn' };
  const child = spawn(process.execPath, ['--expose-gc', ...flags['node-flag'], '--import', probeUrl, bin, 'serve', '--workers', '0', '--host', '127.0.0.1', '--port', '0'], { env, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  const exited = new Promise((resolve) => child.on('exit', resolve));
  try {
    const deadline = Date.now() + afterMs + 20_000;
    while (!existsSync(out)) {
      if (child.exitCode !== null || Date.now() > deadline) throw new Error(`serve gave no sample (exit ${child.exitCode}): ${stderr}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    await new Promise((r) => setTimeout(r, 50));
    return JSON.parse(readFileSync(out, 'utf8'));
  } finally {
    child.kill('SIGTERM');
    await exited;
    rmSync(home, { recursive: true, force: true });
  }
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const mb = (bytes) => round(bytes / 2 ** 20, 1);

const busyBefore = await boxBusy();
const results = Object.fromEntries(targets.map(([name]) => [name, []]));
// In turns, so a neighbour's burst touches every target alike.
for (let i = 0; i < samples; i++) {
  for (const [name, bin] of targets) {
    const s = await sample(bin);
    results[name].push(s);
    log(`${name} #${i + 1}: rss ${mb(s.memory.rss)} MB, heap used ${mb(s.memory.heapUsed)} MB, grammy ${s.grammy}, undici ${s.undici}`);
  }
}
const busyAfter = await boxBusy();

const rows = targets.map(([name]) => {
  const r = results[name];
  const m = (f) => mb(median(r.map(f)));
  return {
    target: name,
    'rss MB (median)': m((s) => s.memory.rss),
    'rss MB (samples)': r.map((s) => mb(s.memory.rss)).join(' / '),
    'heap used MB': m((s) => s.memory.heapUsed),
    'heap total MB': m((s) => s.memory.heapTotal),
    'external MB': m((s) => s.memory.external),
    grammy: [...new Set(r.map((s) => s.grammy))].join('|'),
    undici: [...new Set(r.map((s) => s.undici))].join('|'),
  };
});
const report = { machine: machineInfo(), box_busy_before: busyBefore, box_busy_after: busyAfter, samples, after_s: afterMs / 1000, node_flags: flags['node-flag'], rows, raw: results };
if (flags.json) console.log(JSON.stringify(report, null, 2));
else {
  console.log(`${samples} samples each, ${afterMs / 1000} s after start, after two GCs; node flags: ${flags['node-flag'].join(' ') || 'none'}; box busy before/after: ${busyBefore}/${busyAfter}`);
  console.log(table(rows, Object.keys(rows[0])));
}
