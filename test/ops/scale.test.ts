/**
 * Scaling workers: the pure plan, the systemctl listing parser, the configured-vs-alive
 * join, then `ttops scale` through the real binary against the recording systemctl
 * stand-in, and the one-sentence refusal where systemd is not running.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { EXIT } from '../../src/errors.js';
import { planScale } from '../../src/ops/scale/plan.js';
import { parseWorkerListing, wantedInstances } from '../../src/ops/scale/units.js';
import { planWorkerView, summarizeWorkers } from '../../src/ops/scale/view.js';
import { installedUnits, requireSystemd, systemctlArgv, systemdUsable } from '../../src/ops/systemd-env.js';
import { openStore } from '../../src/store/open.js';
import type { WorkerRecord } from '../../src/store/types.js';
import { ttops } from '../helpers/cli.js';
import { testConfig } from '../helpers/config.js';
import { sqliteEngine, tempDir } from '../helpers/engines.js';
import { installSystemctlStandin } from '../helpers/systemctl-standin.js';

const argvs = (target: number, current: number[], partial?: number[]) => planScale(current, target, { partial }).map((c) => c.argv.join(' '));

test('planScale: exact commands for up, down, no change and gaps', () => {
  assert.deepEqual(argvs(3, []), ['systemctl enable --now ttops-worker@1.service', 'systemctl enable --now ttops-worker@2.service', 'systemctl enable --now ttops-worker@3.service']);
  assert.deepEqual(argvs(1, [1, 2, 3]), ['systemctl disable --now ttops-worker@3.service', 'systemctl disable --now ttops-worker@2.service']);
  assert.deepEqual(argvs(2, [1, 2]), []);
  assert.deepEqual(argvs(2, [1, 3]), ['systemctl enable --now ttops-worker@2.service', 'systemctl disable --now ttops-worker@3.service']);
  assert.deepEqual(argvs(0, [2, 1]), ['systemctl disable --now ttops-worker@2.service', 'systemctl disable --now ttops-worker@1.service']);
  // Half states: enabled-but-stopped 2 is started; a stray 5 above the target is stopped too.
  assert.deepEqual(argvs(2, [1], [2, 5]), ['systemctl enable --now ttops-worker@2.service', 'systemctl disable --now ttops-worker@5.service']);
  assert.deepEqual(planScale([], 1, { systemctl: '/x/systemctl' })[0], { argv: ['/x/systemctl', 'enable', '--now', 'ttops-worker@1.service'], why: 'start worker 1 now and at boot' });
  assert.throws(() => planScale([], 65), RangeError);
  assert.throws(() => planScale([], -1), RangeError);
});

test('parseWorkerListing reads list-units and list-unit-files lines', () => {
  const listing = [
    'ttops-worker@1.service loaded active running ttops job worker 1',
    '● ttops-worker@12.service loaded failed failed ttops job worker 12',
    'ttops-worker@3.service loaded inactive dead ttops job worker 3',
    'ttops-worker@.service disabled enabled',
    'ttops-api.service loaded active running ttops API',
    '',
  ].join('\n');
  assert.deepEqual([...parseWorkerListing(listing)], [[1, true], [12, false], [3, false]]);
  const wants = tempDir();
  writeFileSync(path.join(wants, 'ttops-worker@4.service'), '');
  writeFileSync(path.join(wants, 'other.service'), '');
  assert.deepEqual(wantedInstances(wants), [4]);
  assert.deepEqual(wantedInstances(path.join(wants, 'missing')), []);
});

test('planWorkerView joins instances with fresh heartbeats (3 leases)', () => {
  const now = new Date('2025-06-01T12:00:00Z');
  const hb = (id: string, instance: string | null, secondsAgo: number): WorkerRecord => ({
    id, hostname: 'vps', pid: 100, instance, concurrency: 16, running: 2, startedAt: '2025-06-01T00:00:00Z', heartbeatAt: new Date(now.getTime() - secondsAgo * 1000).toISOString(), stopping: false,
  });
  const units = [{ instance: 1, unit: 'ttops-worker@1.service', enabled: true, active: true }, { instance: 2, unit: 'ttops-worker@2.service', enabled: true, active: true }];
  const rows = planWorkerView(units, [hb('a', '1', 5), hb('old-a', '1', 600), hb('b', '2', 31), hb('serve', null, 1), hb('gone', null, 300)], 10_000, now);
  assert.deepEqual(rows.map((r) => [r.instance, r.enabled, r.alive, r.heartbeatAgeS]), [[1, true, true, 5], [2, true, false, 31], [null, false, true, 1]]);
  assert.deepEqual(summarizeWorkers(rows), { configured: [1, 2], alive: 2, aliveOutsideSystemd: 1 });
});

test('systemd-env: usable with TTOPS_SYSTEMCTL or the sd_booted marker, argv uses the configured binary', async () => {
  const marker = tempDir();
  const explicit = testConfig({ TTOPS_SYSTEMCTL: '/opt/fake/systemctl' });
  const plain = testConfig({});
  assert.equal(systemdUsable(explicit, '/nonexistent'), true);
  assert.equal(systemdUsable(plain, '/nonexistent'), false);
  assert.equal(systemdUsable(plain, marker), true);
  assert.deepEqual(systemctlArgv(explicit, 'restart', 'ttops-api.service'), ['/opt/fake/systemctl', 'restart', 'ttops-api.service']);
  assert.throws(() => requireSystemd(plain, 'do X instead', '/nonexistent'), (e: Error & { exitCode: number; code: string }) => e.message === 'systemd is not running here; do X instead' && e.exitCode === EXIT.conflict && e.code === 'systemd_unavailable');
  assert.deepEqual(await installedUnits(plain, '/nonexistent'), [], 'no systemd: nothing installed to stop or start');
  const standin = installSystemctlStandin(tempDir(), { 'ttops-api.service': { enabled: true }, 'ttops-worker@.service': {}, 'nginx.service': { enabled: true } });
  assert.deepEqual(await installedUnits(testConfig({ TTOPS_SYSTEMCTL: standin.bin })), ['ttops-api.service', 'ttops-worker@.service']);
});

test('ttops scale workers 3, then 1, drives systemctl and leaves exactly those running', async () => {
  const engine = await sqliteEngine();
  const standin = installSystemctlStandin(path.join(engine.settings.home, 'standin'), { 'ttops-api.service': { enabled: true, active: true } });
  const env = { ...engine.env, TTOPS_SYSTEMCTL: standin.bin };
  try {
    const dry = await ttops(['scale', 'workers', '3', '--dry-run', '--json'], env);
    assert.equal(dry.code, 0, dry.stderr);
    assert.deepEqual(JSON.parse(dry.stdout).commands.map((c: { argv: string[] }) => c.argv.slice(1).join(' ')), [1, 2, 3].map((i) => `enable --now ttops-worker@${i}.service`));
    assert.ok(!standin.calls().some((c) => c[0] === 'enable'), '--dry-run changes nothing');
    const dryText = await ttops(['scale', 'workers', '3', '--dry-run'], env);
    assert.match(dryText.stdout, /^# scale workers to 3\nrun {3}\S+systemctl enable --now ttops-worker@1\.service {4}# start worker 1 now and at boot\n/);

    const up = await ttops(['scale', 'workers', '3', '--json'], env);
    assert.equal(up.code, 0, up.stderr);
    const upJson = JSON.parse(up.stdout);
    assert.deepEqual([upJson.target, upJson.before, upJson.after], [3, [], [1, 2, 3]]);
    const changes = standin.calls().filter((c) => c[0] === 'enable' || c[0] === 'disable');
    assert.deepEqual(changes, [1, 2, 3].map((i) => ['enable', '--now', `ttops-worker@${i}.service`]));
    assert.ok(standin.calls().some((c) => c[0] === 'list-units' && c.includes('ttops-worker@*') && c.includes('--all')), 'reads state with list-units');
    for (const i of [1, 2, 3]) assert.deepEqual(standin.state()[`ttops-worker@${i}.service`], { enabled: true, active: true });

    const same = await ttops(['scale', 'workers', '3'], env);
    assert.equal(same.code, 0);
    assert.match(same.stdout, /workers already at 3; nothing to change/);

    const before = standin.calls().length;
    const down = await ttops(['scale', 'workers', '1'], env);
    assert.equal(down.code, 0, down.stderr);
    assert.match(down.stdout, /workers: 1 running \(@1\), was 3 \(@1 @2 @3\)/);
    assert.deepEqual(standin.calls().slice(before).filter((c) => c[0] === 'enable' || c[0] === 'disable'), [
      ['disable', '--now', 'ttops-worker@3.service'],
      ['disable', '--now', 'ttops-worker@2.service'],
    ]);
    assert.deepEqual(standin.state()['ttops-worker@1.service'], { enabled: true, active: true });
    assert.deepEqual(standin.state()['ttops-worker@2.service'], { enabled: false, active: false });
    assert.deepEqual(standin.state()['ttops-worker@3.service'], { enabled: false, active: false });

    // `ttops scale` alone: configured vs alive, from the units and the heartbeats.
    const store = await openStore(testConfig(engine.env));
    await store.migrateUp();
    await store.heartbeat({ id: 'w-1', hostname: 'vps', pid: 4242, instance: '1', concurrency: 16, running: 3, stopping: false }, 10_000, []);
    await store.close();
    const view = await ttops(['scale', '--json'], env);
    assert.equal(view.code, 0, view.stderr);
    const viewJson = JSON.parse(view.stdout);
    assert.deepEqual([viewJson.configured, viewJson.alive], [[1], 1]);
    assert.deepEqual(viewJson.workers.map((w: Record<string, unknown>) => [w.instance, w.enabled, w.active, w.alive, w.running, w.pid]), [[1, true, true, true, 3, 4242]]);
    const table = await ttops(['scale'], env);
    assert.match(table.stdout, /^1 configured, 1 alive \(alive = heartbeat within \d+ s\)\nINSTANCE +ENABLED +ACTIVE +ALIVE +HEARTBEAT +RUNNING +PID\n@1 +yes +yes +yes +\d+s ago +3\/16 +4242\n$/);
  } finally {
    await engine.cleanup();
  }
});

test('a failing systemctl stops the plan with the command named and exit 1', async () => {
  const engine = await sqliteEngine();
  const standin = installSystemctlStandin(path.join(engine.settings.home, 'standin'));
  standin.failOn('enable --now ttops-worker@2.service', 'Failed to enable unit: Unit file ttops-worker@.service does not exist.');
  try {
    const result = await ttops(['scale', 'workers', '3'], { ...engine.env, TTOPS_SYSTEMCTL: standin.bin });
    assert.equal(result.code, EXIT.failure);
    assert.match(result.stderr, /start worker 2 now and at boot: `\S+ enable --now ttops-worker@2\.service` failed — Failed to enable unit/);
    assert.deepEqual(standin.state()['ttops-worker@1.service'], { enabled: true, active: true });
    assert.ok(!standin.calls().some((c) => c.includes('ttops-worker@3.service') && c[0] === 'enable'), 'stops at the first failure');
  } finally {
    await engine.cleanup();
  }
});

test('ttops scale where systemd is not running: one sentence, exit 6, nothing run', async () => {
  assert.ok(!existsSync('/run/systemd/system'), 'this test runs where systemd is not PID 1 (containers, CI)');
  const engine = await sqliteEngine();
  try {
    for (const args of [['scale', 'workers', '2'], ['scale']]) {
      const result = await ttops(args, engine.env);
      assert.equal(result.code, EXIT.conflict, args.join(' '));
      assert.equal(result.stderr, 'ttops: systemd is not running here; run `ttops worker` yourself or use `ttops serve --workers N`\n');
      assert.equal(result.stdout, '');
    }
    const json = await ttops(['scale', 'workers', '2', '--json'], engine.env);
    assert.deepEqual(JSON.parse(json.stderr), { error: { code: 'systemd_unavailable', message: 'systemd is not running here; run `ttops worker` yourself or use `ttops serve --workers N`' } });
  } finally {
    await engine.cleanup();
  }
});

test('ttops scale usage errors exit 2 before touching systemd', async () => {
  const dir = tempDir();
  mkdirSync(dir, { recursive: true });
  const standin = installSystemctlStandin(dir);
  for (const args of [['scale', 'workers', '65'], ['scale', 'workers', '-1'], ['scale', 'workers', 'two'], ['scale', 'api', '2'], ['scale', 'workers']]) {
    const result = await ttops(args, { TTOPS_HOME: dir, TTOPS_SYSTEMCTL: standin.bin });
    assert.equal(result.code, EXIT.usage, `${args.join(' ')}: ${result.stderr}`);
  }
  assert.deepEqual(standin.calls(), []);
});
