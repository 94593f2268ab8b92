/**
 * The TikTok source's connection loop, on the real TikTokLiveConnection class with only its
 * network step (`_connect`) replaced: connect() state handling, event dispatch, error classes
 * and the stream-end path are the library's own. Sleeps are recorded, never waited.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tt from 'tiktok-live-connector';
import type { SourceItem } from '../../src/live/source.js';
import { loadTikTokConnector, makeTikTokSource, NOT_INSTALLED_MESSAGE, type TikTokLibrary } from '../../src/live/sources/tiktok.js';

const lib = tt as any;
const blank = (codec: any) => codec.decode(new Uint8Array());

/** A library whose connections run `script` (one step per connect) instead of reaching TikTok. */
function scriptedLibrary(script: Array<() => void>) {
  const connections: any[] = [];
  const options: unknown[] = [];
  class Scripted extends lib.TikTokLiveConnection {
    constructor(uniqueId: string, opts: Record<string, unknown>) {
      super(uniqueId, opts);
      connections.push(this);
      options.push(opts);
    }
    async _connect() {
      const step = script.shift();
      if (!step) throw new Error('script exhausted');
      step();
    }
  }
  return { library: { ...lib, TikTokLiveConnection: Scripted } as TikTokLibrary, connections, options };
}

/** Dispatches a real-shaped message through a live connection. */
async function send(conn: any, type: string, fields: Record<string, unknown>) {
  const codec = lib[type];
  await conn.processDecodedData({ type, data: lib.deserializeMessage(type, Buffer.from(codec.encode(Object.assign(blank(codec), fields)).finish())) });
}

const show = (item: SourceItem) => (item.kind === 'event' ? `event:${item.event.event_type}:${item.event.msg_id}` : `${item.status}${item.retry_after_ms !== undefined ? `(${item.retry_after_ms})` : ''}`);

test('tiktok source: offline and rate limits back off, then live events flow until the stream ends', async () => {
  const rate = new lib.SignatureRateLimitError('', 'Retry in %s ms', { headers: { 'retry-after': '90' } });
  const { library, connections, options } = scriptedLibrary([
    () => { throw new lib.UserOfflineError("The requested user isn't online :("); },
    () => { throw rate; },
    () => {},
  ]);
  const slept: number[] = [];
  const source = makeTikTokSource({ load: async () => library, random: () => 1, sleep: async (ms) => (slept.push(ms), true), signApiKey: 'k' });
  const it = source.follow('@ann_live', new AbortController().signal)[Symbol.asyncIterator]();
  const seen: string[] = [];
  for (;;) {
    const { value } = await it.next();
    seen.push(show(value));
    if (value.kind === 'status' && value.status === 'live') break;
  }
  const conn = connections[2];
  const common = (msgId: string) => Object.assign(blank(lib.CommonMessageData), { msgId });
  await send(conn, 'WebcastChatMessage', { common: common('7001'), content: 'hi' });
  await send(conn, 'WebcastControlMessage', { common: common('7002'), action: lib.ControlAction.CONTROL_ACTION_STREAM_ENDED });
  for (let r = await it.next(); !r.done; r = await it.next()) seen.push(show(r.value));
  assert.deepEqual(seen.slice(0, 6), ['connecting', 'offline(30000)', 'connecting', 'rate_limited(90000)', 'connecting', 'live']);
  assert.deepEqual(seen.slice(6, 8), ['event:chat:7001', `event:stream_end:${seen[7].split(':')[2]}`]);
  assert.deepEqual(seen.slice(8), ['offline'], 'no reconnect after the stream ended');
  assert.deepEqual(slept, [30000, 90000]);
  assert.deepEqual(options[0], { processInitialData: false, fetchRoomInfoOnConnect: true, enableExtendedGiftInfo: false, signApiKey: 'k' });
});

test('tiktok source: a dropped connection reconnects with a fresh backoff; abort ends the follow', async () => {
  const { library, connections } = scriptedLibrary([() => {}, () => {}]);
  const slept: number[] = [];
  const controller = new AbortController();
  const source = makeTikTokSource({ load: async () => library, random: () => 0, sleep: async (ms) => (slept.push(ms), true) });
  const it = source.follow('ann_live', controller.signal)[Symbol.asyncIterator]();
  assert.deepEqual([show((await it.next()).value), show((await it.next()).value)], ['connecting', 'live']);
  connections[0].emit('disconnected', { code: 1006, reason: '' });
  assert.deepEqual([show((await it.next()).value), show((await it.next()).value)], ['connecting', 'live']);
  assert.deepEqual(slept, [500]);
  const pending = it.next();
  controller.abort();
  assert.deepEqual(await pending, { done: true, value: undefined });
});

test('tiktok source: an invalid handle and a missing package are reported as statuses, not thrown', async () => {
  const collect = async (source: ReturnType<typeof makeTikTokSource>, handle: string) => {
    const out: SourceItem[] = [];
    for await (const item of source.follow(handle, new AbortController().signal)) out.push(item);
    return out;
  };
  const absent = await collect(makeTikTokSource({ load: async () => null }), 'ann_live');
  assert.deepEqual(absent, [{ kind: 'status', status: 'error', message: NOT_INSTALLED_MESSAGE }]);
  const bad = await collect(makeTikTokSource({ load: async () => null }), 'not a handle!');
  assert.deepEqual(bad.map(show), ['user_not_found']);
  const { library } = scriptedLibrary([() => { throw new lib.InvalidUniqueIdError('Missing or invalid value'); }]);
  assert.deepEqual((await collect(makeTikTokSource({ load: async () => library }), 'ann_live')).map(show), ['connecting', 'user_not_found']);
});

test('tiktok source: the package loads only when installed', async () => {
  const installed = await loadTikTokConnector();
  assert.equal(typeof installed?.TikTokLiveConnection, 'function');
  assert.equal(await loadTikTokConnector('ttops-not-an-installed-package'), null);
});
