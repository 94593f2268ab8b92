/**
 * Deploy failures outside the health gate, through the binary:
 * - `systemctl restart` fails after `current` moved: current goes back to the previous
 *   release, which is restarted and serves again, and the log says so;
 * - no systemd on the box: exit 6 with one sentence pointing at --root;
 * - a dev env file: preflight exits 4 (configuration) with one sentence.
 * The first needs root, nginx and openssl like the rehearsal (test/ops/deploy-rehearsal.test.ts).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ttops } from '../helpers/cli.js';
import { tempDir } from '../helpers/engines.js';
import { makeBox, PACKAGE_ROOT } from './fixtures/deploy/rehearsal.js';

async function ready(port: number): Promise<number> {
  const response = await fetch(`http://127.0.0.1:${port}/ready`);
  await response.arrayBuffer();
  return response.status;
}

test('a failed `systemctl restart` after the switch: current returns to the previous release, which serves again', { timeout: 240_000 }, async (t) => {
  const box = await makeBox();
  t.after(() => {
    box.standins.stopApi();
    rmSync(box.dir, { recursive: true, force: true });
  });
  const first = await box.deploy(['--release-id', 'r1', '--json', '--from', PACKAGE_ROOT]);
  assert.equal(first.code, 0, first.stderr);
  assert.equal(first.stderr, '', '--json: the JSON result is the only output');
  assert.equal(JSON.parse(first.stdout).release, 'r1');

  box.standins.recorder.failOn('restart ttops-api.service', 'Job for ttops-api.service failed because the control process exited with error code.', 1);
  const second = await box.deploy(['--release-id', 'r2', '--from', PACKAGE_ROOT]);
  assert.equal(second.code, 1, second.stderr);
  const reported = second.stderr.split('\n').filter((l) => l.startsWith('ttops:'));
  assert.equal(reported.length, 1, second.stderr);
  assert.match(reported[0], /^ttops: release r2 failed at "Restart API and workers" \(restart the API to run the new release: `\S*systemctl restart ttops-api\.service` failed — Job for ttops-api\.service failed.*\); current points at release r1 again and it is healthy\.$/);
  assert.equal(box.current(), 'releases/r1');
  assert.equal(await ready(box.port), 200, 'r1 serves again');
  const restarts = box.standins.recorder.calls().map((c) => c.join(' ')).filter((c) => c === 'restart ttops-api.service');
  assert.ok(restarts.length >= 3, `r1's deploy, r2's failed restart, the switch back: ${restarts.length}`);
  const log = box.releaseLog();
  assert.deepEqual(log.map((r) => [r.id, r.event, r.health === 'warn' ? 'pass' : r.health]), [
    ['r1', 'deploy', 'pass'],
    ['r2', 'deploy', 'fail'],
    ['r1', 'auto-rollback', 'pass'],
  ]);
  assert.match(String(log[1].note), /^stopped at "Restart API and workers": /);
  assert.match(String(log[2].note), /^switched back after release r2 failed at "Restart API and workers"/);
});

/** A prod env file as `ttops init --prod` writes it (TTOPS_ENV given). */
function envFile(dir: string, env: string): string {
  const file = path.join(dir, 'ttops.env');
  writeFileSync(file, [`TTOPS_ENV=${env}`, 'SERVER_HOST=https://api.example.test', 'MEDIA_BASE_URL=https://media.example.test', 'JWT_SECRET=3f9c1e7a5b2d8046e1c9a7f35b2d8e04c6a1f0b9d7e3528a4c6e1f7b9d0a2c5e', 'ADMIN_API_KEY=Zq4Lm8Xv2Tn6Rb0Wc3Yd7Kf1Gh5Js9Pe', ''].join('\n'), { mode: 0o600 });
  return file;
}

test('deploy where systemd does not run: exit 6 (conflict) with one sentence pointing at --root', async (t) => {
  const dir = tempDir('ttops-deploy-nosystemd-');
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  // No TTOPS_SYSTEMCTL, and this machine has no /run/systemd/system.
  const r = await ttops(['deploy', '--prefix', path.join(dir, 'box'), '--release-id', 'r1'], { TTOPS_ENV_FILE: envFile(dir, 'prod') });
  assert.equal(r.code, 6, r.stderr);
  assert.equal(r.stderr, 'ttops: systemd is not running here — deploy needs a systemd host; try `ttops deploy --root DIR` to stage the files instead.\n');
});

test('deploy with TTOPS_ENV=dev: preflight exits 4 (configuration) with one sentence and changes nothing', async (t) => {
  const dir = tempDir('ttops-deploy-dev-');
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = envFile(dir, 'dev');
  const before = readFileSync(file, 'utf8');
  const r = await ttops(['deploy', '--prefix', path.join(dir, 'box'), '--release-id', 'r1'], { TTOPS_ENV_FILE: file });
  assert.equal(r.code, 4, r.stderr);
  assert.match(r.stderr, /^ttops: TTOPS_ENV is dev in \S+; deploy needs TTOPS_ENV=prod — run `ttops init --prod` or edit the file\. \(preflight; nothing was changed\)\n$/);
  assert.equal(readFileSync(file, 'utf8'), before);
  const json = await ttops(['deploy', '--json', '--prefix', path.join(dir, 'box'), '--release-id', 'r1'], { TTOPS_ENV_FILE: file });
  assert.equal(json.code, 4);
  assert.equal(JSON.parse(json.stderr).error.code, 'preflight_failed');
});
