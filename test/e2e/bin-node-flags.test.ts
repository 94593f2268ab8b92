/**
 * bin/ttops starts the daemons (`serve`, `worker`) with 4 MB V8 semi-spaces (NODE_OPTIONS can
 * override it), and `--env-file` before the command still reaches the CLI (renamed so node
 * does not consume it). Read from the running process's /proc cmdline.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { BIN, cleanEnv, stop } from '../helpers/cli.js';
import { sqliteEngine } from '../helpers/engines.js';

let banner = '';

/** Starts `bin/ttops args…` and resolves once serve listens (its banner in `banner`). */
function start(args: string[], env: Record<string, string>): Promise<ChildProcess> {
  return new Promise((resolve, reject) => {
    const child = spawn(BIN, args, { env: cleanEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => {
      stderr += d;
      const line = /.*listening on http:.*/.exec(stderr);
      if (line) {
        banner = line[0];
        resolve(child);
      }
    });
    child.stdout.resume();
    child.on('exit', (code) => reject(new Error(`serve exited ${code} before listening: ${stderr}`)));
  });
}

/** The argv of a running process (sh has exec'd node under the same pid). */
function cmdline(child: ChildProcess): string[] {
  return readFileSync(`/proc/${child.pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
}

test('serve after an --env-file runs node with --max-semi-space-size=4, and the file is read', async () => {
  const engine = await sqliteEngine();
  const envFile = path.join(engine.settings.home!, 'ttops.env');
  // Only the file sets the port (0: any free one); unread, serve would take 8000.
  writeFileSync(envFile, 'PORT=0\nHOST=127.0.0.1\n');
  const child = await start(['--env-file', envFile, 'serve'], engine.env);
  try {
    assert.doesNotMatch(banner, /:8000\b/);
    const argv = cmdline(child);
    assert.equal(argv[1], '--max-semi-space-size=4', argv.join(' '));
    assert.match(argv[2]!, /bin\/ttops\.js$/);
    assert.deepEqual(argv.slice(3, 6), ['--ttops-env-file', envFile, 'serve']);
  } finally {
    assert.equal(await stop(child), 0);
    await engine.cleanup();
  }
});

test('a --max-semi-space-size in NODE_OPTIONS wins: bin/ttops adds none', async () => {
  const engine = await sqliteEngine();
  const child = await start(['serve', '--host', '127.0.0.1', '--port', '0'], { ...engine.env, LOG_LEVEL: 'info', NODE_OPTIONS: '--max-semi-space-size=8' });
  try {
    const argv = cmdline(child);
    assert.ok(!argv.some((a) => a.startsWith('--max-semi-space-size')), argv.join(' '));
    assert.match(argv[1]!, /bin\/ttops\.js$/);
  } finally {
    assert.equal(await stop(child), 0);
    await engine.cleanup();
  }
});
