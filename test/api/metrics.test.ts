/**
 * The live and TTS metrics on a listening app: a real WebSocket moves `ttops_ws_clients`,
 * simulated events count into `ttops_live_events_total` and the actions they trigger into
 * `ttops_live_actions_total`, espeak syntheses and cache hits into the TTS series, and the
 * exposition with all of them set still passes `promtool check metrics`.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { after, before, test } from 'node:test';
import WebSocket from 'ws';
import { makeMetrics, recordTtsEvent } from '../../src/api/metrics.js';
import { TtsCache } from '../../src/tts/cache.js';
import { makeListeningApp, makeStreamer, type TestApp } from '../helpers/app.js';
import { sqliteEngine, tempDir, type TestEngine } from '../helpers/engines.js';

let engine: TestEngine;
let t: TestApp;
let base = '';

before(async () => {
  engine = await sqliteEngine();
  const listening = await makeListeningApp(engine, { TTS_ENGINE: 'espeak' });
  t = listening;
  base = listening.base;
});
after(async () => {
  await t.close();
  await engine.cleanup();
});

async function scrape(): Promise<string> {
  const r = await t.app.inject({ method: 'GET', url: '/metrics' });
  assert.equal(r.statusCode, 200);
  return r.body;
}

/** The value of one sample (name with its exact label text), or undefined when absent. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

/** Scrapes until `series` has `value` (sockets close asynchronously), bounded. */
async function until(series: string, value: number): Promise<void> {
  let last: number | undefined;
  for (let i = 0; i < 200; i++) {
    last = sample(await scrape(), series);
    if (last === value) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  assert.fail(`${series} stayed ${last}, expected ${value}`);
}

test('every live and TTS series is there from the first scrape, at 0', async () => {
  const text = await scrape();
  for (const series of [
    'ttops_ws_clients',
    'ttops_live_sessions',
    'ttops_live_events_total{event_type="gift"}',
    'ttops_live_events_total{event_type="chat"}',
    'ttops_live_actions_total{type="play_sound"}',
    'ttops_live_actions_total{type="tts"}',
    'ttops_tts_requests_total{result="hit"}',
    'ttops_tts_requests_total{result="miss"}',
    'ttops_tts_requests_total{result="joined"}',
    'ttops_tts_requests_total{result="failed"}',
    'ttops_tts_synthesis_seconds_count{engine="espeak"}',
    'ttops_tts_synthesis_seconds_count{engine="edge"}',
  ]) {
    assert.equal(sample(text, series), 0, series);
  }
});

test('sockets, events, actions, TTS hits and misses and synthesis time are counted, and promtool accepts the result', async () => {
  const streamer = await makeStreamer(t, 'metricfan');
  const set = await t.app.inject({
    method: 'POST',
    url: '/v2/triggers/set',
    headers: streamer.auth,
    payload: { event_type: 'chat', condition_key: 'command', condition_value: '!hi', action: 'tts', action_params: { text: 'hello {nickname}' } },
  });
  assert.equal(set.statusCode, 200, set.body);

  const ws = new WebSocket(`${base.replace('http', 'ws')}/v2/ws?token=${streamer.token}`);
  await new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  await until('ttops_ws_clients', 1);

  const simulate = (payload: object) => t.app.inject({ method: 'POST', url: '/v2/live/simulate', headers: streamer.auth, payload });
  // The same line twice: one synthesis (a miss), then a cache hit; a like that triggers nothing.
  for (const msg_id of ['m1', 'm2']) {
    const r = await simulate({ event_type: 'chat', msg_id, comment: '!hi', nickname: 'Ann', unique_id: 'ann' });
    assert.equal(r.statusCode, 200, r.body);
    assert.equal(r.json().messages.filter((m: { type: string }) => m.type === 'tts').length, 1, r.body);
  }
  assert.equal((await simulate({ event_type: 'like', like_count: 3 })).statusCode, 200);

  const text = await scrape();
  assert.equal(sample(text, 'ttops_live_events_total{event_type="chat"}'), 2);
  assert.equal(sample(text, 'ttops_live_events_total{event_type="like"}'), 1);
  assert.equal(sample(text, 'ttops_live_actions_total{type="tts"}'), 2);
  assert.equal(sample(text, 'ttops_live_actions_total{type="play_sound"}'), 0);
  assert.equal(sample(text, 'ttops_tts_requests_total{result="miss"}'), 1);
  assert.equal(sample(text, 'ttops_tts_requests_total{result="hit"}'), 1);
  assert.equal(sample(text, 'ttops_tts_synthesis_seconds_count{engine="espeak"}'), 1);
  assert.ok(sample(text, 'ttops_tts_synthesis_seconds_sum{engine="espeak"}')! > 0, 'the synthesis took some time');
  assert.equal(sample(text, 'ttops_tts_synthesis_seconds_bucket{le="+Inf",engine="espeak"}'), 1);

  const checked = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
  assert.equal(checked.status, 0, `${checked.stdout}${checked.stderr}`);

  ws.close();
  await until('ttops_ws_clients', 0);
});

test('the live sessions gauge reads whatever source the session manager sets', async () => {
  const metrics = makeMetrics();
  assert.match(await metrics.registry.metrics(), /^ttops_live_sessions 0$/m);
  let running = 3;
  metrics.live.liveSessions = () => running;
  assert.match(await metrics.registry.metrics(), /^ttops_live_sessions 3$/m);
  running = 1;
  assert.match(await metrics.registry.metrics(), /^ttops_live_sessions 1$/m);
});

test('a failed synthesis counts as a miss and a failure, and adds no latency sample', async (t) => {
  const dir = tempDir('ttops-tts-metrics-');
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const metrics = makeMetrics();
  const cache = new TtsCache({
    mediaDir: dir,
    engine: { name: 'espeak', synthesize: () => Promise.reject(new Error('engine down')) },
    onEvent: (event) => recordTtsEvent(metrics, event),
  });
  await assert.rejects(cache.get('hello', 'en-US-AriaNeural'), /engine down/);
  const text = await metrics.registry.metrics();
  assert.equal(sample(text, 'ttops_tts_requests_total{result="miss"}'), 1);
  assert.equal(sample(text, 'ttops_tts_requests_total{result="failed"}'), 1);
  assert.equal(sample(text, 'ttops_tts_synthesis_seconds_count{engine="espeak"}'), 0);
});
