import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { InvalidInputError, NotFoundError } from '../../src/errors.js';
import { expireStreaks, handleEvent, newEngineState, type LiveAction, type StatsDelta } from '../../src/live/engine.js';
import type { SourceItem } from '../../src/live/source.js';
import { makeReplaySource, parseReplay, readReplayFile } from '../../src/live/sources/replay.js';
import { trigger } from './helpers.js';

const FIXTURE = fileURLToPath(new URL('../../../test/fixtures/live/session.jsonl', import.meta.url));
const T0 = 1_767_225_600_000;

const triggers = [
  trigger(1, { event_type: 'gift', condition_key: 'gift_id', condition_value: '5655', action: 'play_sound', action_params: { sound: 'rose.mp3' } }),
  trigger(2, { event_type: 'gift', condition_key: 'min_diamonds', condition_value: 1000, action: 'both', action_params: { sound: 'lion.mp3', text: '{nickname} sent a {gift_name}!', volume: 80 } }),
  trigger(3, { event_type: 'follow', action: 'tts', action_params: { text: 'Thanks for the follow, {nickname}' } }),
  trigger(4, { event_type: 'chat', condition_key: 'command', condition_value: '!hello', action: 'play_sound', action_params: { sound: 'hello.mp3' } }),
  trigger(5, { event_type: 'like', condition_key: 'threshold', condition_value: 10, action: 'play_sound', action_params: { sound: 'likes.mp3' } }),
  trigger(6, { event_type: 'subscribe', action: 'play_sound', action_params: { sound: 'sub.mp3' } }),
  trigger(7, { event_type: 'share', action: 'play_sound', action_params: { sound: 'share.mp3' }, enabled: false }),
  trigger(8, { event_type: 'gift', condition_key: 'gift_id', condition_value: '5655', action: 'play_sound', action_params: { sound: 'petal.mp3', per_unit: true, max_units: 5 } }),
];

/** Session totals the way the hub would keep them. */
function addStats(total: Record<string, number>, d: StatsDelta) {
  for (const k of ['gifts', 'diamonds', 'likes', 'follows', 'shares', 'joins', 'subscribes', 'chats'] as const) total[k] = (total[k] ?? 0) + d[k];
  if (d.viewer_count !== undefined) total.peak_viewers = Math.max(total.peak_viewers ?? 0, d.viewer_count);
  if (d.gifter) total[`gifter:${d.gifter.unique_id}`] = (total[`gifter:${d.gifter.unique_id}`] ?? 0) + d.gifter.diamonds;
}

test('replay: a recorded session drives the engine to the exact actions and stats', async () => {
  const lines = await readReplayFile(FIXTURE);
  // A virtual clock that follows the file's schedule: the engine's `now` is the replay time.
  let clock = T0;
  const schedule = lines.map((l) => (clock += l.delayMs));
  let i = 0;
  const source = makeReplaySource({ lines, speed: Infinity, now: () => schedule[i] });
  const state = newEngineState();
  const actions: string[] = [];
  const statuses: string[] = [];
  const totals: Record<string, number> = {};
  const show = (a: LiveAction) => `${a.trigger_id}:${a.type === 'tts' ? `tts "${a.text}"` : a.sound}`;
  for await (const item of source.follow('streamer', new AbortController().signal)) {
    if (item.kind === 'status') {
      statuses.push(item.status);
      continue;
    }
    const now = schedule[i++];
    actions.push(...expireStreaks(state, triggers, now).map((a) => `${show(a)} (timeout)`));
    const result = handleEvent(state, item.event, triggers, now);
    actions.push(...result.actions.map(show));
    if (result.stats) addStats(totals, result.stats);
  }
  assert.deepEqual(statuses, ['connecting', 'live', 'offline']);
  assert.deepEqual(actions, [
    '3:tts "Thanks for the follow, Ann"',
    '4:hello.mp3',
    '8:petal.mp3',
    '8:petal.mp3',
    '8:petal.mp3',
    '1:rose.mp3',
    '5:likes.mp3',
    '5:likes.mp3',
    '2:lion.mp3',
    '2:tts "Bob sent a Lion!"',
    '8:petal.mp3',
    '8:petal.mp3',
    '1:rose.mp3 (timeout)',
    '6:sub.mp3',
  ]);
  assert.deepEqual(totals, {
    gifts: 6, diamonds: 30004, likes: 27, follows: 1, shares: 1, joins: 1, subscribes: 1, chats: 2,
    peak_viewers: 40, 'gifter:ann': 3, 'gifter:bob': 29999, 'gifter:cy': 2,
  });
  assert.equal(state.likes.size, 0, 'stream_end reset the like counters');
});

test('replay: waits come from delay_ms, else from the difference of at, scaled by speed', () => {
  const lines = parseReplay(['{"event_type":"join","at":1000}', '', '{"event_type":"join","at":3500}', '{"event_type":"join","delay_ms":7}', '{"event_type":"join","at":3000}', '{"event_type":"join"}'].join('\n'));
  assert.deepEqual(lines.map((l) => l.delayMs), [0, 2500, 7, 0, 0]);
});

test('replay: bad files are refused before anything plays, naming the line', async () => {
  const cases: Array<[string, RegExp]> = [
    ['{"event_type":"join"}\n{nope', /line 2 is not valid JSON/],
    ['[1]', /line 1 must be a JSON object/],
    ['{"event_type":"join","delay_ms":-5}', /line 1: delay_ms/],
    ['\n\n{"event_type":"chat","comment":"hi","color":"red"}', /line 3: Invalid chat event: unknown field `color`/],
    ['{"event_type":"viewers","viewer_count":1e999}', /line 1: Invalid viewers event/],
  ];
  for (const [text, pattern] of cases) {
    assert.throws(() => parseReplay(text), (e: unknown) => e instanceof InvalidInputError && e.code === 'invalid_replay' && pattern.test(e.message), text);
  }
  await assert.rejects(readReplayFile(`${FIXTURE}.missing`), (e: unknown) => e instanceof NotFoundError && e.code === 'replay_not_found');
  assert.throws(() => makeReplaySource({ lines: [], speed: 0 }), /positive/);
});

test('replay: aborting stops a replay in the middle of a wait', { timeout: 20_000 }, async () => {
  const lines = parseReplay('{"event_type":"join","msg_id":"a"}\n{"event_type":"join","msg_id":"b","delay_ms":3600000}');
  const controller = new AbortController();
  const seen: SourceItem[] = [];
  for await (const item of makeReplaySource({ lines }).follow('streamer', controller.signal)) {
    seen.push(item);
    if (item.kind === 'event') controller.abort();
  }
  assert.deepEqual(seen.map((s) => (s.kind === 'event' ? s.event.msg_id : s.status)), ['connecting', 'live', 'a']);
});

test('replay: lines without msg_id get a fresh id on every run, so a demo replayed twice acts twice', async () => {
  const lines = parseReplay('{"event_type":"follow"}');
  const ids: string[] = [];
  for (let run = 0; run < 2; run++) {
    for await (const item of makeReplaySource({ lines, speed: Infinity }).follow('s', new AbortController().signal)) if (item.kind === 'event') ids.push(item.event.msg_id);
  }
  assert.equal(new Set(ids).size, 2);
});
