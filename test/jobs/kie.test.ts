import { test } from 'node:test';
import { Agent } from 'undici';
import assert from 'node:assert/strict';
import { KieClient, ProviderError, ProviderKeysExhaustedError, type KieClientOptions } from '../../src/jobs/providers/kie.js';
import { parseKieCallback } from '../../src/jobs/providers/kie-record.js';
import { startFakeKie, KIE_FAILURES, POLICY_FAIL_MSG, GENERIC_FAIL_MSG, type FakeKieServer } from '../fakes/kie-server.js';
import { readBody, sendJson, startHttpServer, waitFor } from '../fakes/http.js';

const KEYS = ['kie-key-1', 'kie-key-2'];
const TASK = { model: 'sora-2-image-to-video', prompt: 'a bottle on a table', imageUrls: ['https://img.example/p.jpg'], callBackUrl: 'http://127.0.0.1:9/unused', aspectRatio: 'portrait' as const, nFrames: '10' as const };

function client(fake: FakeKieServer, extra: Partial<KieClientOptions> = {}): KieClient {
  return new KieClient({ baseUrl: fake.url, apiKeys: KEYS, timeoutMs: 2000, cooldownMs: 60_000, ...extra });
}

async function rejectsWith<T extends Error>(p: Promise<unknown>, type: new (...a: never[]) => T): Promise<T> {
  try {
    await p;
  } catch (error) {
    assert.ok(error instanceof type, `expected ${type.name}, got ${String(error)}`);
    return error;
  }
  assert.fail(`expected ${type.name}, but it resolved`);
}

