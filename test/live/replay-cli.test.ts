/**
 * `ttops live replay FILE --user NAME` end to end, as a separate process beside a running
 * `serve` on the same SQLite file: the streamer's socket on `serve` receives the replayed
 * events and their trigger actions through the bus, the session is recorded with its stats
 * (source `replay`), and bad input exits with its code and one sentence.
 */
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { makeAudioFixtures, multipartBody, type AudioFixtures } from '../helpers/audio.js';
import { startServe, stop, ttops } from '../helpers/cli.js';
import { sqliteEngine, type TestEngine } from '../helpers/engines.js';
import { call, makeHttpStreamer } from './http-streamer.js';
import { connectWs, nextMessage } from './ws-client.js';

const ADMIN = 'replay-cli-admin-key-0123456789abcdef01';
let engine: TestEngine;
let audio: AudioFixtures;
let env: Record<string, string>;
let serve: { url: string; child: ChildProcess };

const lines = [
  { event_type: 'viewers', viewer_count: 50 },
  { event_type: 'gift', gift_id: '5655', gift_name: 'Rose', diamond_count: 1, repeat_count: 1, streakable: true, user_id: '1', unique_id: 'ann', nickname: 'Ann', group_id: 'g1', delay_ms: 5 },
  { event_type: 'gift', gift_id: '5655', gift_name: 'Rose', diamond_count: 1, repeat_count: 4, repeat_end: true, streakable: true, user_id: '1', unique_id: 'ann', nickname: 'Ann', group_id: 'g1', delay_ms: 5 },
  { event_type: 'like', like_count: 12 },
  { event_type: 'follow', unique_id: 'bob' },
  { event_type: 'viewers', viewer_count: 80 },
  { event_type: 'stream_end' },
];

before(async () => {
  audio = makeAudioFixtures();
  engine = await sqliteEngine();
  env = { TTOPS_ENV: 'dev', ...engine.env, JWT_SECRET: 'replay-cli-jwt-secret-0123456789abcdef0123', ADMIN_API_KEY: ADMIN, LIVE_SOURCE: 'replay', TTS_ENGINE: 'none', LIVE_GRACE_SECONDS: '0' };
  serve = await startServe(env, ['--workers', '0']);
});
after(async () => {
  await stop(serve.child);
  await engine.cleanup();
  rmSync(audio.dir, { recursive: true, force: true });
});

test('a replay plays on the streamer socket of a running serve and is recorded as a session', async () => {
  const s = await makeHttpStreamer(serve.url, ADMIN, 'replayer');
  const body = multipartBody('file', 'rose.mp3', audio.mp3);
  const sound = await call(serve.url, 'POST', '/v2/sounds/upload', { token: s.token, headers: body.headers, body: body.payload });
  assert.equal(sound.status, 201);
  const trigger = await call(serve.url, 'POST', '/v2/triggers/set', { token: s.token, json: { event_type: 'gift', condition_key: 'gift_name', condition_value: 'Rose', action: 'play_sound', action_params: { sound: sound.body.filename } } });
  assert.equal(trigger.status, 200);
  const client = await connectWs(serve.url, s.token);
  await nextMessage(client, (m) => m.type === 'status', 'the greeting');

  const file = path.join(engine.settings.home, 'demo.jsonl');
  writeFileSync(file, `${lines.map((l) => JSON.stringify(l)).join('\n')}\n`);
  const run = await ttops(['live', 'replay', file, '--user', 'replayer', '--speed', '10', '--json'], env);
  assert.equal(run.code, 0, run.stderr);
  const result = JSON.parse(run.stdout);
  assert.equal(result.events, lines.length);
  assert.equal(typeof result.session_id, 'number');

  // The streak acts once, at its end, on the socket of the other process.
  const action = await nextMessage(client, (m) => m.type === 'action', 'the Rose action');
  assert.equal(action.trigger_id, trigger.body.id);
  await nextMessage(client, (m) => m.type === 'status' && m.status === 'live', 'the replay going live');
  await nextMessage(client, (m) => m.type === 'event' && (m.event as { event_type: string }).event_type === 'stream_end', 'the last event');
  await nextMessage(client, (m) => m.type === 'status' && m.status === 'offline' && m.detail === 'The replay has finished.', 'the replay ending');
  assert.equal(client.messages.filter((m) => m.type === 'action').length, 1);
  await client.close();

  const listed = await call(serve.url, 'GET', '/v2/live/sessions', { token: s.token });
  assert.equal(listed.status, 200);
  assert.equal(listed.body.sessions.length, 1);
  const session = listed.body.sessions[0];
  assert.equal(session.id, result.session_id);
  assert.equal(session.source, 'replay');
  assert.equal(session.unique_id, 'replayer', 'without a TikTok username the session is named after the account');
  assert.ok(session.ended_at);
  assert.deepEqual(
    { peak_viewers: session.peak_viewers, gifts: session.gifts, diamonds: session.diamonds, likes: session.likes, follows: session.follows, shares: session.shares, joins: session.joins, top_gifters: session.top_gifters },
    { peak_viewers: 80, gifts: 4, diamonds: 4, likes: 12, follows: 1, shares: 0, joins: 0, top_gifters: [{ unique_id: 'ann', nickname: 'Ann', diamonds: 4 }] },
  );
});

test('a missing streamer exits 5; a bad line exits 2 naming the line; a bad speed exits 2', async () => {
  const good = path.join(engine.settings.home, 'good.jsonl');
  writeFileSync(good, '{"event_type":"follow"}\n');
  const missing = await ttops(['live', 'replay', good, '--user', 'nobody_here'], env);
  assert.equal(missing.code, 5);
  assert.match(missing.stderr, /no streamer nobody_here/);

  const bad = path.join(engine.settings.home, 'bad.jsonl');
  writeFileSync(bad, '{"event_type":"follow"}\n{"event_type":"gift", "colour":"red"}\n');
  const invalid = await ttops(['live', 'replay', bad, '--user', 'replayer'], env);
  assert.equal(invalid.code, 2);
  assert.match(invalid.stderr, /Replay line 2/);
  assert.doesNotMatch(invalid.stderr, /\n\s+at /, 'no stack trace');

  const slow = await ttops(['live', 'replay', good, '--user', 'replayer', '--speed', '0'], env);
  assert.equal(slow.code, 2);
  assert.match(slow.stderr, /not a speed/);
});
