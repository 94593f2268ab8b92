/**
 * The pure parts of backups: GFS selection (exact keep/delete lists), ids, manifest parsing,
 * create's checks, the unit stop/start decision, and the pg/tar argv (no password in argv).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { checkWritten } from '../../src/ops/backup/checks.js';
import { planPrune, weekBucket, type PruneCandidate } from '../../src/ops/backup/gfs.js';
import { idTime, isBackupId, makeBackupId, tempId } from '../../src/ops/backup/layout.js';
import { compareCounts, parseManifest, renderManifest, type Manifest } from '../../src/ops/backup/manifest.js';
import { countMembers, planMediaArchive } from '../../src/ops/backup/media.js';
import { pgConnection, planPgDump, planPgRestore, tablesInRestoreList } from '../../src/ops/backup/pg-tools.js';
import { planUnitCycle } from '../../src/ops/backup/units.js';
import { Secret } from '../../src/ops/plan.js';

const at = (iso: string, status: PruneCandidate['status'] = 'ok'): PruneCandidate => ({ id: iso, time: new Date(iso), status });

describe('GFS prune selection', () => {
  // Two backups a day (03:00, 15:00) from 2026-01-01 to 2026-03-10, plus odd ones.
  const daily: PruneCandidate[] = [];
  for (let t = Date.UTC(2026, 0, 1, 3); t <= Date.UTC(2026, 2, 10, 15); t += 12 * 3600_000) daily.push(at(new Date(t).toISOString()));
  const now = new Date('2026-03-10T20:00:00Z');

  test('keeps the newest of each of the last 7 days, 4 ISO weeks, 6 months; deletes the rest', () => {
    const plan = planPrune(daily, { daily: 7, weekly: 4, monthly: 6 }, now);
    const kept = plan.keep.map((k) => k.id);
    assert.deepEqual(kept, [
      '2026-03-10T15:00:00.000Z', // newest, daily, weekly (2026-W11), monthly (2026-03)
      '2026-03-09T15:00:00.000Z',
      '2026-03-08T15:00:00.000Z', // Sunday: last of 2026-W10
      '2026-03-07T15:00:00.000Z',
      '2026-03-06T15:00:00.000Z',
      '2026-03-05T15:00:00.000Z',
      '2026-03-04T15:00:00.000Z', // 7th day
      '2026-03-01T15:00:00.000Z', // weekly 2026-W09 (Sunday)
      '2026-02-28T15:00:00.000Z', // monthly 2026-02
      '2026-02-22T15:00:00.000Z', // weekly 2026-W08
      '2026-01-31T15:00:00.000Z', // monthly 2026-01
    ]);
    assert.deepEqual(plan.keep[0].reasons, ['daily 2026-03-10', 'weekly 2026-W11', 'monthly 2026-03', 'newest']);
    assert.deepEqual(plan.keep.find((k) => k.id === '2026-03-08T15:00:00.000Z')?.reasons, ['daily 2026-03-08', 'weekly 2026-W10']);
    assert.equal(plan.keep.length + plan.delete.length, daily.length);
    assert.ok(plan.delete.every((d) => d.reason === 'outside the retention policy'));
    assert.ok(plan.delete.some((d) => d.id === '2026-03-10T03:00:00.000Z'), 'the older backup of a kept day goes');
  });

  test('counts only days that have a backup (a stopped timer never ages everything out)', () => {
    const sparse = [at('2025-06-01T03:00:00Z'), at('2025-05-20T03:00:00Z'), at('2025-05-19T03:00:00Z'), at('2025-04-02T03:00:00Z')];
    const plan = planPrune(sparse, { daily: 2, weekly: 0, monthly: 0 }, new Date('2026-03-10T00:00:00Z'));
    assert.deepEqual(plan.keep.map((k) => k.id), ['2025-06-01T03:00:00Z', '2025-05-20T03:00:00Z']);
    assert.deepEqual(plan.delete.map((d) => d.id), ['2025-05-19T03:00:00Z', '2025-04-02T03:00:00Z']);
  });

  test('never deletes the newest good backup, even with every keep at 0', () => {
    const plan = planPrune([at('2026-03-01T00:00:00Z'), at('2026-03-02T00:00:00Z')], { daily: 0, weekly: 0, monthly: 0 }, now);
    assert.deepEqual(plan.keep, [{ id: '2026-03-02T00:00:00Z', reasons: ['newest'] }]);
    assert.deepEqual(plan.delete.map((d) => d.id), ['2026-03-01T00:00:00Z']);
  });

  test('corrupt and incomplete folders: removed after a day, kept (and never counted) before', () => {
    const plan = planPrune(
      [at('2026-03-10T19:00:00Z', 'incomplete'), at('2026-03-10T12:00:00Z'), at('2026-03-09T10:00:00Z', 'corrupt'), at('2026-03-08T10:00:00Z', 'incomplete')],
      { daily: 7, weekly: 0, monthly: 0 },
      now,
    );
    assert.deepEqual(plan.keep.map((k) => k.id), ['2026-03-10T19:00:00Z', '2026-03-10T12:00:00Z']);
    assert.deepEqual(plan.delete, [
      { id: '2026-03-09T10:00:00Z', reason: 'corrupt, older than a day' },
      { id: '2026-03-08T10:00:00Z', reason: 'incomplete, older than a day' },
    ]);
  });

  test('ISO weeks: Monday starts a week; the first Thursday decides the year', () => {
    assert.equal(weekBucket(new Date('2026-03-08T23:59:59Z')), '2026-W10'); // Sunday
    assert.equal(weekBucket(new Date('2026-03-09T00:00:00Z')), '2026-W11'); // Monday
    assert.equal(weekBucket(new Date('2027-01-01T12:00:00Z')), '2026-W53');
    assert.equal(weekBucket(new Date('2024-12-30T12:00:00Z')), '2025-W01');
  });
});

describe('ids and manifests', () => {
  test('ids sort by UTC time and carry a random suffix', () => {
    const id = makeBackupId(new Date('2026-11-22T13:05:01.789Z'), 'a1b2c3');
    assert.equal(id, '20261122T130501Z-a1b2c3');
    assert.ok(isBackupId(id));
    assert.equal(idTime(id)?.toISOString(), '2026-11-22T13:05:01.000Z');
    assert.equal(tempId(`.tmp-${id}`), id);
    assert.equal(isBackupId('../etc'), false);
    assert.match(makeBackupId(new Date()), /^\d{8}T\d{6}Z-[0-9a-f]{6}$/);
  });

  const manifest: Manifest = {
    format: 1, id: '20261122T130501Z-a1b2c3', ttops_version: '0.1.0', created_at: '2026-11-22T13:05:01.000Z', engine: 'sqlite', database: '/x/ttops.db',
    migrations: ['0001_foundation'], tables: { users: 2, audit_log: 5 }, media: { dir: '/x/media', files: 1, present: true }, env_file: null,
    files: [{ name: 'db.sqlite', kind: 'db', size: 9000, sha256: 'a'.repeat(64) }], tools: { sqlite: '3' }, node: 'v20', host: 'h', duration_ms: 5,
  };

  test('a rendered manifest parses back; truncated or wrong ones say what is wrong', () => {
    const text = renderManifest(manifest);
    assert.deepEqual(parseManifest(text), { ok: true, manifest });
    assert.deepEqual(parseManifest(text.slice(0, text.length / 2)), { ok: false, error: 'manifest.json is not valid JSON (truncated?)' });
    const bad = parseManifest(JSON.stringify({ ...manifest, files: [{ name: '../x', kind: 'db', size: 1, sha256: 'a'.repeat(64) }] }));
    assert.equal(bad.ok, false);
    assert.match((bad as { error: string }).error, /files\.0\.name/);
  });

  test('row count comparison names the table', () => {
    assert.equal(compareCounts({ users: 2 }, { users: 2 }, 'x'), undefined);
    assert.equal(compareCounts({ users: 2 }, { users: 3 }, 'the copy'), 'table users has 3 rows in the copy but the manifest says 2');
    assert.equal(compareCounts({ users: 2 }, {}, 'the copy'), 'table users is missing from the copy (the manifest lists 2 rows)');
    assert.equal(compareCounts({}, { jobs: 0 }, 'the copy'), 'table jobs is in the copy but not in the manifest');
  });
});

describe('create checks', () => {
  const good = { engine: 'postgres' as const, dumpName: 'db.dump', dumpSize: 50_000, dumpTables: ['pgmigrations', 'users'], storeTables: ['users'], bookkeeping: ['pgmigrations'], countedTables: ['pgmigrations', 'users'] };
  test('a good dump passes; each rule fails with a sentence', () => {
    assert.equal(checkWritten(good), undefined);
    assert.match(checkWritten({ ...good, dumpSize: 300 })!, /db\.dump is only 300 bytes/);
    assert.match(checkWritten({ ...good, storeTables: [] })!, /no tables/);
    assert.match(checkWritten({ ...good, dumpTables: ['pgmigrations'] })!, /table users is in the database but not in db\.dump/);
    assert.match(checkWritten({ ...good, dumpTables: ['pgmigrations', 'users', 'other'] })!, /holds table other/);
    assert.match(checkWritten({ ...good, countedTables: ['users', 'ghost'] })!, /table ghost was counted/);
  });
});

describe('unit cycle around a restore', () => {
  const files = ['ttops-api.service enabled enabled', 'ttops-backup.service static -', 'ttops-backup.timer enabled enabled', 'ttops-worker@.service indirect enabled', 'ttops-workers.target enabled enabled'].join('\n');
  const units = [
    'ttops-api.service loaded active running ttops API',
    'ttops-backup.service loaded inactive dead ttops backup',
    'ttops-backup.timer loaded active waiting Daily ttops backup',
    'ttops-worker@1.service loaded active running ttops job worker 1',
    '● ttops-worker@2.service loaded failed failed ttops job worker 2',
    'ttops-worker@3.service loaded active running ttops job worker 3',
    'ttops-workers.target loaded active active ttops job workers',
  ].join('\n');

  test('stops running timers, then the API, then workers; starts in reverse', () => {
    assert.deepEqual(planUnitCycle(files, units), {
      installed: ['ttops-api.service', 'ttops-backup.service', 'ttops-backup.timer', 'ttops-worker@.service', 'ttops-workers.target'],
      stop: ['ttops-backup.timer', 'ttops-api.service', 'ttops-worker@1.service', 'ttops-worker@3.service'],
      start: ['ttops-worker@3.service', 'ttops-worker@1.service', 'ttops-api.service', 'ttops-backup.timer'],
    });
  });

  test('nothing installed: nothing to stop, even if something named ttops-* runs', () => {
    assert.deepEqual(planUnitCycle('', 'ttops-api.service loaded active running x'), { installed: [], stop: [], start: [] });
  });
});

describe('tool argv', () => {
  test('the password goes to PGPASSWORD, never into argv', () => {
    const url = 'postgres://ttops:s3cr%40t@db.example:5433/ttops?sslmode=require';
    const c = pgConnection(url);
    assert.equal(c.dbname, 'postgres://ttops@db.example:5433/ttops?sslmode=require');
    assert.ok(c.env.PGPASSWORD instanceof Secret);
    assert.equal((c.env.PGPASSWORD as Secret).value, 's3cr@t');
    for (const command of [planPgDump(url, '/b/db.dump', '00000003-1'), planPgRestore(url, '/b/db.dump')]) {
      assert.ok(command.argv.every((a) => !String(a).includes('s3cr')));
      assert.equal(JSON.stringify(command.env), '{"PGPASSWORD":"[redacted]"}');
    }
    assert.deepEqual(planPgDump(url, '/b/db.dump', '00000003-1').argv, ['pg_dump', '--format=custom', '--file=/b/db.dump', '--snapshot=00000003-1', '--dbname=postgres://ttops@db.example:5433/ttops?sslmode=require']);
  });

  test('pg_restore --list tables of one schema; tar listing counts files, not dirs', () => {
    const list = ';\n; Archive created\n215; 1259 16390 TABLE public users postgres\n216; 1259 16391 TABLE public jobs postgres\n217; 1259 16392 TABLE other x postgres\n3390; 0 16390 TABLE DATA public users postgres\n218; 1259 16393 VIEW public v postgres\n';
    assert.deepEqual(tablesInRestoreList(list, 'public'), ['jobs', 'users', 'v']);
    assert.equal(countMembers('./\n./sounds/\n./sounds/a.mp3\n./tts/b.mp3\n'), 2);
  });

  test('a backup dir inside the media dir is excluded from the archive', () => {
    assert.deepEqual(planMediaArchive('/srv/media', '/srv/media/backups/x/media.tar.gz', '/srv/media/backups', true).argv, [
      'tar', '--create', '--gzip', '--verbose', '--file=/srv/media/backups/x/media.tar.gz', '--directory=/srv/media', '--exclude=./backups', '.',
    ]);
    assert.ok(!planMediaArchive('/srv/media', '/b/x/m.tgz', '/b', true).argv.some((a) => String(a).startsWith('--exclude')));
    assert.ok(planMediaArchive('/srv/media', '/b/x/m.tgz', '/b', false).argv.includes('--files-from=/dev/null'));
  });
});
