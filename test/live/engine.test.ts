import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ENGINE_DEFAULTS, expireStreaks, handleEvent, newEngineState, nextStreakExpiry, type LiveAction } from '../../src/live/engine.js';
import type { LiveEvent } from '../../src/live/event.js';
import type { Trigger } from '../../src/live/trigger.js';
import { count, event, rose, trigger } from './helpers.js';

const T0 = 1_767_225_600_000;
const sound = (id: number, body: Record<string, unknown>) => trigger(id, { action: 'play_sound', action_params: { sound: `s${id}.mp3` }, ...body });

/** Runs events one second apart and returns every action (and the final state). */
function run(triggers: Trigger[], events: LiveEvent[], step = 1000) {
  const state = newEngineState();
  const actions: LiveAction[] = [];
  events.forEach((e, i) => actions.push(...handleEvent(state, e, triggers, T0 + i * step).actions));
  return { actions, state };
}

const roseId = sound(1, { event_type: 'gift', condition_key: 'gift_id', condition_value: '5655' });
const roseName = sound(2, { event_type: 'gift', condition_key: 'gift_name', condition_value: 'ROSE' });
const perUnit = sound(3, { event_type: 'gift', condition_key: 'gift_id', condition_value: 5655, action_params: { sound: 'u.mp3', per_unit: true, max_units: 4 } });
const lion = event({ event_type: 'gift', gift_id: '6369', gift_name: 'Lion', diamond_count: 29999, repeat_count: 1, user_id: '2' });

const cases: Array<{ name: string; triggers: Trigger[]; events: LiveEvent[]; expect: Record<number, number> }> = [
  { name: 'a single Rose fires once although TikTok sends it twice', triggers: [roseId], events: [rose(1, false), rose(1, true)], expect: { 1: 1 } },
  { name: 'an unfinished streak does not fire before it ends', triggers: [roseId], events: [rose(1, false), rose(2, false), rose(3, false)], expect: { 1: 0 } },
  { name: 'per unit fires on the increments, capped by max_units', triggers: [perUnit], events: [rose(1, false), rose(3, false), rose(6, true)], expect: { 3: 4 } },
  { name: 'a gift id match wins over a name match', triggers: [roseId, roseName], events: [rose(1, true)], expect: { 1: 1, 2: 0 } },
  { name: 'a name match applies when no id trigger matches (case-insensitive)', triggers: [roseName], events: [rose(1, true)], expect: { 2: 1 } },
  { name: 'min_diamonds compares the per-unit value', triggers: [sound(4, { event_type: 'gift', condition_key: 'min_diamonds', condition_value: 100 })], events: [rose(5, true), lion], expect: { 4: 1 } },
  { name: 'a non-streakable gift acts at once', triggers: [sound(5, { event_type: 'gift', condition_key: 'gift_name', condition_value: 'lion' })], events: [lion], expect: { 5: 1 } },
  { name: 'disabled triggers never fire', triggers: [sound(6, { event_type: 'follow', enabled: false })], events: [event({ event_type: 'follow' })], expect: { 6: 0 } },
  { name: 'follow, share, join and subscribe fire on any', triggers: (['follow', 'share', 'join', 'subscribe'] as const).map((t, i) => sound(10 + i, { event_type: t })), events: (['follow', 'share', 'join', 'subscribe'] as const).map((t) => event({ event_type: t })), expect: { 10: 1, 11: 1, 12: 1, 13: 1 } },
  {
    name: 'a chat command matches the first word only, any case',
    triggers: [sound(20, { event_type: 'chat', condition_key: 'command', condition_value: '!hello' })],
    events: ['!hello', '!HELLO world', '!helloworld', 'say !hello'].map((comment) => event({ event_type: 'chat', comment })),
    expect: { 20: 2 },
  },
  {
    name: 'chat equals and contains ignore case',
    triggers: [sound(21, { event_type: 'chat', condition_key: 'equals', condition_value: 'GG' }), sound(22, { event_type: 'chat', condition_key: 'contains', condition_value: 'wow' })],
    events: ['gg', 'gg wp', 'WOW nice', 'wo w'].map((comment) => event({ event_type: 'chat', comment })),
    expect: { 21: 1, 22: 1 },
  },
  {
    name: 'like thresholds fire each N accumulated likes and keep the remainder',
    triggers: [sound(30, { event_type: 'like', condition_key: 'threshold', condition_value: '10' })],
    events: [4, 4, 4, 15, 2].map((like_count) => event({ event_type: 'like', like_count })),
    expect: { 30: 2 },
  },
  {
    name: 'a cooldown drops firings inside its window',
    triggers: [sound(40, { event_type: 'follow', cooldown_seconds: 3 })],
    events: [0, 1, 2, 3, 4].map(() => event({ event_type: 'follow' })),
    expect: { 40: 2 },
  },
];

for (const c of cases) {
  test(`engine: ${c.name}`, () => {
    const { actions } = run(c.triggers, c.events);
    for (const [id, n] of Object.entries(c.expect)) assert.equal(count(actions, Number(id)), n, `trigger ${id}`);
  });
}

