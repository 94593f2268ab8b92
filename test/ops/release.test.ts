/**
 * The release layout: ids, the atomic `current` switch (run for real through the runner),
 * what a release copies, the release log, ordering and pruning.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { lstatSync, mkdirSync, readdirSync, readlinkSync, rmSync } from 'node:fs';
import path from 'node:path';
import { makePlan } from '../../src/ops/plan.js';
import { runPlan } from '../../src/ops/runner.js';
import { checkReleaseId, planCopyRelease, planSwitchCurrent, releaseIdFor } from '../../src/ops/release/layout.js';
import { failedReleases, parseReleaseLog, planReleaseRecord, type ReleaseRecord } from '../../src/ops/release/log.js';
import { orderReleases, planPrune } from '../../src/ops/release/select.js';
import { tempDir } from '../helpers/engines.js';
import type { Io } from '../../src/cli/io.js';

const quiet: Io = { stdout: process.stdout, stderr: { write: () => true } as unknown as NodeJS.WritableStream, env: {}, cwd: '/', isTty: false };

test('release ids sort by time and must be plain directory names', () => {
  assert.equal(releaseIdFor(new Date('2026-01-02T03:04:05.678Z')), '20260102030405');
  for (const good of ['r1', '2026.01-a_b']) assert.equal(checkReleaseId(good), good);
  for (const bad of ['', '../x', 'a b', '.hidden', 'x'.repeat(65)]) assert.throws(() => checkReleaseId(bad), /release id .* must be 1–64 letters/);
});

test('current switches atomically between releases: a relative link renamed over the old one, nothing nested', async (t) => {
  const app = tempDir('ttops-switch-');
  t.after(() => rmSync(app, { recursive: true, force: true }));
  for (const id of ['a', 'b']) mkdirSync(path.join(app, 'releases', id), { recursive: true });
  const argv = planSwitchCurrent(app, 'a').map((c) => c.argv);
  assert.deepEqual(argv, [['ln', '-sfn', 'releases/a', `${app}/.current-a`], ['mv', '-T', `${app}/.current-a`, `${app}/current`]]);
  await runPlan(makePlan('switch', { commands: planSwitchCurrent(app, 'a') }), { io: quiet });
  assert.equal(readlinkSync(path.join(app, 'current')), 'releases/a');
  await runPlan(makePlan('switch', { commands: planSwitchCurrent(app, 'b') }), { io: quiet });
  assert.equal(readlinkSync(path.join(app, 'current')), 'releases/b');
  assert.ok(lstatSync(path.join(app, 'current')).isSymbolicLink());
  assert.deepEqual(readdirSync(path.join(app, 'releases', 'a')), [], 'no link created inside the old release');
  assert.deepEqual(readdirSync(app).sort(), ['current', 'releases'], 'no temp link left');
});

test('a release copies the package entries it has; dist/src only; npm install when there is no node_modules', () => {
  const plan = planCopyRelease('/opt/ttops', 'r1', { dir: '/pkg', entries: ['package.json', 'bin', 'dist', 'migrations'] });
  assert.deepEqual(plan.commands.map((c) => c.argv.join(' ')), [
    'install -d -m 0755 /opt/ttops/releases/r1',
    'cp -a /pkg/package.json /opt/ttops/releases/r1/',
    'cp -a /pkg/bin /opt/ttops/releases/r1/',
    'install -d -m 0755 /opt/ttops/releases/r1/dist',
    'cp -a /pkg/dist/src /opt/ttops/releases/r1/dist/',
    'cp -a /pkg/migrations /opt/ttops/releases/r1/',
    'npm install --omit=dev --no-audit --no-fund --prefix /opt/ttops/releases/r1',
  ]);
});

const record = (id: string, event: ReleaseRecord['event'], health: ReleaseRecord['health']): ReleaseRecord => ({ id, version: '1.0.0', time: '2026-01-01T00:00:00.000Z', event, migration: '0002_jobs', health, previous: null });

test('the release log appends JSON lines, survives a torn line, and knows which releases failed', () => {
  let text = '';
  for (const r of [record('r1', 'deploy', 'pass'), record('r2', 'deploy', 'fail'), record('r1', 'auto-rollback', 'pass')]) text = planReleaseRecord('/opt/ttops', text, r).content;
  assert.equal(text.split('\n').length, 4);
  const torn = `${text}{"id":"r3","eve`;
  const parsed = parseReleaseLog(torn);
  assert.deepEqual(parsed.map((r) => r.id), ['r1', 'r2', 'r1']);
  assert.deepEqual([...failedReleases(parsed)], ['r2']);
  assert.equal(planReleaseRecord('/opt/ttops', torn, record('r4', 'deploy', 'pass')).content.split('\n').at(-2), JSON.stringify(record('r4', 'deploy', 'pass')));
  assert.deepEqual([...failedReleases([...parsed, record('r2', 'deploy', 'pass')])], [], 'a later good deploy of the same id clears it');
});

test('releases order by first deploy, unlogged ones first; pruning keeps N and never a protected one', () => {
  const log = [record('b', 'deploy', 'pass'), record('a', 'deploy', 'pass'), record('b', 'rollback', 'pass')];
  assert.deepEqual(orderReleases(['a', 'b', 'old2', 'old1'], log), ['old1', 'old2', 'b', 'a']);
  assert.deepEqual(planPrune('/opt/ttops', ['r1', 'r2', 'r3', 'r4'], 2, new Set(['r4', 'r1'])).map((c) => c.argv.join(' ')), ['rm -rf -- /opt/ttops/releases/r2', 'rm -rf -- /opt/ttops/releases/r3']);
  assert.deepEqual(planPrune('/opt/ttops', ['r1', 'r2'], 5, new Set()), []);
});
