#!/usr/bin/env node
/**
 * Summarises a V8 .cpuprofile (from `node --cpu-prof`, e.g. `bench/me.mjs --cpu-prof`):
 * the functions with the most self time, and self time grouped by package.
 *
 *   node bench/profile-top.mjs <file.cpuprofile> [--top 25]
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { table } from './lib.mjs';

const { values, positionals } = parseArgs({ allowPositionals: true, options: { top: { type: 'string', default: '25' } } });
if (positionals.length !== 1) {
  console.error('usage: node bench/profile-top.mjs <file.cpuprofile> [--top N]');
  process.exit(2);
}
const profile = JSON.parse(readFileSync(positionals[0], 'utf8'));
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const selfUs = new Map();
// timeDeltas[i] is the time before samples[i]; attribute it to that sample's node.
profile.samples.forEach((id, i) => selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
const total = [...selfUs.values()].reduce((a, b) => a + b, 0);

/** Where a frame's code lives: a package, ttops itself, node internals or V8. */
function owner(url) {
  if (!url) return '(v8/native)';
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return pkg[1];
  if (url.startsWith('node:')) return 'node:' + url.slice(5).split('/')[0];
  if (url.includes('/dist/src/')) return 'ttops';
  return url;
}

const fns = new Map();
const owners = new Map();
for (const [id, us] of selfUs) {
  const { callFrame: f } = byId.get(id);
  const key = `${f.functionName || '(anonymous)'} ${f.url ? `${f.url.replace(/^.*node_modules\//, '').replace(/^file:\/\/.*\/dist\//, 'dist/')}:${f.lineNumber + 1}` : ''}`.trim();
  fns.set(key, (fns.get(key) ?? 0) + us);
  const o = owner(f.url);
  owners.set(o, (owners.get(o) ?? 0) + us);
}
const pct = (us) => `${((100 * us) / total).toFixed(1)}%`;
const top = Number(values.top);
console.log(`profile: ${(total / 1e6).toFixed(1)} s sampled\n`);
console.log(table([...fns].sort((a, b) => b[1] - a[1]).slice(0, top).map(([fn, us]) => ({ 'self %': pct(us), 'self ms': Math.round(us / 1000), function: fn })), ['self %', 'self ms', 'function']));
console.log('');
console.log(table([...owners].sort((a, b) => b[1] - a[1]).slice(0, 15).map(([o, us]) => ({ 'self %': pct(us), where: o })), ['self %', 'where']));
