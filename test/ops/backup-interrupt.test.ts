/**
 * Ctrl-C during backups, through the binary: SIGINT to a running `backup create` or
 * `backup restore` exits 130 with one line and leaves no temp folder behind; `prune`
 * removes a crashed run's `.tmp-*` folder at once (its writer pid is gone) and says so;
 * progress shows as plain lines without a terminal and not at all with --json.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { BIN, cleanEnv, ttops, type CliResult } from '../helpers/cli.js';
import { sqliteEngine, type TestEngine } from '../helpers/engines.js';
import { makeBackupId } from '../../src/ops/backup/layout.js';
import { seed } from './backup-helpers.js';

let engine: TestEngine;
let dir: string;
let media: string;
before(async () => {
  engine = await sqliteEngine();
  await seed(engine, 2);
  dir = path.join(engine.settings.home, 'backups');
  media = path.join(engine.settings.home, 'media');
  // Random bytes do not compress, so archiving them takes long enough to interrupt.
  mkdirSync(media, { recursive: true });
  for (let i = 0; i < 3; i++) writeFileSync(path.join(media, `clip-${i}.bin`), randomBytes(40 << 20));
});
after(async () => engine.cleanup());

/** Runs `ttops args`, sends SIGINT once `ready()` holds, and returns how it ended. */
async function interruptWhen(args: string[], ready: () => boolean): Promise<CliResult & { signalled: boolean }> {
  const child = spawn(BIN, args, { env: cleanEnv(engine.env), stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  const done = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  let signalled = false;
  let exited = false;
  void done.then(() => (exited = true));
  while (!exited) {
    if (ready()) {
      child.kill('SIGINT');
      signalled = true;
      break;
    }
    await sleep(10);
  }
  return { code: await done, stdout, stderr, signalled };
}

const temps = () => (existsSync(dir) ? readdirSync(dir).filter((n) => n.startsWith('.tmp-')) : []);
const lines = (text: string) => text.split('\n').filter(Boolean);

test('SIGINT during backup create: exit 130, one line, no .tmp- folder, the list unchanged', async () => {
  const before = await ttops(['backup', 'list', '--json'], engine.env);
  const r = await interruptWhen(['backup', 'create'], () => temps().some((t) => existsSync(path.join(dir, t, 'media.tar.gz'))));
  assert.ok(r.signalled, `create finished before it could be interrupted: ${r.stderr}`);
  assert.equal(r.code, 130, r.stderr);
  const reported = lines(r.stderr).filter((l) => l.startsWith('ttops:'));
  assert.equal(reported.length, 1, r.stderr);
  assert.match(reported[0], /^ttops: backup create was interrupted \(SIGINT\); removed the unfinished backup folder \.tmp-\S+; nothing was kept\.$/);
  assert.doesNotMatch(r.stderr, /internal error|\n\s+at /);
  assert.deepEqual(temps(), []);
  const afterwards = await ttops(['backup', 'list', '--json'], engine.env);
  assert.deepEqual(JSON.parse(afterwards.stdout), JSON.parse(before.stdout));
});

test('progress: plain step lines without a terminal, nothing but the JSON with --json', async () => {
  const plain = await ttops(['backup', 'create'], engine.env);
  assert.equal(plain.code, 0, plain.stderr);
  assert.match(plain.stderr, /^==> Dump the sqlite database and archive .*\n {4}done in \d+\.\d s: db [\d.]+ [kM]?B, media 12\d\.\d MB \(3 files\)\n/);
  assert.match(plain.stderr, /^==> Check the dump and checksum every file\n {4}done in \d+\.\d s: \d+ tables, sha256 of [\d.]+ MB$/m);
  assert.match(plain.stdout, /^created backup \S+ in /);
  const json = await ttops(['backup', 'create', '--json'], engine.env);
  assert.equal(json.code, 0, json.stderr);
  assert.equal(json.stderr, '');
  assert.equal(typeof JSON.parse(json.stdout).id, 'string');
});

test('SIGINT during restore (in its safety backup): exit 130, nothing restored, no temp folder', async () => {
  const list = JSON.parse((await ttops(['backup', 'list', '--json'], engine.env)).stdout) as { id: string; status: string }[];
  const target = list.find((b) => b.status === 'ok')!.id;
  const count = readdirSync(dir).length;
  const r = await interruptWhen(['backup', 'restore', target, '--yes'], () => temps().length > 0);
  assert.ok(r.signalled, r.stderr);
  assert.equal(r.code, 130, r.stderr);
  const reported = lines(r.stderr).filter((l) => l.startsWith('ttops:'));
  assert.deepEqual(reported, ['ttops: restore was interrupted during the safety backup; nothing was restored.']);
  assert.deepEqual(temps(), []);
  assert.equal(readdirSync(dir).length, count, 'no backup added, none lost');
  assert.deepEqual(readdirSync(path.dirname(media)).filter((n) => n.includes('.ttops-')), [], 'no media temp folder');
});

test('prune removes a crashed run\'s .tmp- folder at once and says so; a live writer\'s stays', async () => {
  const dead = spawnSync('true').pid; // exited: its pid names no process now
  const crashed = `.tmp-${makeBackupId(new Date())}`;
  const live = `.tmp-${makeBackupId(new Date())}`;
  mkdirSync(path.join(dir, crashed));
  writeFileSync(path.join(dir, crashed, 'writer.pid'), `${dead} ${hostname()}\n`);
  writeFileSync(path.join(dir, crashed, 'media.tar.gz'), randomBytes(1024));
  mkdirSync(path.join(dir, live));
  writeFileSync(path.join(dir, live, 'writer.pid'), `${process.pid} ${hostname()}\n`);

  const r = await ttops(['backup', 'prune'], engine.env);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, new RegExp(`^deleted ${crashed.replace('.', '\\.')} {2}\\(unfinished: the backup run that wrote it \\(pid ${dead}\\) is gone\\)$`, 'm'));
  assert.match(r.stdout, new RegExp(`^keep {4}${live.replace('.', '\\.')} {2}\\(unfinished, still being written\\)$`, 'm'));
  assert.deepEqual(temps(), [live]);
});
