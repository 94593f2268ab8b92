/**
 * `ttops backup prune` through the binary: the GFS plan is applied to real folders,
 * `--dry-run` deletes nothing, stale corrupt and half-written folders go, foreign folders stay.
 */
import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { ttops } from '../helpers/cli.js';
import { sqliteEngine, type TestEngine } from '../helpers/engines.js';
import { seed } from './backup-helpers.js';

let engine: TestEngine;
let dir: string;
before(async () => {
  engine = await sqliteEngine();
  await seed(engine, 1);
  dir = path.join(engine.settings.home, 'backups');
});
after(async () => engine.cleanup());

/** Clones a real backup folder under an older id (its manifest says that time). */
function cloneAs(source: string, id: string, createdAt: string): void {
  cpSync(path.join(dir, source), path.join(dir, id), { recursive: true });
  const file = path.join(dir, id, 'manifest.json');
  writeFileSync(file, JSON.stringify({ ...JSON.parse(readFileSync(file, 'utf8')), id, created_at: createdAt }));
}

test('prune keeps the GFS set, removes the rest and stale broken folders, touches nothing else', async () => {
  const created = await ttops(['backup', 'create', '--json'], engine.env);
  assert.equal(created.code, 0, created.stderr);
  const newest = JSON.parse(created.stdout).id as string;
  cloneAs(newest, '20250102T030000Z-000001', '2025-01-02T03:00:00.000Z');
  cloneAs(newest, '20250101T150000Z-000002', '2025-01-01T15:00:00.000Z');
  cloneAs(newest, '20250101T030000Z-000003', '2025-01-01T03:00:00.000Z');
  cloneAs(newest, '20241215T030000Z-000004', '2024-12-15T03:00:00.000Z');
  mkdirSync(path.join(dir, '20241201T030000Z-000005')); // corrupt: no manifest
  mkdirSync(path.join(dir, '.tmp-20241130T030000Z-000006')); // a run that died
  mkdirSync(path.join(dir, 'keep-me')); // not ours

  const args = ['backup', 'prune', '--keep-daily', '2', '--keep-weekly', '0', '--keep-monthly', '3', '--json'];
  const dry = await ttops([...args, '--dry-run'], engine.env);
  assert.equal(dry.code, 0, dry.stderr);
  const plan = JSON.parse(dry.stdout) as { keep: { id: string; reasons: string[] }[]; delete: { id: string; reason: string }[]; dry_run: boolean };
  assert.equal(plan.dry_run, true);
  assert.deepEqual(plan.keep.map((k) => k.id), [newest, '20250102T030000Z-000001', '20241215T030000Z-000004']);
  assert.deepEqual(plan.delete, [
    { id: '20250101T150000Z-000002', reason: 'outside the retention policy' },
    { id: '20250101T030000Z-000003', reason: 'outside the retention policy' },
    { id: '20241201T030000Z-000005', reason: 'corrupt, older than a day' },
    { id: '.tmp-20241130T030000Z-000006', reason: 'incomplete, older than a day' },
  ]);
  assert.equal(readdirSync(dir).length, 8, '--dry-run deleted nothing');

  const real = await ttops(args, engine.env);
  assert.equal(real.code, 0, real.stderr);
  assert.deepEqual(readdirSync(dir).sort(), [newest, '20241215T030000Z-000004', '20250102T030000Z-000001', 'keep-me'].sort());
  assert.ok(existsSync(path.join(dir, newest, 'manifest.json')));

  const human = await ttops(['backup', 'prune', '--dry-run'], engine.env);
  assert.match(human.stdout, new RegExp(`^keep    ${newest}  \\(daily \\d{4}-\\d{2}-\\d{2}, weekly \\d{4}-W\\d{2}, monthly \\d{4}-\\d{2}, newest\\)$`, 'm'));
  assert.match(human.stdout, /^3 kept, 0 to delete \(dry run: nothing deleted\)$/m);
});
