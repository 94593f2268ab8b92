/** Rollback's choices: the target release and the warning when it predates the schema. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { unitUser } from '../../src/ops/release/rollback.js';
import { rollbackTarget, schemaLevel, schemaWarning } from '../../src/ops/release/select.js';
import { tempDir } from '../helpers/engines.js';

test('rolling back to a release that ships fewer migrations than the database has warns, naming the newer steps', () => {
  const warning = schemaWarning('r1', ['0001_foundation'], ['0001_foundation', '0002_jobs', '0003_payments']);
  assert.ok(warning);
  assert.match(warning, /^release r1 expects an older schema \(up to 0001_foundation\) than the database, which also has 0002_jobs, 0003_payments;/);
  assert.match(warning, /ttops migrate down/);
  assert.equal(schemaWarning('r1', ['0001_foundation', '0002_jobs'], ['0001_foundation', '0002_jobs']), undefined);
  assert.equal(schemaWarning('r1', ['0001_foundation', '0002_jobs'], ['0001_foundation']), undefined, 'a newer release over an older schema is not this warning');
  assert.match(schemaWarning('r0', [], ['0001_foundation']) ?? '', /up to no migrations/);
  assert.equal(schemaLevel(['0001_foundation', '0002_jobs']), '0002_jobs');
});

test('the rollback target is the newest healthy release before current, or the one named', () => {
  const ordered = ['r1', 'r2', 'r3', 'r4'];
  assert.equal(rollbackTarget(ordered, 'r4', new Set(['r3'])), 'r2', 'a release whose gate failed is skipped');
  assert.equal(rollbackTarget(ordered, 'r4', new Set(['r3']), 'r3'), 'r3', 'unless named');
  assert.equal(rollbackTarget(ordered, undefined, new Set()), 'r4');
  assert.throws(() => rollbackTarget(ordered, 'r4', new Set(), 'r9'), (e: Error & { exitCode?: number }) => /release r9 does not exist; releases on this box: r1, r2, r3, r4\./.test(e.message) && e.exitCode === 5);
  assert.throws(() => rollbackTarget(ordered, 'r1', new Set()), /no healthy release before r1 to roll back to; pass --to ID/);
});

test('rollback runs migrate status as the User= of the installed API unit', (t) => {
  const dir = tempDir('ttops-unit-user-');
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(path.join(dir, 'ttops-api.service'), '[Service]\nUser=nobody\nGroup=nogroup\n');
  assert.equal(unitUser(dir), 'nobody');
  writeFileSync(path.join(dir, 'ttops-api.service'), '[Service]\nUser=no-such-user-here\n');
  assert.equal(unitUser(dir), undefined, 'an unknown user falls back to the default');
  assert.equal(unitUser(path.join(dir, 'missing')), undefined);
});
