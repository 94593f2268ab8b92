/**
 * The interrupt scope (src/ops/interrupt.ts) on its own: a signal kills the command being
 * waited on, runs registered cleanups last-in first-out, and rejects with InterruptedError
 * (exit 130); shielded work still runs commands; listeners are removed afterwards.
 */
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { InterruptedError, interruptible, removeOnInterrupt, shielded, onInterrupt } from '../../src/ops/interrupt.js';
import { runCommand } from '../../src/ops/runner.js';
import { tempDir } from '../helpers/engines.js';

test('a signal kills the running command, removes registered temp folders and rejects with exit 130', async () => {
  const source = new EventEmitter();
  const dir = path.join(tempDir('ttops-interrupt-'), 'partial');
  const order: string[] = [];
  const work = interruptible('sleeping', async () => {
    mkdirSync(dir);
    removeOnInterrupt(dir, 'removed the partial folder');
    onInterrupt(() => void order.push('registered last, runs first'));
    setImmediate(() => source.emit('SIGINT'));
    await runCommand({ argv: ['sleep', '300'], why: 'wait a long time' });
  }, { source, graceMs: 600_000 });
  const error = await work.then(() => undefined, (e: unknown) => e);
  assert.ok(error instanceof InterruptedError);
  assert.equal(error.exitCode, 130);
  assert.equal(error.code, 'interrupted');
  assert.equal(error.message, 'sleeping was interrupted (SIGINT); removed the partial folder.');
  assert.ok(!existsSync(dir));
  assert.deepEqual(order, ['registered last, runs first']);
  assert.equal(source.listenerCount('SIGINT') + source.listenerCount('SIGTERM'), 0);
});

test('shielded work runs commands after the interrupt; the work may throw its own InterruptedError', async () => {
  const source = new EventEmitter();
  const work = interruptible('deploy', async () => {
    setImmediate(() => source.emit('SIGTERM'));
    try {
      await runCommand({ argv: ['sleep', '300'], why: 'wait' });
    } catch {
      const { stdout } = await shielded(() => runCommand({ argv: ['echo', 'switched back'], why: 'undo' }));
      throw new InterruptedError(`interrupted; ${stdout.trim()}`);
    }
  }, { source });
  await assert.rejects(work, { code: 'interrupted', message: 'interrupted; switched back' });
});

test('without a signal the result passes through and nothing is cleaned up', async () => {
  const source = new EventEmitter();
  const dir = tempDir('ttops-interrupt-');
  const value = await interruptible('work', async () => {
    removeOnInterrupt(dir);
    return 42;
  }, { source });
  assert.equal(value, 42);
  assert.ok(existsSync(dir));
  assert.equal(source.listenerCount('SIGINT'), 0);
});
