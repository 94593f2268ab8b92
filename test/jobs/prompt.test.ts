import { test } from 'node:test';
import assert from 'node:assert/strict';
import { renderTemplatePrompt, writePrompt, type PromptWriterOptions } from '../../src/jobs/providers/prompt.js';
import { FAKE_COMPLETION, startFakeOpenAi } from '../fakes/openai-server.js';

const ORDER = { template: 'Unboxing', productName: 'Glow serum', wishes: 'pastel colours' };

test('prompt: with a key, the LLM answer is used and the request is an OpenAI chat completion', async () => {
  const fake = await startFakeOpenAi();
  try {
    const options: PromptWriterOptions = { baseUrl: fake.baseUrl, apiKey: 'sk-test', model: 'gpt-4o-mini', timeoutMs: 2000 };
    const written = await writePrompt(options, ORDER);
    assert.deepEqual(written, { prompt: FAKE_COMPLETION, source: 'llm' });
    assert.equal(fake.calls.length, 1);
    assert.equal(fake.calls[0].path, '/v1/chat/completions');
    assert.equal(fake.calls[0].key, 'sk-test');
    const body = fake.calls[0].body as { model: string; messages: Array<{ role: string; content: string }> };
    assert.equal(body.model, 'gpt-4o-mini');
    assert.match(body.messages[1].content, /Glow serum/);
    assert.match(body.messages[1].content, /pastel colours/);
  } finally {
    await fake.close();
  }
});

test('prompt: a 500 falls back to the template', async () => {
  const fake = await startFakeOpenAi();
  fake.failNext({ status: 500 });
  try {
    const written = await writePrompt({ baseUrl: fake.baseUrl, apiKey: 'sk-test', model: 'm', timeoutMs: 2000 }, ORDER);
    assert.equal(written.source, 'template');
    assert.equal(written.fallbackReason, 'http_500');
    assert.equal(written.prompt, renderTemplatePrompt(ORDER));
  } finally {
    await fake.close();
  }
});

test('prompt: a wrong key (401) falls back to the template', async () => {
  const fake = await startFakeOpenAi();
  try {
    const written = await writePrompt({ baseUrl: fake.baseUrl, apiKey: 'sk-wrong', model: 'm', timeoutMs: 2000 }, ORDER);
    assert.equal(written.source, 'template');
    assert.equal(written.fallbackReason, 'http_401');
  } finally {
    await fake.close();
  }
});

test('prompt: a slow LLM falls back within the timeout', async () => {
  const fake = await startFakeOpenAi();
  fake.failNext({ delayMs: 5000 });
  try {
    const started = Date.now();
    const written = await writePrompt({ baseUrl: fake.baseUrl, apiKey: 'sk-test', model: 'm', timeoutMs: 150 }, ORDER);
    assert.ok(Date.now() - started < 1500);
    assert.equal(written.source, 'template');
    assert.equal(written.fallbackReason, 'network_timeout');
  } finally {
    await fake.close();
  }
});

test('prompt: no key → template, no request', async () => {
  const fake = await startFakeOpenAi();
  try {
    const written = await writePrompt({ baseUrl: fake.baseUrl, model: 'm', timeoutMs: 2000 }, ORDER);
    assert.deepEqual(written, { prompt: renderTemplatePrompt(ORDER), source: 'template', fallbackReason: 'no_key' });
    assert.equal(fake.calls.length, 0);
  } finally {
    await fake.close();
  }
});

test('prompt: unreachable endpoint → template', async () => {
  const fake = await startFakeOpenAi();
  await fake.close();
  const written = await writePrompt({ baseUrl: fake.baseUrl, apiKey: 'sk-test', model: 'm', timeoutMs: 2000 }, ORDER);
  assert.equal(written.source, 'template');
  assert.equal(written.fallbackReason, 'network_refused');
});

test('renderTemplatePrompt: exact text, wishes optional, whitespace tidied', () => {
  assert.equal(
    renderTemplatePrompt({ template: ' Unboxing ', productName: 'Glow\n serum', wishes: 'pastel colours.' }),
    'A short vertical product video in the "Unboxing" style featuring Glow serum. The Glow serum is the clear focus of every shot, with smooth camera movement, clean lighting and a modern look. Wishes: pastel colours.',
  );
  assert.doesNotMatch(renderTemplatePrompt({ template: 'Review', productName: 'Mug' }), /Wishes/);
});
