import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { SYSTEMD_UNITS, renderSystemdUnits, systemdDefaults, writablePaths, type SystemdInput } from '../../src/ops/render/systemd.js';
import { assertGolden, writeTree } from './fixtures/render-helpers.js';

// systemd-analyze comes from .ci/run (apt); without it these tests fail rather than skip.
const needsSystemd = {};
/** The brief's bar for every service: "OK" or better, well below the 9.2 of a tutorial unit. */
const MAX_EXPOSURE = 2.0;

test('systemdDefaults fills the deployed layout; media follows TTOPS_HOME', () => {
  const input = systemdDefaults();
  assert.equal(input.user, 'ttops');
  assert.equal(input.nodeBin, '/usr/bin/node');
  assert.equal(input.appDir, '/opt/ttops/current');
  assert.equal(input.envFile, '/etc/ttops/ttops.env');
  assert.equal(input.mediaDir, '/var/lib/ttops/media');
  assert.equal(systemdDefaults({ home: '/srv/ttops/' }).mediaDir, '/srv/ttops/media');
  assert.equal(systemdDefaults({ mediaDir: '/srv/media' }).mediaDir, '/srv/media');
  assert.equal(systemdDefaults({ nodeBin: undefined }).nodeBin, '/usr/bin/node', 'undefined keeps the default');
});

test('writablePaths lists each directory once and drops nested ones', () => {
  assert.equal(writablePaths(['/var/lib/ttops', '/var/lib/ttops/media']), '/var/lib/ttops');
  assert.equal(writablePaths(['/var/lib/ttops/', '/srv/media', '/var/lib/ttops']), '/var/lib/ttops /srv/media');
  assert.equal(writablePaths(['/var/lib/ttops', '/var/lib/ttops-other']), '/var/lib/ttops /var/lib/ttops-other');
});

test('inputs that systemd would expand or split are refused, naming the key', () => {
  const bad: Array<[Partial<SystemdInput>, RegExp]> = [
    [{ appDir: '/opt/ttops/%i' }, /appDir/],
    [{ nodeBin: '/usr/bin/node --inspect' }, /nodeBin/],
    [{ user: 'root\nExecStartPre=/bin/sh' }, /user/],
    [{ backupRandomDelay: '1h; rm' }, /backupRandomDelay/],
  ];
  for (const [change, message] of bad) {
    assert.throws(() => renderSystemdUnits(systemdDefaults(change)), (err: Error & { code?: string }) => {
      assert.match(err.message, message);
      assert.equal(err.code, 'render_input_invalid');
      return true;
    });
  }
});

test('units render exactly the golden files', () => {
  const files = renderSystemdUnits(systemdDefaults());
  assert.deepEqual(files.map((f) => f.path), SYSTEMD_UNITS.map((name) => `/etc/systemd/system/${name}`));
  assert.ok(files.every((f) => f.mode === 0o644));
  assertGolden('systemd', files);
});

/** Renders into a temp dir with paths that exist, as `systemd-analyze verify` checks ExecStart. */
function renderIntoTemp(): { dir: string; unitDir: string } {
  const dir = mkdtempSync(path.join(tmpdir(), 'ttops-units-'));
  mkdirSync(`${dir}/app/bin`, { recursive: true });
  writeFileSync(`${dir}/app/bin/ttops.js`, '');
  const unitDir = `${dir}/units`;
  const input = systemdDefaults({
    nodeBin: process.execPath,
    appDir: `${dir}/app`,
    home: `${dir}/home`,
    envFile: `${dir}/ttops.env`,
    backupDir: `${dir}/backups`,
    unitDir,
  });
  writeTree('/', renderSystemdUnits(input));
  return { dir, unitDir };
}

function verify(files: string[]): { status: number | null; stderr: string } {
  return spawnSync('systemd-analyze', ['verify', ...files], { encoding: 'utf8' });
}

test('systemd-analyze verify passes without a warning, and catches a broken unit', needsSystemd, (t) => {
  const { dir, unitDir } = renderIntoTemp();
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const ok = verify(SYSTEMD_UNITS.map((name) => `${unitDir}/${name}`));
  assert.equal(ok.status, 0, ok.stderr);
  assert.equal(ok.stderr, '', 'verify prints unknown keys and bad values as warnings only');

  const api = readFileSync(`${unitDir}/ttops-api.service`, 'utf8');
  mkdirSync(`${dir}/broken`);
  writeFileSync(`${dir}/broken/ttops-api.service`, api.replace(/^ExecStart=\S+/m, `ExecStart=${dir}/missing/node`));
  const missing = verify([`${dir}/broken/ttops-api.service`]);
  assert.notEqual(missing.status, 0);
  assert.match(missing.stderr, /is not executable/);

  writeFileSync(`${dir}/broken/ttops-api.service`, api.replace('TimeoutStopSec=', 'TimeoutStpoSec='));
  assert.match(verify([`${dir}/broken/ttops-api.service`]).stderr, /Unknown key 'TimeoutStpoSec'/);
});

/** "Overall exposure level for X: 1.1 OK" → 1.1 */
function exposure(unitFile: string): number {
  const result = spawnSync('systemd-analyze', ['security', '--offline=true', unitFile], { encoding: 'utf8' });
  const match = /Overall exposure level for \S+: (\d+\.\d+)/.exec(result.stdout);
  assert.ok(match, `no exposure level for ${unitFile}:\n${result.stdout}${result.stderr}`);
  return Number(match[1]);
}

test(`systemd-analyze security scores every service at most ${MAX_EXPOSURE.toFixed(1)}`, needsSystemd, (t) => {
  const { dir, unitDir } = renderIntoTemp();
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  // A template cannot be assessed; an instance copied under its own name can.
  mkdirSync(`${dir}/instance`);
  copyFileSync(`${unitDir}/ttops-worker@.service`, `${dir}/instance/ttops-worker@1.service`);
  const units = [`${unitDir}/ttops-api.service`, `${dir}/instance/ttops-worker@1.service`, `${unitDir}/ttops-backup.service`];
  for (const unit of units) {
    const score = exposure(unit);
    t.diagnostic(`${path.basename(unit)}: ${score}`);
    assert.ok(score <= MAX_EXPOSURE, `${path.basename(unit)} exposure ${score} > ${MAX_EXPOSURE}`);
  }

  // The same unit without its sandbox scores far worse, so the bound above means something.
  const api = readFileSync(`${unitDir}/ttops-api.service`, 'utf8');
  const bare = api.replace(/# --- sandboxing[\s\S]*?\n\n/, '\n');
  assert.notEqual(bare, api);
  mkdirSync(`${dir}/bare`);
  writeFileSync(`${dir}/bare/ttops-api.service`, bare);
  const bareScore = exposure(`${dir}/bare/ttops-api.service`);
  t.diagnostic(`ttops-api.service without sandbox: ${bareScore}`);
  assert.ok(bareScore > MAX_EXPOSURE);
});
