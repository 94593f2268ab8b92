import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { CircuitBreaker } from '../../src/tts/breaker.js';
import { makeEdgeEngine } from '../../src/tts/edge.js';
import { makeEspeakEngine } from '../../src/tts/espeak.js';
import { makeFallbackEngine } from '../../src/tts/fallback.js';
import { startFakeEdgeTts, type FakeEdgeMode, type FakeEdgeServer } from '../fakes/edge-tts-server.js';
import { bufferDuration } from './audio.js';

let fake: FakeEdgeServer;
before(async () => {
  fake = await startFakeEdgeTts();
});
after(() => fake.close());

const voice = 'ru-RU-SvetlanaNeural';

function stack(options: { budgetMs?: number; now?: () => number } = {}) {
  const reasons: string[] = [];
  const engine = makeFallbackEngine({
    primary: makeEdgeEngine({ url: fake.wsUrl }),
    fallback: makeEspeakEngine(),
    budgetMs: options.budgetMs ?? 3_000,
    breaker: { threshold: 3, cooldownMs: 60_000, now: options.now },
    onFallback: (reason) => reasons.push(reason),
  });
  return { engine, reasons };
}

test('while Edge works, Edge answers', async () => {
  const { engine, reasons } = stack();
  const result = await engine.synthesize('Привет', { voice });
  assert.equal(result.engine, 'edge');
  assert.deepEqual(result.audio, fake.audio);
  assert.deepEqual(reasons, []);
});

const failures: Array<[string, FakeEdgeMode, string]> = [
  ['a 403 on upgrade', { kind: 'reject', status: 403 }, 'handshake'],
  ['a socket closed before turn.end', { kind: 'close_early' }, 'closed_early'],
  ['a turn with no audio', { kind: 'no_audio' }, 'no_audio'],
  ['silence past the budget', { kind: 'silent' }, 'timeout'],
  ['an answer slower than the budget', { kind: 'ok', delayMs: 5_000 }, 'timeout'],
];
for (const [name, mode, expected] of failures) {
  test(`${name} falls back to espeak, and the result is real audio`, async () => {
    const { engine, reasons } = stack({ budgetMs: 400 });
    fake.failNext(mode);
    const result = await engine.synthesize('Спасибо за подарок', { voice });
    assert.equal(result.engine, 'espeak');
    assert.equal(result.ext, 'mp3');
    assert.ok(bufferDuration(result.audio, 'mp3') > 0.5);
    assert.deepEqual(reasons, [expected]);
  });
}

test('after repeated failures the circuit opens and Edge is not called until the cooldown ends', async () => {
  let clock = 1_000_000;
  const { engine, reasons } = stack({ now: () => clock });
  fake.setMode({ kind: 'reject', status: 503 });
  try {
    const start = fake.calls.length;
    for (let i = 0; i < 3; i += 1) assert.equal((await engine.synthesize(`раз ${i}`, { voice })).engine, 'espeak');
    assert.equal(fake.calls.length - start, 3);
    assert.equal(engine.breaker.state, 'open');
    for (let i = 0; i < 3; i += 1) assert.equal((await engine.synthesize(`два ${i}`, { voice })).engine, 'espeak');
    assert.equal(fake.calls.length - start, 3, 'an open circuit does not touch Edge');
    assert.deepEqual(reasons.slice(3), ['circuit_open', 'circuit_open', 'circuit_open']);

    clock += 60_000;
    assert.equal(engine.breaker.state, 'half-open');
    await engine.synthesize('проба', { voice });
    assert.equal(fake.calls.length - start, 4, 'one trial after the cooldown');
    assert.equal(engine.breaker.state, 'open', 'a failed trial re-opens');

    fake.setMode({ kind: 'ok' });
    clock += 60_000;
    assert.equal((await engine.synthesize('снова', { voice })).engine, 'edge');
    assert.equal(engine.breaker.state, 'closed');
  } finally {
    fake.setMode({ kind: 'ok' });
  }
});

test('a bad voice falls back without counting against Edge', async () => {
  const { engine } = stack();
  for (let i = 0; i < 5; i += 1) assert.equal((await engine.synthesize('hi', { voice: 'ru' })).engine, 'espeak');
  assert.equal(engine.breaker.state, 'closed');
});

test('a caller that aborts gets an abort, not espeak, and the breaker does not count it', async () => {
  const { engine } = stack();
  fake.failNext({ kind: 'silent' });
  const controller = new AbortController();
  const pending = engine.synthesize('hi', { voice, signal: controller.signal });
  setTimeout(() => controller.abort(), 50);
  await assert.rejects(pending, { code: 'tts_aborted' });
  assert.equal(engine.breaker.state, 'closed');
});

test('the breaker alone: one trial at a time when half-open', () => {
  let clock = 0;
  const breaker = new CircuitBreaker({ threshold: 2, cooldownMs: 10, now: () => clock });
  breaker.failure();
  assert.equal(breaker.tryAcquire(), true);
  breaker.failure();
  assert.equal(breaker.tryAcquire(), false);
  clock = 10;
  assert.equal(breaker.tryAcquire(), true);
  assert.equal(breaker.tryAcquire(), false, 'second caller waits for the trial');
  breaker.release();
  assert.equal(breaker.tryAcquire(), true, 'a cancelled trial frees the slot');
  breaker.success();
  assert.equal(breaker.state, 'closed');
});
