import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync, chmodSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { InvalidInputError } from '../../src/errors.js';
import { ttsReason } from '../../src/tts/engine.js';
import { espeakVoice, makeEspeakEngine } from '../../src/tts/espeak.js';
import { looksLikeMp3 } from '../../src/tts/edge-protocol.js';
import { readWav } from '../../src/tts/wav.js';
import { bufferDuration, tempDir } from './audio.js';

test('Edge voice names map to espeak-ng voices', () => {
  assert.equal(espeakVoice('ru-RU-SvetlanaNeural'), 'ru');
  assert.equal(espeakVoice('en-US-AriaNeural'), 'en-us');
  assert.equal(espeakVoice('en-GB-SoniaNeural'), 'en-gb');
  assert.equal(espeakVoice('pt-BR-FranciscaNeural'), 'pt-br');
  assert.equal(espeakVoice('de-DE-KatjaNeural'), 'de');
  assert.equal(espeakVoice('uk'), 'uk');
  assert.throws(() => espeakVoice('-w /tmp/x'), InvalidInputError);
  assert.throws(() => espeakVoice(''), InvalidInputError);
});

test('espeak-ng speaks Russian as an MP3 of a few seconds', async () => {
  const result = await makeEspeakEngine().synthesize('Спасибо за подписку, дорогой зритель!', { voice: 'ru-RU-SvetlanaNeural' });
  assert.equal(result.ext, 'mp3');
  assert.equal(result.mime, 'audio/mpeg');
  assert.equal(result.engine, 'espeak');
  assert.ok(looksLikeMp3(result.audio));
  const seconds = bufferDuration(result.audio, 'mp3');
  assert.ok(seconds > 1 && seconds < 10, `duration ${seconds}`);
});

test('without lame it serves WAV with header sizes that match the bytes', async () => {
  const result = await makeEspeakEngine({ lame: false }).synthesize('hello world, this is a test', { voice: 'en-US-AriaNeural' });
  assert.equal(result.ext, 'wav');
  const info = readWav(result.audio);
  assert.ok(info);
  assert.equal(result.audio.readUInt32LE(4), result.audio.length - 8);
  assert.equal(info.dataBytes, result.audio.length - info.dataOffset);
  assert.equal(info.sampleRate, 22050);
  assert.ok(info.durationMs > 1000, `wav header says ${info.durationMs} ms`);
  assert.ok(Math.abs(bufferDuration(result.audio, 'wav') * 1000 - info.durationMs) < 5, 'soxi agrees with the header');
});

test('a missing lame binary means WAV, not a failure', async () => {
  const result = await makeEspeakEngine({ lame: 'ttops-no-such-lame' }).synthesize('ok', { voice: 'en' });
  assert.equal(result.ext, 'wav');
});

test('text that looks like options is spoken, not obeyed', async () => {
  const tmp = tempDir('ttops-espeak-');
  try {
    const target = path.join(tmp.dir, 'pwned.wav');
    const result = await makeEspeakEngine({ lame: false }).synthesize(`-w ${target} --version`, { voice: 'en' });
    assert.ok(readWav(result.audio)!.durationMs > 1000);
    assert.equal(existsSync(target), false);
  } finally {
    tmp.remove();
  }
});

test('a hung espeak is killed at the timeout', async () => {
  const tmp = tempDir('ttops-espeak-');
  try {
    const pidFile = path.join(tmp.dir, 'pid');
    const fake = path.join(tmp.dir, 'espeak-ng');
    writeFileSync(fake, `#!/bin/sh\necho $$ > '${pidFile}'\nexec sleep 60\n`);
    chmodSync(fake, 0o755);
    const engine = makeEspeakEngine({ bin: fake, timeoutMs: 300 });
    await assert.rejects(engine.synthesize('hi', { voice: 'en' }), (error) => ttsReason(error) === 'timeout');
    const pid = Number(readFileSync(pidFile, 'utf8'));
    await waitUntil(() => !alive(pid));
  } finally {
    tmp.remove();
  }
});

test('output beyond maxBytes is refused and the process killed', async () => {
  const engine = makeEspeakEngine({ maxBytes: 10_000 });
  await assert.rejects(engine.synthesize('a long sentence that certainly makes more than ten kilobytes of audio', { voice: 'en' }), (error) => ttsReason(error) === 'too_large');
});

test('an aborted call rejects as aborted', async () => {
  const controller = new AbortController();
  const pending = makeEspeakEngine().synthesize('hello there', { voice: 'en', signal: controller.signal });
  controller.abort();
  await assert.rejects(pending, (error: { code?: string }) => error.code === 'tts_aborted');
});

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function waitUntil(check: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !check(); i += 1) await new Promise((r) => setTimeout(r, 25));
  assert.ok(check(), 'condition never became true');
}