async function pollUntilDone(kie: KieClient, taskId: string, keyIndex: number) {
  for (let i = 0; i < 200; i++) {
    const record = await kie.recordInfo(taskId, { keyIndex });
    if (record.state === 'success' || record.state === 'fail') return record;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error('task never finished');
}

test('kie: create → poll → success with result URLs, request shaped like the docs', async () => {
  const fake = await startFakeKie({ keys: KEYS, callbacks: 'drop' });
  fake.scriptNextTask({ outcome: 'success', durationMs: Infinity });
  try {
    const kie = client(fake);
    const created = await kie.createTask(TASK);
    assert.match(created.taskId, /^task_/);
    const createCall = fake.calls.find((c) => c.op === 'createTask');
    assert.deepEqual(createCall?.body, {
      model: TASK.model,
      callBackUrl: TASK.callBackUrl,
      input: { prompt: TASK.prompt, image_urls: TASK.imageUrls, aspect_ratio: 'portrait', n_frames: '10' },
    });
    const first = await kie.recordInfo(created.taskId, { keyIndex: created.keyIndex });
    assert.ok(['waiting', 'queuing', 'generating'].includes(first.state));
    fake.finish(created.taskId);
    const done = await pollUntilDone(kie, created.taskId, created.keyIndex);
    assert.equal(done.state, 'success');
    assert.deepEqual(done.resultUrls, [`${fake.url}/results/${created.taskId}.mp4`]);
    // Polling with the creating key only.
    assert.ok(fake.calls.filter((c) => c.op === 'recordInfo').every((c) => c.key === KEYS[created.keyIndex]));
  } finally {
    await fake.close();
  }
});

test('kie: 401 on key 1 rotates to key 2 within the same call, and key 1 cools down', async () => {
  const fake = await startFakeKie({ keys: KEYS });
  fake.setKeyFailure('kie-key-1', KIE_FAILURES.unauthorized);
  try {
    const now = 1_000_000;
    const kie = client(fake, { now: () => now });
    const created = await kie.createTask(TASK);
    assert.equal(created.keyIndex, 1);
    assert.deepEqual(fake.calls.map((c) => [c.key, c.code]), [['kie-key-1', 401], ['kie-key-2', 200]]);
    assert.deepEqual(kie.keyStates(), [
      { index: 0, coolingUntil: now + 60_000, lastFailure: 'provider_unauthorized' },
      { index: 1, coolingUntil: null, lastFailure: null },
    ]);
    // The next call skips the cooling key entirely.
    await kie.createTask(TASK);
    assert.equal(fake.calls.at(-1)?.key, 'kie-key-2');
    assert.equal(fake.calls.length, 3);
  } finally {
    await fake.close();
  }
});

test('kie: all keys bad (401, 402) → ProviderKeysExhaustedError, no key in the message', async () => {
  const fake = await startFakeKie({ keys: KEYS });
  fake.setKeyFailure('kie-key-1', KIE_FAILURES.unauthorized);
  fake.setKeyFailure('kie-key-2', KIE_FAILURES.outOfCredits);
  try {
    let now = 5_000;
    const kie = client(fake, { now: () => now, cooldownMs: 1000 });
    const err = await rejectsWith(kie.createTask(TASK), ProviderKeysExhaustedError);
    assert.equal(err.code, 'provider_keys_exhausted');
    assert.equal(err.rateLimitedOnly, false);
    assert.equal(err.retryAfterMs, 1000);
    assert.deepEqual(err.keys.map((k) => k.lastFailure), ['provider_unauthorized', 'provider_out_of_credits']);
    for (const key of KEYS) {
      assert.doesNotMatch(err.message, new RegExp(key));
      assert.doesNotMatch(JSON.stringify(err.context), new RegExp(key));
    }
    // While both cool, no request goes out at all.
    const before = fake.calls.length;
    await rejectsWith(kie.recordInfo('task_x'), ProviderKeysExhaustedError);
    assert.equal(fake.calls.length, before);
    // After the cooldown the keys are tried again.
    now += 1000;
    fake.setKeyFailure('kie-key-2', null);
    const created = await kie.createTask(TASK);
    assert.equal(created.keyIndex, 1);
  } finally {
    await fake.close();
  }
});

test('kie: 429 with Retry-After cools the key for at least that long and the call moves on', async () => {
  const fake = await startFakeKie({ keys: KEYS });
  fake.setKeyFailure('kie-key-1', { ...KIE_FAILURES.rateLimited(120), times: 1 });
  try {
    const now = 10_000;
    const kie = client(fake, { now: () => now, cooldownMs: 1000 });
    const created = await kie.createTask(TASK);
    assert.equal(created.keyIndex, 1);
    const [k0] = kie.keyStates();
    assert.equal(k0.lastFailure, 'provider_rate_limited');
    assert.ok(k0.coolingUntil !== null && k0.coolingUntil >= now + 120_000, `coolingUntil ${String(k0.coolingUntil)}`);
  } finally {
    await fake.close();
  }
});

test('kie: every key rate limited → exhausted, flagged as rate-limited only', async () => {
  const fake = await startFakeKie({ keys: KEYS });
  fake.setKeyFailure('kie-key-1', KIE_FAILURES.rateLimited(2));
  fake.setKeyFailure('kie-key-2', KIE_FAILURES.rateLimited(3));
  try {
    const kie = client(fake, { now: () => 0, cooldownMs: 500 });
    const err = await rejectsWith(kie.createTask(TASK), ProviderKeysExhaustedError);
    assert.equal(err.rateLimitedOnly, true);
    assert.equal(err.retryAfterMs, 2000);
  } finally {
    await fake.close();
  }
});

test('kie: content-policy failure is a user_violation; a generic one is permanent', async () => {
  const fake = await startFakeKie({ keys: KEYS, callbacks: 'drop' });
  fake.scriptNextTask({ outcome: 'fail', durationMs: 0, failMsg: POLICY_FAIL_MSG });
  fake.scriptNextTask({ outcome: 'fail', durationMs: 0, failCode: '501', failMsg: GENERIC_FAIL_MSG });
  try {
    const kie = client(fake);
    const { classifyProviderFailure } = await import('../../src/jobs/classify.js');
    const a = await kie.createTask(TASK);
    const ra = await pollUntilDone(kie, a.taskId, a.keyIndex);
    assert.equal(ra.state, 'fail');
    assert.equal(ra.failMsg, POLICY_FAIL_MSG);
    assert.equal(classifyProviderFailure({ source: 'task', failCode: ra.failCode, failMsg: ra.failMsg }).kind, 'user_violation');
    const b = await kie.createTask(TASK);
    const rb = await pollUntilDone(kie, b.taskId, b.keyIndex);
    assert.equal(rb.failCode, '501');
    assert.equal(classifyProviderFailure({ source: 'task', failCode: rb.failCode, failMsg: rb.failMsg }).kind, 'permanent');
  } finally {
    await fake.close();
  }
});

test('kie: 455 and 500 are transient ProviderErrors and do not cool the key', async () => {
  const fake = await startFakeKie({ keys: KEYS });
  try {
    const kie = client(fake);
    fake.failNext(KIE_FAILURES.maintenance);
    const e455 = await rejectsWith(kie.createTask(TASK), ProviderError);
    assert.equal(e455.failure.kind, 'transient');
    assert.equal(e455.code, 'provider_unavailable');
    fake.failNext({ ...KIE_FAILURES.serverError, httpStatus: 200 });
    const e500 = await rejectsWith(kie.createTask(TASK), ProviderError);
    assert.equal(e500.failure.kind, 'transient');
    assert.equal(e500.code, 'provider_server_error');
    assert.equal(fake.calls.length, 2);
    assert.ok(kie.keyStates().every((k) => k.coolingUntil === null));
  } finally {
    await fake.close();
  }
});

test('kie: unknown task → permanent provider_not_found; 422 → permanent', async () => {
  const fake = await startFakeKie({ keys: KEYS });
  try {
    const kie = client(fake);
    const nf = await rejectsWith(kie.recordInfo('task_missing'), ProviderError);
    assert.equal(nf.failure.kind, 'permanent');
    assert.equal(nf.code, 'provider_not_found');
    const bad = await rejectsWith(kie.createTask({ ...TASK, prompt: '' }), ProviderError);
    assert.equal(bad.code, 'provider_validation');
  } finally {
    await fake.close();
  }
});

test('kie: unreachable provider → transient network error, requestSent=false', async () => {
  const fake = await startFakeKie({ keys: KEYS });
  await fake.close();
  const kie = client(fake);
  const err = await rejectsWith(kie.createTask(TASK), ProviderError);
  assert.equal(err.failure.kind, 'transient');
  assert.equal(err.code, 'network_refused');
  assert.equal(err.requestSent, false);
});

test('kie: completion callback reaches a local receiver and parses like recordInfo', async () => {
  const fake = await startFakeKie({ keys: KEYS, defaultTask: { outcome: 'success', durationMs: 20 } });
  const received: unknown[] = [];
  const receiver = await startHttpServer(async (req, res) => {
    received.push(JSON.parse((await readBody(req)).toString('utf8')));
    sendJson(res, 200, { ok: true });
  });
  try {
    const kie = client(fake);
    const created = await kie.createTask({ ...TASK, callBackUrl: `${receiver.url}/v2/hooks/kie` });
    await waitFor(() => received.length === 1, 2000, 'the callback');
    const record = parseKieCallback(received[0]);
    assert.ok(typeof record !== 'string');
    assert.equal(record.taskId, created.taskId);
    assert.equal(record.state, 'success');
    assert.deepEqual(record.resultUrls, [`${fake.url}/results/${created.taskId}.mp4`]);
    await waitFor(() => fake.callbacks[0]?.status === 200, 1000, 'the callback status');
  } finally {
    await Promise.all([fake.close(), receiver.close()]);
  }
});

test('kie: dropped callback → polling still sees the finished task', async () => {
  const fake = await startFakeKie({ keys: KEYS });
  fake.scriptNextTask({ outcome: 'success', durationMs: Infinity, callback: 'drop' });
  try {
    const kie = client(fake);
    const created = await kie.createTask(TASK);
    assert.equal((await kie.recordInfo(created.taskId, created)).state !== 'success', true);
    fake.finish(created.taskId);
    assert.equal((await kie.recordInfo(created.taskId, created)).state, 'success');
    assert.equal(fake.callbacks.length, 0);
  } finally {
    await fake.close();
  }
});

test('kie fake: 1,000 long tasks in flight cost one record each', async () => {
  const fake = await startFakeKie({ keys: KEYS, defaultTask: { outcome: 'success', durationMs: 60_000 } });
  const agent = new Agent({ connections: 64 });
  try {
    const kie = client(fake, { timeoutMs: 30_000, dispatcher: agent });
    await Promise.all(Array.from({ length: 1000 }, () => kie.createTask(TASK)));
    assert.equal(fake.inFlight(), 1000);
  } finally {
    await Promise.all([fake.close(), agent.close()]);
  }
});

test('kie: no keys configured is a config error', () => {
  assert.throws(() => new KieClient({ baseUrl: 'http://127.0.0.1:9', apiKeys: [' '], timeoutMs: 1, cooldownMs: 1 }), /KIE_API_KEYS/);
});
