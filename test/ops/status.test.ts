/**
 * `ttops status`: the file-system probes (backups, certificate, disk) as units, then the
 * real binary on a SQLite home with licenses, a heartbeat, fake backup folders, a real
 * certificate and the systemctl stand-in; without systemd; and an unreachable store (3).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { EXIT } from '../../src/errors.js';
import { certificateInfo, diskInfo, lastBackup } from '../../src/ops/status/probes.js';
import { listMigrationFiles } from '../../src/store/migration-files.js';
import { openStore } from '../../src/store/open.js';
import { ttops } from '../helpers/cli.js';
import { testConfig } from '../helpers/config.js';
import { sqliteEngine, tempDir } from '../helpers/engines.js';
import { installSystemctlStandin } from '../helpers/systemctl-standin.js';

const HOUR = 3_600_000;

/** A self-signed certificate valid for `days`, made by the real openssl. */
function makeCert(dir: string, days: number): string {
  const out = path.join(dir, `cert-${days}.pem`);
  const r = spawnSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', String(days), '-subj', '/CN=api.example.test', '-keyout', path.join(dir, `key-${days}.pem`), '-out', out], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return out;
}

/** A backup folder with a manifest written `hoursAgo`. */
function makeBackup(dir: string, id: string, createdAt: Date | null): void {
  mkdirSync(path.join(dir, id), { recursive: true });
  if (createdAt) writeFileSync(path.join(dir, id, 'manifest.json'), JSON.stringify({ id, created_at: createdAt.toISOString(), schema_version: '0002_jobs' }));
}

test('lastBackup picks the newest manifest, ignores folders without one, null when there are none', () => {
  const now = new Date();
  const dir = tempDir();
  assert.equal(lastBackup(path.join(dir, 'missing'), now), null);
  assert.equal(lastBackup(dir, now), null);
  makeBackup(dir, 'b-old', new Date(now.getTime() - 50 * HOUR));
  makeBackup(dir, 'b-new', new Date(now.getTime() - 2 * HOUR));
  makeBackup(dir, 'zz-in-progress', null);
  writeFileSync(path.join(dir, 'notes.txt'), 'x');
  const last = lastBackup(dir, now);
  assert.equal(last?.id, 'b-new');
  assert.equal(last?.age_s, 7200);
});

