/**
 * `ttops logs`: the journalctl argv for each target (pure), then the real binary handing
 * its stdout to a stand-in journalctl, and the one sentence where journald is missing.
 */
import assert from 'node:assert/strict';
import { chmodSync, existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { EXIT } from '../../src/errors.js';
import { journalctlArgv, journaldUsable } from '../../src/ops/logs/journal.js';
import { ttops } from '../helpers/cli.js';
import { testConfig } from '../helpers/config.js';
import { tempDir } from '../helpers/engines.js';

test('journalctlArgv: units per target, lines, since, follow, output', () => {
  const base = { follow: false, lines: 100, output: 'short-iso' as const };
  assert.deepEqual(journalctlArgv('journalctl', { ...base, target: 'api' }), ['journalctl', '--no-pager', '-o', 'short-iso', '-n', '100', '-u', 'ttops-api.service']);
  assert.deepEqual(journalctlArgv('journalctl', { ...base, target: 'worker', follow: true, lines: 20, since: '1h ago', output: 'cat' }), [
    'journalctl', '--no-pager', '-o', 'cat', '-n', '20', '-u', 'ttops-worker@*.service', '--since', '1h ago', '--follow',
  ]);
  assert.deepEqual(journalctlArgv('/x/journalctl', { ...base, target: 'bot' }), ['/x/journalctl', '--no-pager', '-o', 'short-iso', '-n', '100', '-u', 'ttops-api.service', '--grep', 'bot']);
  assert.deepEqual(journalctlArgv('journalctl', { ...base, target: 'all', lines: 0 }), [
    'journalctl', '--no-pager', '-o', 'short-iso', '-n', '0', '-u', 'ttops-api.service', '-u', 'ttops-worker@*.service', '-u', 'ttops-backup.service',
  ]);
});

test('journaldUsable: TTOPS_JOURNALCTL or the journald directory', () => {
  assert.equal(journaldUsable(testConfig({ TTOPS_JOURNALCTL: '/x/journalctl' }), '/nonexistent'), true);
  assert.equal(journaldUsable(testConfig({}), '/nonexistent'), false);
  assert.equal(journaldUsable(testConfig({}), tempDir()), true);
});

test('ttops logs runs journalctl with its output straight on stdout, and passes a failure on', async () => {
  const dir = tempDir();
  const fake = path.join(dir, 'journalctl');
  writeFileSync(fake, '#!/usr/bin/env node\nconsole.log(JSON.stringify(process.argv.slice(2)));\nprocess.exit(process.argv.includes("--grep") ? 1 : 0);\n');
  chmodSync(fake, 0o755);
  const env = { TTOPS_HOME: dir, TTOPS_JOURNALCTL: fake };
  const worker = await ttops(['logs', 'worker', '-n', '5', '--since', 'today', '-o', 'cat'], env);
  assert.equal(worker.code, 0, worker.stderr);
  assert.deepEqual(JSON.parse(worker.stdout), ['--no-pager', '-o', 'cat', '-n', '5', '-u', 'ttops-worker@*.service', '--since', 'today']);
  const all = await ttops(['logs', '-f'], env);
  assert.deepEqual(JSON.parse(all.stdout), ['--no-pager', '-o', 'short-iso', '-n', '100', '-u', 'ttops-api.service', '-u', 'ttops-worker@*.service', '-u', 'ttops-backup.service', '--follow']);
  const failed = await ttops(['logs', 'bot'], env);
  assert.equal(failed.code, EXIT.failure);
  for (const args of [['logs', 'nginx'], ['logs', '-n', 'many'], ['logs', '-o', 'verbose']]) {
    assert.equal((await ttops(args, env)).code, EXIT.usage, args.join(' '));
  }
});

test('ttops logs without journald says where the logs are, in one sentence', async () => {
  assert.ok(!existsSync('/run/systemd/journal'), 'this test runs where journald is not running (containers, CI)');
  const result = await ttops(['logs', 'api'], { TTOPS_HOME: tempDir() });
  assert.equal(result.code, EXIT.conflict);
  assert.equal(result.stderr.split('\n').filter(Boolean).length, 1);
  assert.match(result.stderr, /^ttops: journald is not running here, so ttops writes its logs to the standard error of whatever runs it/);
});
