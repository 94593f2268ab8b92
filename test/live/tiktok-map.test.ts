/**
 * The TikTok mapping against objects in the library's own shapes: messages are built with
 * tiktok-live-connector 2.4.0's protobuf encoders, decoded by its `deserializeMessage`, and
 * dispatched by a real `TikTokLiveConnection.processDecodedData` (no network), so the event
 * names and payloads are exactly what the library emits. Errors are the library's classes.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tt from 'tiktok-live-connector';
import * as v2 from 'tiktok-live-proto/v2';
import { parseLiveEvent } from '../../src/live/event.js';
import { classifyTikTokError, mapTikTokEvent, planRetry, TIKTOK_EVENT_NAMES } from '../../src/live/sources/tiktok.js';

const lib = tt as any;
const NOW = 1_767_225_699_000;
type Codec = { decode(b: Uint8Array): any; encode(m: any): { finish(): Uint8Array } };

/** A message with every field at its default, as the decoder produces it. */
const blank = (codec: Codec) => codec.decode(new Uint8Array());

function common(msgId: string, key = '') {
  const c = blank(lib.CommonMessageData);
  Object.assign(c, { msgId, createTime: '1767225600123' });
  if (key) c.displayText = Object.assign(blank(lib.MessageCommonText), { key });
  return c;
}
const user = (id: string, displayId: string, nickname: string) => Object.assign(blank(lib.User), { id, displayId, nickname });

/** Encodes, decodes with the library, dispatches with a real connection; returns what it emitted. */
async function emitted(type: string, fields: Record<string, unknown>): Promise<Array<[string, any]>> {
  const codec = lib[type] as Codec;
  const bytes = codec.encode(Object.assign(blank(codec), fields)).finish();
  const data = lib.deserializeMessage(type, Buffer.from(bytes));
  const conn = new lib.TikTokLiveConnection('streamer', { processInitialData: false });
  const out: Array<[string, any]> = [];
  for (const name of [...TIKTOK_EVENT_NAMES, 'social', 'controlMessage']) conn.on(name, (d: unknown) => out.push([name, d]));
  await conn.processDecodedData({ type, data });
  return out;
}

/** Maps what the library emitted, checking each result is a valid normalised event. */
async function mapped(type: string, fields: Record<string, unknown>) {
  const events = (await emitted(type, fields)).map(([name, d]) => mapTikTokEvent(name, d, NOW)).filter((e) => e !== null);
  for (const e of events) assert.deepEqual(parseLiveEvent(e, { strict: true }), e, 'a mapped event passes the strict parser unchanged');
  return events;
}

const ann = user('6912345678901234567', 'ann_live', 'Ann');

test('tiktok: a streakable gift frame (giftType 1) keeps msgId, ids as strings, repeatEnd 0/1 as a boolean', async () => {
  const gift = Object.assign(blank(lib.Gift), { id: '5655', name: 'Rose', type: 1, diamondCount: 1, combo: true });
  for (const repeatEnd of [0, 1]) {
    const [e] = await mapped('WebcastGiftMessage', { common: common(`73000000000000000${repeatEnd}`), giftId: '5655', gift, user: ann, repeatCount: 7, repeatEnd, groupId: '1767225600001' });
    assert.deepEqual(e, {
      event_type: 'gift', msg_id: `73000000000000000${repeatEnd}`, at: 1767225600123, user_id: '6912345678901234567', unique_id: 'ann_live', nickname: 'Ann',
      gift_id: '5655', gift_name: 'Rose', diamond_count: 1, repeat_count: 7, repeat_end: repeatEnd === 1, streakable: true, group_id: '1767225600001',
    });
  }
});

test('tiktok: an expensive gift (giftType 2) is not streakable; a gift with no id or name is dropped', async () => {
  const lion = Object.assign(blank(lib.Gift), { id: '6369', name: 'Lion', type: 2, diamondCount: 29999 });
  const [e] = await mapped('WebcastGiftMessage', { common: common('1'), giftId: '6369', gift: lion, user: ann, repeatCount: 1 });
  assert.equal(e?.event_type === 'gift' && e.streakable, false);
  assert.deepEqual(await mapped('WebcastGiftMessage', { common: common('2'), user: ann }), []);
});