test('certificateInfo reads validTo, levels follow the renewal window, errors say why', () => {
  const dir = tempDir();
  const now = new Date();
  const long = certificateInfo(makeCert(dir, 30), now);
  assert.ok(long.days_left === 29 || long.days_left === 30, String(long.days_left));
  assert.equal(long.level, 'ok');
  assert.match(long.subject, /CN=api\.example\.test/);
  assert.equal(certificateInfo(makeCert(dir, 10), now).level, 'warn');
  assert.equal(certificateInfo(makeCert(dir, 3), now).level, 'fail');
  assert.throws(() => certificateInfo(path.join(dir, 'none.pem'), now), /no certificate at .*none\.pem \(pass --cert FILE/);
  writeFileSync(path.join(dir, 'junk.pem'), 'hello');
  assert.throws(() => certificateInfo(path.join(dir, 'junk.pem'), now), /is not a PEM certificate/);
});

test('diskInfo measures the nearest existing parent of a folder not created yet', () => {
  const dir = tempDir();
  const d = diskInfo(path.join(dir, 'not', 'yet'));
  assert.equal(d.path, path.join(dir, 'not', 'yet'));
  assert.ok(d.total_bytes > 0 && d.free_bytes > 0 && d.free_bytes <= d.total_bytes);
  assert.ok(d.free_percent > 0 && d.free_percent <= 100);
});

test('ttops status --json on a SQLite home: services, workers, queue, licenses, backup, certificate, disk', async () => {
  const engine = await sqliteEngine();
  const home = engine.settings.home;
  const now = Date.now();
  try {
    const store = await openStore(testConfig(engine.env));
    await store.migrateUp();
    const by = { actor: 'test' };
    const future = new Date(now + 30 * 24 * HOUR).toISOString();
    const keys = await store.issueLicenses(
      [
        { keyHash: 'h-active', keySuffix: 'AAAA', plan: 'pro', ttlDays: 30, expiresAt: future },
        { keyHash: 'h-revoked', keySuffix: 'BBBB', plan: 'pro', ttlDays: 30, expiresAt: future },
        { keyHash: 'h-expired', keySuffix: 'CCCC', plan: 'pro', ttlDays: 30, expiresAt: new Date(now - HOUR).toISOString() },
        { keyHash: 'h-redeemed', keySuffix: 'DDDD', plan: 'pro', ttlDays: 30, expiresAt: future },
      ],
      by,
    );
    await store.revokeLicense(keys[1].id, new Date().toISOString(), by);
    await store.redeemLicense({ keyHash: 'h-redeemed', now: new Date().toISOString(), actor: 'test', account: { kind: 'new', username: 'statususer', passwordHash: 'x' } });
    await store.enqueueJobs([{ kind: 'noop' }, { kind: 'noop' }]);
    await store.heartbeat({ id: 'w-1', hostname: 'vps', pid: 11, instance: '1', concurrency: 4, running: 0, stopping: false }, 10_000, []);
    await store.heartbeat({ id: 'serve-inproc', hostname: 'vps', pid: 12, instance: null, concurrency: 4, running: 0, stopping: false }, 10_000, []);
    await store.close();

    makeBackup(path.join(home, 'backups'), '20250101T000000Z', new Date(now - 26 * HOUR));
    makeBackup(path.join(home, 'backups'), '20250102T000000Z', new Date(now - 2 * HOUR));
    const cert = makeCert(home, 60);
    const standin = installSystemctlStandin(path.join(home, 'standin'), {
      'ttops-api.service': { enabled: true, active: true },
      'ttops-workers.target': { enabled: true, active: true },
      'ttops-worker@1.service': { enabled: true, active: true },
      'ttops-worker@2.service': { enabled: true, active: true },
      'nginx.service': { enabled: true, active: false },
    });

    const result = await ttops(['status', '--json', '--cert', cert], { ...engine.env, TTOPS_SYSTEMCTL: standin.bin });
    assert.equal(result.code, 0, result.stderr);
    const s = JSON.parse(result.stdout);
    assert.equal(s.env, 'dev');
    assert.equal(s.engine, 'sqlite');
    assert.deepEqual(s.migrations, { applied: listMigrationFiles('sqlite').length, pending: [] });
    assert.deepEqual(s.services, { 'ttops-api.service': 'active', 'ttops-workers.target': 'active', 'ttops-backup.timer': 'inactive', 'nginx.service': 'inactive' });
    assert.deepEqual(s.workers, { configured: [1, 2], alive: 2, alive_outside_systemd: 1 });
    assert.equal(s.queue.queued, 2);
    assert.equal(s.queue.failed, 0);
    assert.deepEqual(s.licenses, { active: 1, redeemed: 1, revoked: 1, expired: 1 });
    assert.equal(s.backup.id, '20250102T000000Z');
    assert.ok(Math.abs(s.backup.age_s - 7200) < 60, String(s.backup.age_s));
    assert.equal(s.certificate.file, cert);
    assert.ok(s.certificate.days_left === 59 || s.certificate.days_left === 60);
    assert.equal(s.certificate.level, 'ok');
    assert.deepEqual(s.disk.map((d: { path: string }) => d.path), [home, path.join(home, 'backups')]);
    assert.ok(s.disk.every((d: { free_bytes: number }) => d.free_bytes > 0));

    const human = await ttops(['status', '--cert', cert], { ...engine.env, TTOPS_SYSTEMCTL: standin.bin });
    assert.equal(human.code, 0, human.stderr);
    assert.match(human.stdout, /\nservices +ttops-api\.service active · ttops-workers\.target active · ttops-backup\.timer inactive · nginx\.service inactive\n/);
    assert.match(human.stdout, /\nworkers +2 configured \(@1 @2\), 2 alive \(1 outside systemd\)\n/);
    assert.match(human.stdout, /\nlicenses +active 1 · redeemed 1 · revoked 1 · expired 1\n/);
    assert.match(human.stdout, /\nbackup +20250102T000000Z, 2h 0m ago/);
    assert.match(human.stdout, /\ncertificate +(59|60) days left/);
  } finally {
    await engine.cleanup();
  }
});

test('ttops status without systemd, backups or a certificate: each part says why, exit 0', async () => {
  const engine = await sqliteEngine();
  try {
    const result = await ttops(['status', '--json'], { ...engine.env, SERVER_HOST: 'https://api.example.test' });
    assert.equal(result.code, 0, result.stderr);
    const s = JSON.parse(result.stdout);
    assert.deepEqual(s.services, { unknown: 'systemd not available' });
    assert.deepEqual(s.workers, { configured: { unknown: 'systemd not available' }, alive: 0, alive_outside_systemd: 0 });
    assert.deepEqual(s.licenses, { active: 0, redeemed: 0, revoked: 0, expired: 0 });
    assert.equal(s.backup, null);
    assert.equal(s.certificate.unknown, 'no certificate at /etc/letsencrypt/live/api.example.test/fullchain.pem (pass --cert FILE to check another)');
    const human = await ttops(['status'], { ...engine.env, SERVER_HOST: 'https://api.example.test' });
    assert.match(human.stdout, /\nservices +unknown: systemd not available\n/);
    assert.match(human.stdout, /\nbackup +none yet/);
  } finally {
    await engine.cleanup();
  }
});

test('ttops status in prod with pending migrations reports them and still exits 0', async () => {
  const engine = await sqliteEngine();
  try {
    const result = await ttops(['status', '--json'], { ...engine.env, TTOPS_ENV: 'prod' });
    assert.equal(result.code, 0, result.stderr);
    const s = JSON.parse(result.stdout);
    assert.equal(s.migrations.applied, 0);
    assert.ok(s.migrations.pending.includes('0001_foundation'));
    assert.match(s.licenses.unknown, /license_keys/);
  } finally {
    await engine.cleanup();
  }
});

test('ttops status with an unreachable store exits 3', async () => {
  const result = await ttops(['status'], { TTOPS_HOME: tempDir(), DATABASE_URL: 'postgres://postgres@127.0.0.1:1/none' });
  assert.equal(result.code, EXIT.unreachable, result.stderr);
  assert.match(result.stderr, /PostgreSQL is unreachable/);
  assert.equal(result.stdout, '');
});
