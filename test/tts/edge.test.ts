import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, test } from 'node:test';
import { ttsReason } from '../../src/tts/engine.js';
import { makeEdgeEngine } from '../../src/tts/edge.js';
import { EDGE_TRUSTED_CLIENT_TOKEN, edgeConnectUrl, parseBinaryFrame, parseTextFrame, secMsGec } from '../../src/tts/edge-protocol.js';
import { startFakeEdgeTts, type FakeEdgeServer } from '../fakes/edge-tts-server.js';

let fake: FakeEdgeServer;
before(async () => {
  fake = await startFakeEdgeTts();
});
after(() => fake.close());

const voice = 'ru-RU-SvetlanaNeural';
const reason = (expected: string) => (error: unknown) => {
  assert.equal(ttsReason(error), expected);
  return true;
};

test('Sec-MS-GEC hashes Windows file-time ticks rounded down to five minutes, in uppercase hex', () => {
  // 1970-01-01T00:00:00Z is 11644473600 s after 1601-01-01, i.e. 116444736000000000 ticks of 100 ns.
  const expected = createHash('sha256').update(`116444736000000000${EDGE_TRUSTED_CLIENT_TOKEN}`).digest('hex').toUpperCase();
  assert.equal(secMsGec(0), expected);
  assert.equal(secMsGec(299_999), expected, 'same five-minute window');
  assert.notEqual(secMsGec(300_000), expected, 'next window');
  assert.match(secMsGec(Date.now()), /^[0-9A-F]{64}$/u);
  const url = new URL(edgeConnectUrl('wss://example.test/v1?x=1', 0));
  assert.equal(url.searchParams.get('x'), '1');
  assert.equal(url.searchParams.get('Sec-MS-GEC'), expected);
  assert.equal(url.searchParams.get('TrustedClientToken'), EDGE_TRUSTED_CLIENT_TOKEN);
  assert.match(url.searchParams.get('Sec-MS-GEC-Version') ?? '', /^1-\d+\.\d+\.\d+\.\d+$/u);
  assert.match(url.searchParams.get('ConnectionId') ?? '', /^[0-9a-f]{32}$/u);
});

test('frames parse by their length prefix and header block', () => {
  const head = Buffer.from('X-RequestId:abc\r\nPath:audio\r\n');
  const prefix = Buffer.from([0, head.length]);
  const frame = parseBinaryFrame(Buffer.concat([prefix, head, Buffer.from('MP3')]));
  assert.deepEqual(frame?.headers, { 'x-requestid': 'abc', path: 'audio' });
  assert.equal(frame?.body.toString(), 'MP3');
  assert.equal(parseBinaryFrame(Buffer.from([0, 200, 1])), undefined);
  assert.equal(parseTextFrame(Buffer.from('Path:turn.end\r\n\r\n{}')).headers['path'], 'turn.end');
});

test('a round trip through the fake returns its audio, and the request looks like Edge', async () => {
  const engine = makeEdgeEngine({ url: fake.wsUrl });
  const result = await engine.synthesize(`Привет, <Том> & "Джерри"`, { voice });
  assert.deepEqual(result.audio, fake.audio);
  assert.equal(result.ext, 'mp3');
  assert.equal(result.engine, 'edge');
  const call = fake.calls.at(-1)!;
  assert.equal(call.tokenValid, true);
  assert.match(call.userAgent ?? '', /Edg\/\d+/u);
  assert.equal(call.origin, 'chrome-extension://jdiccldimpdaibmpdkjnbmckianbfold');
  assert.equal((call.config as { context: { synthesis: { audio: { outputFormat: string } } } }).context.synthesis.audio.outputFormat, 'audio-24khz-48kbitrate-mono-mp3');
  assert.match(call.ssml ?? '', /<voice name='ru-RU-SvetlanaNeural'>/u);
  assert.match(call.ssml ?? '', /Привет, &lt;Том&gt; &amp; &quot;Джерри&quot;/u, 'text is XML-escaped');
  assert.match(call.requestId ?? '', /^[0-9a-f]{32}$/u);
});

test('a refused upgrade is a handshake failure', async () => {
  fake.failNext({ kind: 'reject', status: 403 });
  await assert.rejects(makeEdgeEngine({ url: fake.wsUrl }).synthesize('hi', { voice }), reason('handshake'));
});

test('a wrong clock (stale Sec-MS-GEC) is refused by the fake like by the service', async () => {
  const engine = makeEdgeEngine({ url: fake.wsUrl, now: () => Date.now() - 3_600_000 });
  await assert.rejects(engine.synthesize('hi', { voice }), reason('handshake'));
  assert.equal(fake.calls.at(-1)!.tokenValid, false);
});

test('a socket closed before turn.end is a failure, not truncated audio', async () => {
  fake.failNext({ kind: 'close_early' });
  await assert.rejects(makeEdgeEngine({ url: fake.wsUrl }).synthesize('hi', { voice }), reason('closed_early'));
});

test('a turn without audio is a failure', async () => {
  fake.failNext({ kind: 'no_audio' });
  await assert.rejects(makeEdgeEngine({ url: fake.wsUrl }).synthesize('hi', { voice }), reason('no_audio'));
});

test('silence ends at the timeout', async () => {
  fake.failNext({ kind: 'silent' });
  await assert.rejects(makeEdgeEngine({ url: fake.wsUrl, timeoutMs: 300 }).synthesize('hi', { voice }), reason('timeout'));
});

test('the caller can abort', async () => {
  fake.failNext({ kind: 'silent' });
  const controller = new AbortController();
  const pending = makeEdgeEngine({ url: fake.wsUrl }).synthesize('hi', { voice, signal: controller.signal });
  setTimeout(() => controller.abort(), 50);
  await assert.rejects(pending, (error: { code?: string }) => error.code === 'tts_aborted');
});

test('a closed server is a socket error', async () => {
  const gone = await startFakeEdgeTts({ audio: fake.audio });
  await gone.close();
  await assert.rejects(makeEdgeEngine({ url: gone.wsUrl }).synthesize('hi', { voice }), reason('socket_error'));
});

test('a voice that is not an Edge voice name is refused before connecting', async () => {
  const before = fake.calls.length;
  await assert.rejects(makeEdgeEngine({ url: fake.wsUrl }).synthesize('hi', { voice: `ru'><x` }), { code: 'tts_voice_invalid' });
  assert.equal(fake.calls.length, before);
});