test('engine: like batches fire as many times as thresholds were crossed', () => {
  const t = sound(30, { event_type: 'like', condition_key: 'threshold', condition_value: '10' });
  const { actions, state } = run([t], [4, 4, 4, 15].map((like_count) => event({ event_type: 'like', like_count })));
  assert.equal(count(actions, 30), 2, '27 likes cross 10 twice');
  assert.equal(state.likes.get('30'), 7);
  handleEvent(state, event({ event_type: 'stream_end' }), [t], T0 + 10_000);
  assert.equal(state.likes.size, 0, 'a new stream starts from zero');
});

test('engine: the same msg_id is a duplicate, never acted on twice', () => {
  const state = newEngineState();
  const f = event({ event_type: 'follow', msg_id: 'abc' });
  const t = [sound(1, { event_type: 'follow' })];
  assert.equal(handleEvent(state, f, t, T0).actions.length, 1);
  const again = handleEvent(state, f, t, T0 + 60_000);
  assert.deepEqual(again, { actions: [], stats: null, duplicate: true });
});

test('engine: the dedupe memory is bounded', () => {
  const state = newEngineState();
  const limits = { ...ENGINE_DEFAULTS, seenIds: 3 };
  for (let i = 0; i < 10; i++) handleEvent(state, event({ event_type: 'join', msg_id: `j${i}` }), [], T0 + i, limits);
  assert.deepEqual([...state.seen.keys()], ['j7', 'j8', 'j9']);
});

test('engine: dedupe ids age out after seenMs, so idle streamers hold no memory', () => {
  const state = newEngineState();
  const t = [sound(1, { event_type: 'follow' })];
  handleEvent(state, event({ event_type: 'follow', msg_id: 'old' }), t, T0);
  handleEvent(state, event({ event_type: 'follow', msg_id: 'recent' }), t, T0 + ENGINE_DEFAULTS.seenMs);
  // Within the window the old id is still a duplicate.
  assert.equal(handleEvent(state, event({ event_type: 'follow', msg_id: 'old' }), t, T0 + ENGINE_DEFAULTS.seenMs).duplicate, true);
  handleEvent(state, event({ event_type: 'join', msg_id: 'later' }), [], T0 + ENGINE_DEFAULTS.seenMs + 1);
  assert.deepEqual([...state.seen.keys()], ['recent', 'later']);
});

test('engine: TTS templates are filled from the event and length-capped', () => {
  const tts = trigger(7, { event_type: 'gift', condition_key: 'gift_id', condition_value: '5655', action: 'both', action_params: { sound: 'r.mp3', text: '{nickname} sent {repeat_count} {gift_name}', volume: 40 } });
  const { actions } = run([tts], [rose(2, false), rose(5, true)]);
  assert.deepEqual(actions, [
    { type: 'play_sound', trigger_id: 7, sound: 'r.mp3', volume: 40 },
    { type: 'tts', trigger_id: 7, text: 'Ann sent 5 Rose', volume: 40 },
  ]);
  const say = trigger(8, { event_type: 'chat', condition_key: 'command', condition_value: '!say', action: 'tts', action_params: { text: '{nickname}: {args}' } });
  const long = run([say], [event({ event_type: 'chat', unique_id: 'bob', comment: `!say ${'very '.repeat(90)}long` })]).actions;
  assert.equal(long.length, 1);
  const text = (long[0] as { text: string }).text;
  assert.ok([...text].length <= ENGINE_DEFAULTS.ttsMaxChars && text.startsWith('bob: very very'), text);
});

test('engine: a streak whose end never comes is closed by the timeout, once', () => {
  const state = newEngineState();
  const t = [roseId];
  handleEvent(state, rose(1, false), t, T0);
  handleEvent(state, rose(4, false), t, T0 + 1000);
  assert.equal(nextStreakExpiry(state), T0 + 1000 + ENGINE_DEFAULTS.streakTimeoutMs);
  assert.deepEqual(expireStreaks(state, t, T0 + 1000 + ENGINE_DEFAULTS.streakTimeoutMs - 1), []);
  assert.equal(count(expireStreaks(state, t, T0 + 1000 + ENGINE_DEFAULTS.streakTimeoutMs), 1), 1);
  assert.deepEqual(expireStreaks(state, t, T0 + 60_000), []);
  assert.equal(nextStreakExpiry(state), null);
  assert.deepEqual(handleEvent(state, rose(4, true), t, T0 + 61_000).actions, [], 'the late end frame does not fire again');
});

test('engine: stream_end closes open streaks and counts stats once per unit', () => {
  const state = newEngineState();
  const t = [roseId];
  const s1 = handleEvent(state, rose(2, false), t, T0).stats!;
  const s2 = handleEvent(state, rose(2, false, { msg_id: 'dup-content' }), t, T0 + 1).stats!;
  const s3 = handleEvent(state, rose(3, false), t, T0 + 2).stats!;
  assert.deepEqual([s1.gifts, s2.gifts, s3.gifts], [2, 0, 1]);
  assert.deepEqual(s1.gifter, { user_id: '1', unique_id: '', nickname: 'Ann', diamonds: 2 });
  const end = handleEvent(state, event({ event_type: 'stream_end' }), t, T0 + 3);
  assert.equal(end.stats?.stream_end, true);
  assert.equal(count(end.actions, 1), 1);
});
