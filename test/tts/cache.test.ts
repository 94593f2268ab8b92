import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { after, test } from 'node:test';
import type { SynthesizeOptions, TtsEngine } from '../../src/tts/engine.js';
import { makeEspeakEngine } from '../../src/tts/espeak.js';
import { TtsCache, ttsCacheKey, type TtsCacheEvent } from '../../src/tts/cache.js';
import { soxDuration, tempDir } from './audio.js';

const tmp = tempDir('ttops-tts-cache-');
after(() => tmp.remove());

/** The real espeak engine, counting its calls. */
function countingEspeak(): TtsEngine & { calls: number } {
  const inner = makeEspeakEngine();
  const engine = {
    name: 'espeak',
    calls: 0,
    synthesize(text: string, options: SynthesizeOptions) {
      engine.calls += 1;
      return inner.synthesize(text, options);
    },
  };
  return engine;
}

function cacheIn(name: string, engine: TtsEngine, events: TtsCacheEvent[] = []) {
  return new TtsCache({ mediaDir: path.join(tmp.dir, name), engine, onEvent: (e) => events.push(e) });
}

test('a miss synthesises into static/tts/<sha256>.mp3; a hit returns the same file without the engine', async () => {
  const engine = countingEspeak();
  const events: TtsCacheEvent[] = [];
  const cache = cacheIn('hit', engine, events);
  const first = await cache.get('Спасибо за подписку', 'ru-RU-SvetlanaNeural');
  const key = ttsCacheKey('ru-RU-SvetlanaNeural', 'Спасибо за подписку');
  assert.match(key, /^[0-9a-f]{64}$/u);
  assert.equal(first.cached, false);
  assert.equal(first.engine, 'espeak');
  assert.equal(first.file, path.join(tmp.dir, 'hit', 'static', 'tts', `${key}.mp3`));
  assert.equal(first.url_path, `/static/tts/${key}.mp3`);
  assert.ok(soxDuration(first.file) > 0.5);
  assert.equal(statSync(first.file).mode & 0o777, 0o644);
  const bytes = readFileSync(first.file);

  const second = await cache.get('Спасибо за подписку', 'ru-RU-SvetlanaNeural');
  assert.equal(second.cached, true);
  assert.equal(second.file, first.file);
  assert.deepEqual(readFileSync(second.file), bytes);
  assert.equal(engine.calls, 1);
  assert.deepEqual(events.map((e) => e.kind), ['miss', 'synthesized', 'hit']);
  assert.deepEqual(cache.stats(), { hits: 1, misses: 1, joined: 0, failures: 0, inFlight: 0 });

  const reopened = cacheIn('hit', engine);
  assert.equal((await reopened.get('Спасибо за подписку', 'ru-RU-SvetlanaNeural')).cached, true, 'the disk is the cache, not memory');
  assert.equal(engine.calls, 1);
});

test('20 concurrent requests for one text synthesise once and get one file', async () => {
  const engine = countingEspeak();
  const cache = cacheIn('burst', engine);
  const results = await Promise.all(Array.from({ length: 20 }, () => cache.get('Всем привет в чате', 'ru-RU-SvetlanaNeural')));
  assert.equal(engine.calls, 1);
  assert.equal(new Set(results.map((r) => r.file)).size, 1);
  assert.deepEqual(cache.stats(), { hits: 0, misses: 1, joined: 19, failures: 0, inFlight: 0 });
  const files = readdirSync(cache.dir);
  assert.deepEqual(files, [path.basename(results[0]!.file)], 'no temp files left behind');
});

test('a different voice or text is a different key and a different file', async () => {
  const engine = countingEspeak();
  const cache = cacheIn('keys', engine);
  const ru = await cache.get('hello', 'ru-RU-SvetlanaNeural');
  const en = await cache.get('hello', 'en-US-AriaNeural');
  const other = await cache.get('hello!', 'ru-RU-SvetlanaNeural');
  assert.equal(new Set([ru.key, en.key, other.key]).size, 3);
  assert.equal(new Set([ru.file, en.file, other.file]).size, 3);
  assert.equal(engine.calls, 3);
});

test('a failed synthesis is not cached, is counted, and the next call tries again', async () => {
  let calls = 0;
  const flaky: TtsEngine = {
    name: 'flaky',
    async synthesize(text, options) {
      calls += 1;
      if (calls === 1) throw new Error('boom');
      return makeEspeakEngine().synthesize(text, options);
    },
  };
  const cache = cacheIn('flaky', flaky);
  await assert.rejects(cache.get('раз два', 'ru-RU-SvetlanaNeural'), /boom/u);
  assert.equal(cache.stats().failures, 1);
  assert.equal((await cache.get('раз два', 'ru-RU-SvetlanaNeural')).cached, false);
  assert.equal(calls, 2);
});

test('one caller giving up does not cancel the shared synthesis for the others', async () => {
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  const espeak = makeEspeakEngine();
  let calls = 0;
  const slow: TtsEngine = {
    name: 'slow',
    async synthesize(text, options) {
      calls += 1;
      await gate;
      return espeak.synthesize(text, options);
    },
  };
  const cache = cacheIn('abort', slow);
  const controller = new AbortController();
  const quitter = cache.get('подождите', 'ru-RU-SvetlanaNeural', controller.signal);
  const patient = cache.get('подождите', 'ru-RU-SvetlanaNeural');
  controller.abort();
  await assert.rejects(quitter, { code: 'tts_aborted' });
  release();
  const result = await patient;
  assert.ok(soxDuration(result.file) > 0.3);
  assert.equal(calls, 1);
});

test('a WAV clip is found by the same key', async () => {
  const cache = new TtsCache({ mediaDir: path.join(tmp.dir, 'wav'), engine: makeEspeakEngine({ lame: false }) });
  const first = await cache.get('wave', 'en-US-AriaNeural');
  assert.equal(first.ext, 'wav');
  assert.match(first.url_path, /\.wav$/u);
  assert.equal((await cache.get('wave', 'en-US-AriaNeural')).cached, true);
});
