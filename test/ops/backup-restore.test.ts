/**
 * `restore` around the data: it stops and starts exactly the installed, running ttops units
 * (recorded by the systemctl stand-in), refuses without --yes off a terminal, leaves the env
 * file alone unless --with-env, refuses while another process holds the SQLite file, and a
 * unit that fails to start is reported with the restore still done.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { Writable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { restoreBackup } from '../../src/ops/backup/restore.js';
import { ttops } from '../helpers/cli.js';
import { testConfig } from '../helpers/config.js';
import { sqliteEngine, tempDir, type TestEngine } from '../helpers/engines.js';
import { installSystemctlStandin, type SystemctlStandin } from '../helpers/systemctl-standin.js';
import { rowChecksums, seed, writeMedia } from './backup-helpers.js';

const UNITS = {
  'ttops-api.service': { enabled: true, active: true },
  'ttops-worker@.service': { enabled: false, active: false },
  'ttops-worker@1.service': { enabled: true, active: true },
  'ttops-worker@2.service': { enabled: true, active: true },
  'ttops-workers.target': { enabled: true, active: true },
  'ttops-backup.timer': { enabled: true, active: true },
  'ttops-backup.service': { enabled: false, active: false },
  'nginx.service': { enabled: true, active: true },
};

describe('backup restore around units, confirmation and env', () => {
  let engine: TestEngine;
  let env: Record<string, string>;
  let backupId: string;
  let standin: SystemctlStandin;

  before(async () => {
    engine = await sqliteEngine();
    await seed(engine);
    writeMedia(path.join(engine.settings.home, 'media'));
    standin = installSystemctlStandin(tempDir('ttops-sysd-'), UNITS);
    env = { ...engine.env, TTOPS_SYSTEMCTL: standin.bin, LOG_LEVEL: 'warn' };
    const created = await ttops(['backup', 'create', '--json'], env);
    assert.equal(created.code, 0, created.stderr);
    backupId = JSON.parse(created.stdout).id;
  });
  after(async () => engine.cleanup());

  test('stops the running ttops timer, API and workers in order, restores, starts them in reverse', async () => {
    const r = await ttops(['backup', 'restore', backupId, '--yes'], env);
    assert.equal(r.code, 0, r.stderr);
    const calls = standin.calls();
    assert.deepEqual(calls.slice(0, 2), [
      ['list-unit-files', '--no-legend', '--plain', 'ttops-*'],
      ['list-units', '--all', '--no-legend', '--plain', 'ttops-*'],
    ]);
    assert.deepEqual(calls.slice(2), [
      ['stop', 'ttops-backup.timer'],
      ['stop', 'ttops-api.service'],
      ['stop', 'ttops-worker@1.service'],
      ['stop', 'ttops-worker@2.service'],
      ['start', 'ttops-worker@2.service'],
      ['start', 'ttops-worker@1.service'],
      ['start', 'ttops-api.service'],
      ['start', 'ttops-backup.timer'],
    ]);
    assert.ok(Object.values(standin.state()).filter((u) => u.enabled).every((u) => u.active), 'everything runs again');
    assert.match(r.stdout, /units: stopped ttops-backup\.timer, ttops-api\.service, ttops-worker@1\.service, ttops-worker@2\.service during the restore and started them again/);
  });

  test('a unit that does not start again: exit 1 naming it, data restored, safety backup named', async () => {
    standin.failOn('start ttops-api.service', 'Job for ttops-api.service failed.');
    const r = await ttops(['backup', 'restore', backupId, '--yes'], env);
    assert.equal(r.code, 1);
    assert.match(r.stderr, new RegExp(`^ttops: backup ${backupId} was restored \\(safety backup \\S+\\), but ttops-api\\.service did not start: .*Job for ttops-api\\.service failed\\..* — see \`journalctl -u ttops-api\\.service\``, 'ms'));
    standin.failOn('start ttops-api.service', '');
    standin.setUnit('ttops-api.service', { active: true });
  });

  test('no terminal and no --yes: exit 2 saying to pass --yes, nothing touched', async () => {
    const before = (await ttops(['backup', 'list', '--json'], env)).stdout;
    const callsBefore = standin.calls().length;
    const r = await ttops(['backup', 'restore', backupId], env);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /^ttops: .*pass --yes to go ahead\n$/);
    assert.equal((await ttops(['backup', 'list', '--json'], env)).stdout, before, 'no safety backup was taken');
    assert.equal(standin.calls().length, callsBefore, 'no unit was touched');
  });

  test('a declined confirmation changes nothing', async () => {
    const sink = new Writable({ write: (_c, _e, cb) => cb() });
    const io = { stdout: sink, stderr: sink, env: {}, cwd: '/', isTty: false };
    const config = testConfig({ ...env });
    const rows = await rowChecksums(engine);
    let asked = '';
    await assert.rejects(
      restoreBackup(config, backupId, { dir: config.backupDir, actor: 'test', io, confirm: async (q) => ((asked = q), false) }),
      { code: 'restore_cancelled', exitCode: 1 },
    );
    assert.match(asked, new RegExp(`with backup ${backupId} .*A safety backup is taken first`));
    assert.deepEqual(await rowChecksums(engine), rows);
  });

  test('the env file is restored only with --with-env, and stays 0600', async () => {
    const envFile = path.join(engine.settings.home, 'ttops.env');
    writeFileSync(envFile, 'JOB_POLL_MS=1111\n', { mode: 0o600 });
    const created = await ttops(['--env-file', envFile, 'backup', 'create', '--json'], env);
    assert.equal(created.code, 0, created.stderr);
    const id = JSON.parse(created.stdout).id as string;
    assert.equal(statSync(path.join(engine.settings.home, 'backups', id, 'ttops.env')).mode & 0o777, 0o600);
    writeFileSync(envFile, 'JOB_POLL_MS=2222\n');

    const skipped = await ttops(['--env-file', envFile, 'backup', 'restore', id, '--yes'], env);
    assert.equal(skipped.code, 0, skipped.stderr);
    assert.match(skipped.stdout, /env file: skipped \(pass --with-env to restore it\)/);
    assert.equal(readFileSync(envFile, 'utf8'), 'JOB_POLL_MS=2222\n');

    const restored = await ttops(['--env-file', envFile, 'backup', 'restore', id, '--yes', '--with-env'], env);
    assert.equal(restored.code, 0, restored.stderr);
    assert.match(restored.stdout, /env file: restored/);
    assert.equal(readFileSync(envFile, 'utf8'), 'JOB_POLL_MS=1111\n');
    assert.equal(statSync(envFile).mode & 0o777, 0o600);
  });

  test('a process holding the SQLite file open makes restore refuse (exit 6) before touching anything', async () => {
    const driver = createRequire(import.meta.url).resolve('better-sqlite3');
    const file = path.join(engine.settings.home, 'ttops.db');
    const holder: ChildProcess = spawn(process.execPath, ['-e', `const D = require(${JSON.stringify(driver)}); const db = new D(${JSON.stringify(file)}); db.prepare('SELECT 1').get(); console.log('ready'); setInterval(() => {}, 1000);`], { stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      await new Promise<void>((resolve) => holder.stdout!.once('data', () => resolve()));
      const calls = standin.calls().length;
      const r = await ttops(['backup', 'restore', backupId, '--yes'], env);
      assert.equal(r.code, 6);
      assert.match(r.stderr, new RegExp(`is open in process ${holder.pid} — stop`));
      const verbs = standin.calls().slice(calls).map((c) => c.join(' '));
      assert.deepEqual(verbs.filter((v) => v.startsWith('st')), [
        'stop ttops-backup.timer', 'stop ttops-api.service', 'stop ttops-worker@1.service', 'stop ttops-worker@2.service',
        'start ttops-worker@2.service', 'start ttops-worker@1.service', 'start ttops-api.service', 'start ttops-backup.timer',
      ], 'units stopped for the check are started again');
    } finally {
      holder.kill();
    }
  });

  test('a backup of the other engine is refused (exit 6)', async () => {
    const r = await ttops(['backup', 'restore', backupId, '--yes', '--dir', path.join(engine.settings.home, 'backups')], { ...env, DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none' });
    assert.equal(r.code, 6);
    assert.match(r.stderr, /is a sqlite backup but this installation uses postgres/);
  });
});
