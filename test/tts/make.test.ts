import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { makeTts } from '../../src/tts/make.js';
import { startFakeEdgeTts, type FakeEdgeServer } from '../fakes/edge-tts-server.js';
import { soxDuration, tempDir } from './audio.js';

let fake: FakeEdgeServer;
const tmp = tempDir('ttops-tts-make-');
before(async () => {
  fake = await startFakeEdgeTts();
});
after(async () => {
  await fake.close();
  tmp.remove();
});

test('edge: cleaned text is spoken by Edge, cached, and given a public URL', async () => {
  const tts = makeTts({
    engine: 'edge',
    mediaDir: path.join(tmp.dir, 'edge'),
    mediaBaseUrl: 'https://media.example.com/',
    edgeUrl: fake.wsUrl,
    bannedWords: ['дурак'],
  });
  const clip = await tts.speak('Привет, дурак! https://spam.example.com');
  assert.ok(clip);
  assert.equal(clip.text, 'Привет, !');
  assert.equal(clip.voice, 'ru-RU-SvetlanaNeural');
  assert.equal(clip.engine, 'edge');
  assert.equal(clip.url, `https://media.example.com${clip.url_path}`);
  assert.match(clip.url_path, /^\/static\/tts\/[0-9a-f]{64}\.mp3$/u);
  const calls = fake.calls.length;
  const again = await tts.speak('Привет,   дурак!');
  assert.equal(again?.cached, true, 'the same cleaned text is the same clip');
  assert.equal(fake.calls.length, calls);
  assert.deepEqual(tts.stats(), { hits: 1, misses: 1, joined: 0, failures: 0, inFlight: 0 });
});

test('edge with the service down still speaks, through espeak', async () => {
  const fallbacks: string[] = [];
  const tts = makeTts({ engine: 'edge', mediaDir: path.join(tmp.dir, 'down'), edgeUrl: fake.wsUrl, onFallback: (r) => fallbacks.push(r) });
  fake.failNext({ kind: 'reject', status: 403 });
  const clip = await tts.speak('Спасибо за розу', { voice: 'ru-RU-DmitryNeural' });
  assert.equal(clip?.engine, 'espeak');
  assert.ok(soxDuration(clip.file) > 0.5);
  assert.deepEqual(fallbacks, ['handshake']);
});

test('espeak: speaks offline', async () => {
  const tts = makeTts({ engine: 'espeak', mediaDir: path.join(tmp.dir, 'espeak'), maxChars: 20 });
  const clip = await tts.speak('очень длинное сообщение, которое обрежется');
  assert.equal(clip?.engine, 'espeak');
  assert.ok([...clip.text].length <= 20);
});

test('none, or nothing left after cleaning: null, nothing synthesised', async () => {
  const off = makeTts({ engine: 'none', mediaDir: path.join(tmp.dir, 'none') });
  assert.equal(off.engine, null);
  assert.equal(await off.speak('привет'), null);
  const on = makeTts({ engine: 'espeak', mediaDir: path.join(tmp.dir, 'empty') });
  assert.equal(await on.speak(' https://only.a.link/ \u0000 '), null);
  assert.equal(on.stats().misses, 0);
});
