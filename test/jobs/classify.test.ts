import { test } from 'node:test';
import assert from 'node:assert/strict';
import { classifyProviderFailure, parseRetryAfter, type FailureKind, type ProviderFailureInput } from '../../src/jobs/classify.js';

const NOW = Date.parse('2026-11-22T12:00:00Z');

const cases: Array<{ name: string; input: ProviderFailureInput; kind: FailureKind; code: string; retryAfterMs?: number }> = [
  // HTTP answers
  { name: '401 bad key', input: { source: 'http', status: 401, code: 401, msg: 'no access' }, kind: 'auth', code: 'provider_unauthorized' },
  { name: '402 out of credits', input: { source: 'http', status: 402, code: 402 }, kind: 'auth', code: 'provider_out_of_credits' },
  { name: 'HTTP 200 carrying code 401', input: { source: 'http', status: 200, code: 401 }, kind: 'auth', code: 'provider_unauthorized' },
  { name: 'HTTP 200 carrying code "402" (string)', input: { source: 'http', status: 200, code: '402' }, kind: 'auth', code: 'provider_out_of_credits' },
  { name: '429 with Retry-After seconds', input: { source: 'http', status: 429, code: 429, retryAfter: '7' }, kind: 'transient', code: 'provider_rate_limited', retryAfterMs: 7000 },
  { name: '429 with Retry-After date', input: { source: 'http', status: 429, retryAfter: new Date(NOW + 30_000).toUTCString(), nowMs: NOW }, kind: 'transient', code: 'provider_rate_limited', retryAfterMs: 30_000 },
  { name: '429 without Retry-After', input: { source: 'http', status: 429 }, kind: 'transient', code: 'provider_rate_limited' },
  { name: '455 maintenance', input: { source: 'http', status: 455, code: 455 }, kind: 'transient', code: 'provider_unavailable' },
  { name: 'HTTP 200 carrying code 455', input: { source: 'http', status: 200, code: 455 }, kind: 'transient', code: 'provider_unavailable' },
  { name: '500 server error', input: { source: 'http', status: 500, code: 500 }, kind: 'transient', code: 'provider_server_error' },
  { name: 'proxy 502 without JSON', input: { source: 'http', status: 502 }, kind: 'transient', code: 'provider_server_error' },
  { name: '503 with Retry-After', input: { source: 'http', status: 503, retryAfter: '3' }, kind: 'transient', code: 'provider_server_error', retryAfterMs: 3000 },
  { name: '501 generation failed', input: { source: 'http', status: 200, code: 501, msg: 'generation failed' }, kind: 'permanent', code: 'provider_generation_failed' },
  { name: '501 naming the content policy', input: { source: 'http', status: 200, code: 501, msg: 'Prompt violates content policy' }, kind: 'user_violation', code: 'provider_content_policy' },
  { name: '422 validation', input: { source: 'http', status: 422, code: 422, msg: 'image_urls is required' }, kind: 'permanent', code: 'provider_validation' },
  { name: '422 flagged as NSFW', input: { source: 'http', status: 422, code: 422, msg: 'input flagged as NSFW' }, kind: 'user_violation', code: 'provider_content_policy' },
  { name: '404 task not found', input: { source: 'http', status: 200, code: 404, msg: 'task not found' }, kind: 'permanent', code: 'provider_not_found' },
  { name: '505 feature disabled', input: { source: 'http', status: 505, code: 505 }, kind: 'permanent', code: 'provider_feature_disabled' },
  { name: 'other 4xx', input: { source: 'http', status: 418 }, kind: 'permanent', code: 'provider_http_418' },
  { name: '200/200 without data', input: { source: 'http', status: 200, code: 200 }, kind: 'permanent', code: 'provider_bad_response' },
  // Failed task records
  { name: 'task: photorealistic people', input: { source: 'task', failCode: '501', failMsg: 'The image contains real people, which is not allowed' }, kind: 'user_violation', code: 'provider_content_policy' },
  { name: 'task: NSFW', input: { source: 'task', failCode: 400, failMsg: 'NSFW content detected' }, kind: 'user_violation', code: 'provider_content_policy' },
  { name: 'task: guideline violation', input: { source: 'task', failMsg: 'This request may violate our guidelines' }, kind: 'user_violation', code: 'provider_content_policy' },
  { name: 'task: generic failure', input: { source: 'task', failCode: '501', failMsg: 'internal rendering error' }, kind: 'permanent', code: 'provider_generation_failed' },
  { name: 'task: no failMsg', input: { source: 'task' }, kind: 'permanent', code: 'provider_generation_failed' },
  { name: 'task: provider-side 500', input: { source: 'task', failCode: '500', failMsg: 'server busy' }, kind: 'transient', code: 'provider_task_failed_transient' },
  // Network errors
  { name: 'ECONNREFUSED', input: { source: 'network', error: Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }) }, kind: 'transient', code: 'network_refused' },
  { name: 'ECONNRESET', input: { source: 'network', error: Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }) }, kind: 'transient', code: 'network_reset' },
  { name: 'undici socket closed', input: { source: 'network', error: Object.assign(new Error('other side closed'), { code: 'UND_ERR_SOCKET' }) }, kind: 'transient', code: 'network_reset' },
  { name: 'AbortSignal timeout', input: { source: 'network', error: new DOMException('The operation was aborted due to timeout', 'TimeoutError') }, kind: 'transient', code: 'network_timeout' },
  { name: 'headers timeout', input: { source: 'network', error: Object.assign(new Error('Headers Timeout Error'), { code: 'UND_ERR_HEADERS_TIMEOUT' }) }, kind: 'transient', code: 'network_timeout' },
  { name: 'DNS failure', input: { source: 'network', error: Object.assign(new Error('getaddrinfo ENOTFOUND'), { code: 'ENOTFOUND' }) }, kind: 'transient', code: 'network_dns' },
  { name: 'refusal inside an AggregateError', input: { source: 'network', error: new AggregateError([Object.assign(new Error('x'), { code: 'ECONNREFUSED' })], 'all failed') }, kind: 'transient', code: 'network_refused' },
  { name: 'refusal as a cause', input: { source: 'network', error: new Error('fetch failed', { cause: Object.assign(new Error('x'), { code: 'ECONNREFUSED' }) }) }, kind: 'transient', code: 'network_refused' },
  { name: 'anything else thrown', input: { source: 'network', error: new Error('boom') }, kind: 'transient', code: 'network_error' },
];

for (const c of cases) {
  test(`classify: ${c.name} → ${c.kind}/${c.code}`, () => {
    const got = classifyProviderFailure(c.input);
    assert.equal(got.kind, c.kind);
    assert.equal(got.code, c.code);
    assert.equal(got.retryAfterMs, c.retryAfterMs);
    assert.ok(got.message.length > 0);
  });
}

test('classify: the message carries the provider msg but never a key-like header', () => {
  const got = classifyProviderFailure({ source: 'http', status: 401, code: 401, msg: 'no access' });
  assert.doesNotMatch(got.message, /Bearer/);
  assert.match(got.message, /KIE_API_KEYS/);
});

test('parseRetryAfter: seconds, dates, junk', () => {
  assert.equal(parseRetryAfter('0', NOW), 0);
  assert.equal(parseRetryAfter(['2', '9'], NOW), 2000);
  assert.equal(parseRetryAfter(new Date(NOW - 5000).toUTCString(), NOW), 0);
  assert.equal(parseRetryAfter('soon', NOW), undefined);
  assert.equal(parseRetryAfter(undefined, NOW), undefined);
});