test('tiktok: chat, like, member (join / subscribe), roomUser map to chat, like, join, subscribe, viewers', async () => {
  const [chat] = await mapped('WebcastChatMessage', { common: common('10'), user: ann, content: '!hello world' });
  assert.deepEqual(chat, { event_type: 'chat', msg_id: '10', at: 1767225600123, user_id: '6912345678901234567', unique_id: 'ann_live', nickname: 'Ann', comment: '!hello world' });
  const [like] = await mapped('WebcastLikeMessage', { common: common('11'), user: ann, count: 15, total: '123456' });
  assert.deepEqual(like && like.event_type === 'like' && [like.like_count, like.total_like_count], [15, 123456]);
  const [join] = await mapped('WebcastMemberMessage', { common: common('12'), user: ann, action: lib.MemberMessageAction.MEMBER_MESSAGE_ACTION_JOINED });
  const [sub] = await mapped('WebcastMemberMessage', { common: common('13'), user: ann, action: lib.MemberMessageAction.MEMBER_MESSAGE_ACTION_SUBSCRIBED });
  assert.deepEqual([join?.event_type, sub?.event_type], ['join', 'subscribe']);
  assert.deepEqual(await mapped('WebcastMemberMessage', { common: common('14'), user: ann, action: 0 }), []);
  const [viewers] = await mapped('WebcastRoomUserSeqMessage', { common: common('15'), total: '321', totalUser: '5000' });
  assert.deepEqual(viewers && viewers.event_type === 'viewers' && [viewers.viewer_count, viewers.user_id], [321, '']);
});

test('tiktok: follows and shares arrive as their own events (not social); other social messages are ignored', async () => {
  const [follow] = await mapped('WebcastSocialMessage', { common: common('20', 'pm_mt_msg_viewer_follow'), user: ann });
  const [share] = await mapped('WebcastSocialMessage', { common: common('21', 'pm_mt_guidance_share'), user: ann });
  assert.deepEqual([follow?.event_type, share?.event_type], ['follow', 'share']);
  assert.deepEqual((await emitted('WebcastSocialMessage', { common: common('22', 'other'), user: ann })).map(([n]) => n), ['social']);
  assert.deepEqual(await mapped('WebcastSocialMessage', { common: common('22', 'other'), user: ann }), []);
});

test('tiktok: a control message ending the stream yields exactly one stream_end; pauses yield nothing', async () => {
  const end = await emitted('WebcastControlMessage', { common: common('30'), action: lib.ControlAction.CONTROL_ACTION_STREAM_ENDED });
  assert.deepEqual(end.map(([n]) => n), ['controlMessage', 'streamEnd']);
  const events = await mapped('WebcastControlMessage', { common: common('30'), action: lib.ControlAction.CONTROL_ACTION_STREAM_ENDED });
  assert.deepEqual(events.map((e) => [e.event_type, e.at]), [['stream_end', NOW]]);
  assert.deepEqual(await mapped('WebcastControlMessage', { common: common('31'), action: lib.ControlAction.CONTROL_ACTION_STREAM_PAUSED }), []);
});

