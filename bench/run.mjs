#!/usr/bin/env node
/**
 * `npm run bench`: every benchmark of bench/ in turn (the /me load test, then CLI cold
 * start), each printing its own table. Extra flags go to both (e.g. `--json`).
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { ROOT } from './lib.mjs';

let failed = 0;
for (const script of ['me.mjs', 'cold-start.mjs']) {
  const r = spawnSync(process.execPath, [path.join(ROOT, 'bench', script), ...process.argv.slice(2)], { stdio: 'inherit' });
  if (r.status !== 0) failed++;
  process.stdout.write('\n');
}
process.exitCode = failed ? 1 : 0;
