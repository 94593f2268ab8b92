/**
 * The live path end to end on a listening app with a real WebSocket client: a simulated
 * gift plays the uploaded sound (whose URL downloads), a chat command speaks (espeak, whose
 * URL serves audio), and a socket without a valid token is closed with its code.
 */
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { after, before, test } from 'node:test';
import WebSocket from 'ws';
import { WS_CLOSE } from '../../src/live/protocol.js';
import { protocolValidators } from '../helpers/protocol.js';
import { makeListeningApp, makeStreamer, type TestApp } from '../helpers/app.js';
import { makeAudioFixtures, multipartBody, type AudioFixtures } from '../helpers/audio.js';
import { sqliteEngine, type TestEngine } from '../helpers/engines.js';

let engine: TestEngine;
let t: TestApp;
let audio: AudioFixtures;
let base = '';

/** Opens a socket and collects its messages; resolves once it is open. */
async function connect(query: string): Promise<{ ws: WebSocket; messages: Record<string, unknown>[]; closed: Promise<number> }> {
  const ws = new WebSocket(`${base.replace('http', 'ws')}/v2/ws${query}`);
  const messages: Record<string, unknown>[] = [];
  ws.on('message', (data) => messages.push(JSON.parse(String(data))));
  const closed = new Promise<number>((resolve) => ws.on('close', (code) => resolve(code)));
  await new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  return { ws, messages, closed };
}

/** Waits until `messages` holds one matching `pred` (bounded). */
async function waitFor(messages: Record<string, unknown>[], pred: (m: Record<string, unknown>) => boolean): Promise<Record<string, unknown>> {
  for (let i = 0; i < 200; i++) {
    const found = messages.find(pred);
    if (found) return found;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`no such message in ${JSON.stringify(messages)}`);
}

before(async () => {
  audio = makeAudioFixtures();
  engine = await sqliteEngine();
  const listening = await makeListeningApp(engine, { TTS_ENGINE: 'espeak' });
  t = listening;
  base = listening.base;
});
after(async () => {
  await t.close();
  await engine.cleanup();
  rmSync(audio.dir, { recursive: true, force: true });
});

test('a simulated Rose plays the uploaded sound and a chat command speaks, on the streamer socket only', async () => {
  const streamer = await makeStreamer(t, 'rosefan');
  const other = await makeStreamer(t, 'bystander');
  const body = multipartBody('file', 'rose.mp3', audio.mp3);
  const sound = (await t.app.inject({ method: 'POST', url: '/v2/sounds/upload', headers: { ...streamer.auth, ...body.headers }, payload: body.payload })).json();
  const set = (payload: object) => t.app.inject({ method: 'POST', url: '/v2/triggers/set', headers: streamer.auth, payload });
  const rose = await set({ event_type: 'gift', condition_key: 'gift_name', condition_value: 'Rose', action: 'play_sound', action_params: { sound: sound.filename, volume: 80 } });
  assert.equal(rose.statusCode, 200, rose.body);
  const hello = await set({ event_type: 'chat', condition_key: 'command', condition_value: '!hello', action: 'tts', action_params: { text: '{nickname} says hello' } });
  assert.equal(hello.statusCode, 200, hello.body);
  const unknown = await set({ event_type: 'gift', condition_key: 'gift_name', condition_value: 'Lion', action: 'play_sound', action_params: { sound: 'aaaaaaaaaaaaaaaaaaaaaaaa.mp3' } });
  assert.equal(unknown.statusCode, 400);
  assert.equal(unknown.json().error.code, 'sound_not_found');

  const mine = await connect(`?token=${streamer.token}`);
  const theirs = await connect(`?token=${other.token}`);
  assert.deepEqual(await waitFor(mine.messages, (m) => m.type === 'status'), { type: 'status', status: 'offline' });

  const simulate = (payload: object) => t.app.inject({ method: 'POST', url: '/v2/live/simulate', headers: streamer.auth, payload });
  const gift = await simulate({ event_type: 'gift', gift_id: '5655', gift_name: 'Rose', diamond_count: 1, repeat_count: 1, repeat_end: true, streakable: false, nickname: 'Ann', unique_id: 'ann' });
  assert.equal(gift.statusCode, 200, gift.body);
  const action = await waitFor(mine.messages, (m) => m.type === 'action');
  assert.equal(action.url, `${base}/static/sounds/${streamer.userId}/${sound.filename}`);
  assert.equal(action.volume, 80);
  const played = await fetch(String(action.url));
  assert.equal(played.status, 200);
  assert.deepEqual(Buffer.from(await played.arrayBuffer()), audio.mp3);

  const chat = await simulate({ event_type: 'chat', comment: '!hello everyone', nickname: 'Ann' });
  assert.equal(chat.statusCode, 200, chat.body);
  const speech = await waitFor(mine.messages, (m) => m.type === 'tts');
  assert.equal(speech.text, 'Ann says hello');
  const spoken = await fetch(String(speech.url));
  assert.equal(spoken.status, 200);
  const bytes = Buffer.from(await spoken.arrayBuffer());
  assert.ok(bytes.length > 1000 && (bytes.subarray(0, 3).toString() === 'ID3' || bytes[0] === 0xff || bytes.subarray(0, 4).toString() === 'RIFF'), 'speech is audio');

  const unknownField = await simulate({ event_type: 'chat', comment: 'hi', colour: 'red' });
  assert.equal(unknownField.statusCode, 400);
  assert.equal(unknownField.json().error.code, 'invalid_event');

  assert.ok(!theirs.messages.some((m) => m.type === 'action' || m.type === 'tts' || m.type === 'event'), 'another streamer hears nothing');
  // Everything the socket received matches docs/websocket.md.
  const validators = protocolValidators();
  for (const message of mine.messages) assert.equal(validators.get(String(message.type))?.(message), undefined, JSON.stringify(message));
  mine.ws.close();
  theirs.ws.close();
});

test('a socket without a token, or with a forged one, is closed with its code', async () => {
  assert.equal(await (await connect('')).closed, WS_CLOSE.tokenMissing);
  assert.equal(await (await connect('?token=not.a.jwt')).closed, WS_CLOSE.tokenInvalid);
});