test('tiktok: older v2-shaped payloads (giftDetails, comment, likeCount, viewerCount, uniqueId) map the same way', () => {
  const b = (c: Codec, f: Record<string, unknown>) => c.decode(c.encode(Object.assign(blank(c), f)).finish());
  const u = b(v2.User as Codec, { userId: '42', uniqueId: 'old_api', nickname: 'Old' });
  const com = b(v2.CommonMessageData as Codec, { msgId: '99', createTime: '1767225600000' });
  const gift = b(v2.WebcastGiftMessage as Codec, { common: com, user: u, giftId: 5655, repeatCount: 3, repeatEnd: 1, giftDetails: b(v2.Gift as Codec, { giftName: 'Rose', giftType: 1, diamondCount: 1 }) });
  assert.deepEqual(mapTikTokEvent('gift', gift, NOW), {
    event_type: 'gift', msg_id: '99', at: 1767225600000, user_id: '42', unique_id: 'old_api', nickname: 'Old',
    gift_id: '5655', gift_name: 'Rose', diamond_count: 1, repeat_count: 3, repeat_end: true, streakable: true, group_id: '',
  });
  assert.equal((mapTikTokEvent('chat', b(v2.WebcastChatMessage as Codec, { common: com, user: u, comment: 'hi' }), NOW) as any).comment, 'hi');
  assert.deepEqual((mapTikTokEvent('like', b(v2.WebcastLikeMessage as Codec, { common: com, likeCount: 5, totalLikeCount: 50 }), NOW) as any).like_count, 5);
  assert.equal((mapTikTokEvent('roomUser', b(v2.WebcastRoomUserSeqMessage as Codec, { common: com, viewerCount: 77 }), NOW) as any).viewer_count, 77);
});

test('tiktok: hostile upstream values are clipped, never passed through', () => {
  const e = mapTikTokEvent('chat', { common: { msgId: '' }, user: { id: 'x y', displayId: '@a b', nickname: 'N\u0000'.repeat(80) }, content: 'c'.repeat(900) }, NOW);
  assert.ok(e && e.event_type === 'chat');
  assert.equal(e.comment.length, 500);
  assert.equal(e.nickname, 'N'.repeat(80));
  assert.deepEqual([e.user_id, e.unique_id, e.at], ['', 'ab', NOW]);
  assert.match(e.msg_id, /^tt-/);
  const like = mapTikTokEvent('like', { count: Infinity, total: '99999999999999999999999' }, NOW);
  assert.deepEqual(like && like.event_type === 'like' && [like.like_count, like.total_like_count], [0, 1e12]);
  assert.equal(mapTikTokEvent('emote', {}, NOW), null);
});

test('tiktok: the library error classes map to statuses', () => {
  const rate = new lib.SignatureRateLimitError('', 'Retry in %s ms', { headers: { 'retry-after': '7' } });
  const table: Array<[unknown, string, boolean, number | undefined]> = [
    [new lib.UserOfflineError("The requested user isn't online :("), 'offline', false, undefined],
    [new lib.InvalidUniqueIdError('Missing or invalid value for uniqueId'), 'user_not_found', true, undefined],
    [new lib.InvalidResponseCompositeError({ requestErrs: [] }, 'Failed to retrieve Room ID from all sources.'), 'user_not_found', false, undefined],
    [rate, 'rate_limited', false, 7000],
    [new lib.PremiumFeatureError('This endpoint requires a paid plan.'), 'error', false, undefined],
    [new lib.ConnectTimeoutError('Timed out whilst connecting to WebSocket'), 'error', false, undefined],
    [new Error('socket hang up\n    at stack'), 'error', false, undefined],
  ];
  for (const [error, status, fatal, retry] of table) {
    const f = classifyTikTokError(error, 'ann_live');
    assert.deepEqual([f.status, f.fatal, f.retry_after_ms], [status, fatal, retry], String(error));
    assert.doesNotMatch(f.message, /\n|at stack/);
  }
});

test('tiktok: backoff doubles up to its cap, with jitter, and honours Retry-After', () => {
  assert.deepEqual([0, 1, 2, 10].map((a) => planRetry('error', a, 1)), [1000, 2000, 4000, 60_000]);
  assert.deepEqual([0, 1, 5].map((a) => planRetry('offline', a, 0)), [15_000, 30_000, 150_000]);
  assert.equal(planRetry('rate_limited', 0, 0, 45_000), 45_000);
  assert.equal(planRetry('error', 1000, 0.5), 45_000);
});
