/**
 * Through `npx`, the way the README's first steps run it. On Node 20 node itself reads
 * `--env-file` from npx's own arguments and exits 9 when the file does not exist yet
 * (nodejs/node#54232), so the same flag is also spelled `--config-file`. The one test
 * that runs npx; it runs only short commands, never a daemon.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { tempDir } from '../helpers/engines.js';
import { cleanEnv, type CliResult } from '../helpers/cli.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

function npx(args: string[], env: Record<string, string>): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn('npx', ['--no-install', 'ttops', ...args], { cwd: ROOT, env: cleanEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

test('npx ttops init --config-file NEW writes NEW, and config --config-file reads it back', async () => {
  const dir = tempDir();
  const file = path.join(dir, 'new.env');
  const home = path.join(dir, 'home');
  const init = await npx(['init', '--yes', '--config-file', file, '--api-domain', 'api.example.com', '--media-domain', 'media.example.com'], { TTOPS_HOME: home });
  assert.equal(init.code, 0, init.stderr);
  assert.equal(statSync(file).mode & 0o777, 0o600);
  assert.match(init.stdout, new RegExp(`^next: \`ttops serve --env-file ${file}\`$`, 'm'), 'the next step names the file it wrote');
  const config = await npx(['--json', 'config', '--config-file', file], { TTOPS_HOME: home });
  assert.equal(config.code, 0, config.stderr);
  const shown = JSON.parse(config.stdout);
  assert.equal(shown.env_file, file);
  const admin = shown.settings.find((s: { name: string }) => s.name === 'ADMIN_API_KEY');
  assert.deepEqual([admin.value, admin.source, admin.file], ['[redacted]', 'env_file', file]);
  // --env-file of an existing file passes through npx too (node 20 only dies on a missing one).
  const same = await npx(['--json', 'config', '--env-file', file], { TTOPS_HOME: home });
  assert.equal(same.code, 0, same.stderr);
  assert.equal(JSON.parse(same.stdout).env_file, file);
  assert.ok(!existsSync(home), 'init and config create no data directory');
  rmSync(dir, { recursive: true, force: true });
});
