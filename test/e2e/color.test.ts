/**
 * Colour follows one decision everywhere (src/color.ts): on a terminal the state words of
 * `status` and `healthcheck`, the pretty log of `serve` and the `init` prompts are coloured;
 * NO_COLOR, --no-color or a pipe turn every colour off, even on a terminal.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { sqliteEngine, type TestEngine } from '../helpers/engines.js';
import { CTRL_C, SGR, ttops, ttopsOnPty } from '../helpers/cli.js';

let engine: TestEngine;
let health: Server;
let healthUrl: string;

before(async () => {
  engine = await sqliteEngine();
  assert.equal((await ttops(['migrate', 'up'], engine.env)).code, 0);
  health = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/health+json' });
    res.end(JSON.stringify({ status: 'warn', checks: { store: { status: 'pass' }, migrations: { status: 'warn', output: '1 pending' } } }));
  });
  await new Promise<void>((resolve) => health.listen(0, '127.0.0.1', resolve));
  healthUrl = `http://127.0.0.1:${(health.address() as AddressInfo).port}`;
});

after(async () => {
  health.close();
  await engine.cleanup();
});

test('status colours its state words on a terminal, and nowhere with NO_COLOR, --no-color or a pipe', async () => {
  const coloured = await ttopsOnPty(['status'], engine.env);
  assert.equal(coloured.code, 0, coloured.output);
  assert.match(coloured.output, /migrations\s+\x1b\[32mcurrent\x1b\[39m/, 'current in green');
  for (const [args, env] of [[['status'], { NO_COLOR: '1' }], [['--no-color', 'status'], {}]] as const) {
    const plain = await ttopsOnPty([...args], { ...engine.env, ...env });
    assert.equal(plain.code, 0, plain.output);
    assert.match(plain.output, /migrations\s+current/);
    assert.doesNotMatch(plain.output, SGR, `${args.join(' ')} ${JSON.stringify(env)}`);
  }
  const piped = await ttops(['status'], engine.env);
  assert.doesNotMatch(piped.stdout, SGR);
});

test('healthcheck colours pass/warn on a terminal only', async () => {
  const coloured = await ttopsOnPty(['healthcheck', '--url', healthUrl], {});
  assert.equal(coloured.code, 0, coloured.output);
  assert.match(coloured.output, /\x1b\[32mhealthy\x1b\[39m \(\x1b\[33mwarn\x1b\[39m\)/);
  assert.match(coloured.output, /\x1b\[33mwarn\x1b\[39m  migrations  1 pending/, 'padding counts the word, not its escape codes');
  for (const [args, env] of [[['healthcheck', '--url', healthUrl], { NO_COLOR: '1' }], [['healthcheck', '--no-color', '--url', healthUrl], {}]] as const) {
    const plain = await ttopsOnPty([...args], env);
    assert.match(plain.output, /healthy \(warn\)/);
    assert.match(plain.output, / {2}warn  migrations  1 pending/);
    assert.doesNotMatch(plain.output, SGR);
  }
  assert.doesNotMatch((await ttops(['healthcheck', '--url', healthUrl], {})).stdout, SGR);
});

test('the pretty log of serve on a terminal is coloured, and plain with NO_COLOR or --no-color', async () => {
  for (const [args, env, colour] of [[[], {}, true], [[], { NO_COLOR: '1' }, false], [['--no-color'], {}, false]] as const) {
    const fresh = await sqliteEngine(); // a fresh home, so that serve logs "applied migrations" at info
    try {
      const r = await ttopsOnPty([...args, 'serve', '--host', '127.0.0.1', '--port', '0'], { ...fresh.env, ...env }, { steps: [{ waitFor: /listening on/, send: CTRL_C }] });
      assert.equal(r.code, 0, r.output);
      assert.match(r.output, /INFO.*applied migrations/);
      if (colour) assert.match(r.output, /\x1b\[32mINFO\x1b\[39m/);
      else assert.doesNotMatch(r.output, SGR, JSON.stringify({ args, env }));
    } finally {
      await fresh.cleanup();
    }
  }
});

test('init prompts are coloured on a terminal and plain with --no-color', async () => {
  for (const [args, colour] of [[['init'], true], [['--no-color', 'init'], false]] as const) {
    const home = await sqliteEngine();
    try {
      const r = await ttopsOnPty([...args], {}, { cwd: home.settings.home, steps: [{ waitFor: /production server/, send: CTRL_C }] });
      assert.equal(r.code, 130, r.output);
      if (colour) assert.match(r.output, SGR);
      else assert.doesNotMatch(r.output, SGR);
    } finally {
      await home.cleanup();
    }
  }
});
