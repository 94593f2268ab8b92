/**
 * Two real `ttops serve` processes on one PostgreSQL: a gift simulated through B plays on
 * a socket connected to A; with sockets on both, exactly one of them holds the streamer's
 * lease (one upstream per streamer); when the holder's sockets close, the other takes over;
 * when the holder is killed outright, the other takes over once its lease runs out.
 */
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import pg from 'pg';
import { NO_UPSTREAM } from '../../src/live/sessions-source.js';
import { openStore } from '../../src/store/open.js';
import { makeAudioFixtures, multipartBody, type AudioFixtures } from '../helpers/audio.js';
import { startServe, stop } from '../helpers/cli.js';
import { testConfig } from '../helpers/config.js';
import { postgresEngine, tempDir, type TestEngine } from '../helpers/engines.js';
import { call, makeHttpStreamer } from './http-streamer.js';
import { connectWs, eventually, nextMessage, type Client } from './ws-client.js';

const ADMIN = 'multi-serve-admin-key-0123456789abcdef';
const LEASE_SECONDS = 2;

let engine: TestEngine;
let audio: AudioFixtures;
let db: pg.Client;
let mediaDir = '';
const homes: string[] = [];
const serves: { name: string; url: string; child: ChildProcess; stderr: () => string }[] = [];
const sockets: Client[] = [];

async function spawnServe(name: string) {
  const home = tempDir(`ttops-${name}-`);
  homes.push(home);
  const started = await startServe(
    {
      TTOPS_ENV: 'dev',
      TTOPS_HOME: home,
      DATABASE_URL: engine.settings.databaseUrl!,
      MEDIA_DIR: mediaDir,
      JWT_SECRET: 'multi-serve-jwt-secret-0123456789abcdef0123',
      ADMIN_API_KEY: ADMIN,
      LIVE_SOURCE: 'replay',
      LIVE_LEASE_SECONDS: String(LEASE_SECONDS),
      LIVE_GRACE_SECONDS: '0',
      TTS_ENGINE: 'none',
    },
    ['--workers', '0'],
  );
  const serve = { name, url: started.url, child: started.child, stderr: started.stderr };
  serves.push(serve);
  return serve;
}

/** The lease row's holder, and which serve it names (holders are host/pid/random). */
async function leaseHolder(userId: number): Promise<string | null> {
  const { rows } = await db.query('SELECT holder FROM live_leases WHERE user_id = $1 AND lease_until > now()', [userId]);
  if (rows.length === 0) return null;
  const pid = Number(String(rows[0].holder).split('/')[1]);
  return serves.find((s) => s.child.pid === pid)?.name ?? `unknown ${rows[0].holder}`;
}

async function open(base: string, token: string): Promise<Client> {
  const client = await connectWs(base, token);
  sockets.push(client);
  return client;
}

before(async () => {
  audio = makeAudioFixtures();
  engine = await postgresEngine();
  mediaDir = path.join(engine.settings.home, 'media');
  mkdirSync(mediaDir, { recursive: true });
  // Migrated once up front, so the two processes start on the same schema.
  const store = await openStore(testConfig(engine.env));
  await store.migrateUp();
  await store.close();
  db = new pg.Client({ connectionString: engine.settings.databaseUrl });
  await db.connect();
  await spawnServe('A');
  await spawnServe('B');
});

after(async () => {
  for (const s of sockets) s.ws.terminate();
  for (const s of serves) await stop(s.child);
  await db?.end();
  await engine.cleanup();
  for (const home of homes) rmSync(home, { recursive: true, force: true });
  rmSync(audio.dir, { recursive: true, force: true });
});

test('a gift simulated through B plays on the streamer socket connected to A', async () => {
  const [A, B] = serves;
  const s = await makeHttpStreamer(A.url, ADMIN, 'crossproc');
  const body = multipartBody('file', 'rose.mp3', audio.mp3);
  const sound = await call(A.url, 'POST', '/v2/sounds/upload', { token: s.token, headers: body.headers, body: body.payload });
  assert.equal(sound.status, 201, JSON.stringify(sound.body));
  const trigger = await call(A.url, 'POST', '/v2/triggers/set', {
    token: s.token,
    json: { event_type: 'gift', condition_key: 'gift_name', condition_value: 'Rose', action: 'play_sound', action_params: { sound: sound.body.filename, volume: 70 } },
  });
  assert.equal(trigger.status, 200, JSON.stringify(trigger.body));

  const onA = await open(A.url, s.token);
  await nextMessage(onA, (m) => m.type === 'status', 'the greeting');
  const simulated = await call(B.url, 'POST', '/v2/live/simulate', { token: s.token, json: { event_type: 'gift', gift_name: 'Rose', diamond_count: 1, nickname: 'Ann' } });
  assert.equal(simulated.status, 200, JSON.stringify(simulated.body));
  const action = await nextMessage(onA, (m) => m.type === 'action', 'the action on A');
  assert.equal(action.trigger_id, trigger.body.id);
  assert.equal(action.volume, 70);
  assert.match(String(action.url), new RegExp(`/static/sounds/${s.userId}/${sound.body.filename}$`));
  const gift = await nextMessage(onA, (m) => m.type === 'event', 'the event on A');
  assert.equal((gift.event as Record<string, unknown>).gift_name, 'Rose');
  await onA.close();
  // Simulated events are not sessions.
  assert.deepEqual((await call(A.url, 'GET', '/v2/live/sessions', { token: s.token })).body, { sessions: [] });
});

test('one process holds the streamer lease while both have sockets; the other takes over when the holder lets go or dies', async () => {
  const [A, B] = serves;
  const s = await makeHttpStreamer(B.url, ADMIN, 'leased');
  assert.equal((await call(B.url, 'PATCH', '/v2/auth/me', { token: s.token, json: { tiktok_username: '@leased_live' } })).status, 200);
  const byName = { A: [] as Client[], B: [] as Client[] };
  for (const serve of [A, B, A, B]) byName[serve.name as 'A' | 'B'].push(await open(serve.url, s.token));

  const first = await eventually(() => leaseHolder(s.userId).then((h) => h ?? undefined), 'a lease holder');
  assert.ok(first === 'A' || first === 'B', first);
  // The holder's status reaches every socket, on both processes.
  for (const client of [...byName.A, ...byName.B]) await nextMessage(client, (m) => m.detail === NO_UPSTREAM, 'the holder status on every socket');
  // Both keep wanting it for several renewals; the holder never changes and there is one row.
  for (let i = 0; i < 3; i++) {
    await new Promise((r) => setTimeout(r, (LEASE_SECONDS * 1000) / 2));
    assert.equal(await leaseHolder(s.userId), first);
    assert.equal((await db.query('SELECT count(*)::int AS n FROM live_leases WHERE user_id = $1', [s.userId])).rows[0].n, 1);
  }

  const other = first === 'A' ? 'B' : 'A';
  for (const client of byName[first as 'A' | 'B']) await client.close();
  await eventually(() => leaseHolder(s.userId).then((h) => h === other), `${other} to take the lease over`);

  // The first process wants it again, then the holder dies without a word: the lease runs out and the first one takes it.
  byName[first as 'A' | 'B'] = [await open(serves.find((x) => x.name === first)!.url, s.token)];
  const victim = serves.find((x) => x.name === other)!;
  victim.child.kill('SIGKILL');
  await new Promise((resolve) => (victim.child.exitCode !== null || victim.child.signalCode !== null ? resolve(null) : victim.child.once('exit', resolve)));
  await eventually(() => leaseHolder(s.userId).then((h) => h === first), `${first} to take over from the killed ${other}`);
});
