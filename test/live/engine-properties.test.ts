/** Property tests of the trigger engine (fast-check, fixed seed, bounded runs). */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { ENGINE_DEFAULTS, expireStreaks, handleEvent, newEngineState, type LiveAction } from '../../src/live/engine.js';
import type { LiveEvent } from '../../src/live/event.js';
import type { Trigger } from '../../src/live/trigger.js';
import { count, event, rose, trigger } from './helpers.js';

const RUNS = { seed: 20260101, numRuns: 300 };
const T0 = 1_767_225_600_000;
const once = trigger(1, { event_type: 'gift', condition_key: 'gift_id', condition_value: '5655', action: 'play_sound', action_params: { sound: 'once.mp3' } });
const perUnit = (max_units: number) =>
  trigger(2, { event_type: 'gift', condition_key: 'gift_id', condition_value: 5655, action: 'play_sound', action_params: { sound: 'unit.mp3', per_unit: true, max_units } });

/** A streak's frames as TikTok might deliver them: a subset of the counts, the end frame, duplicates (same or new msg_id), any order. */
const streakDelivery = (withEnd: boolean) =>
  fc
    .integer({ min: 1, max: 30 })
    .chain((final) =>
      fc.record({
        final: fc.constant(final),
        counts: fc.subarray(Array.from({ length: final }, (_, i) => i + 1), { minLength: withEnd ? 0 : 1, maxLength: Math.min(6, final) }),
        dupes: fc.array(fc.tuple(fc.nat(), fc.boolean()), { maxLength: 4 }),
        order: fc.array(fc.nat(), { minLength: 12, maxLength: 12 }),
        gaps: fc.array(fc.integer({ min: 0, max: 9000 }), { minLength: 12, maxLength: 12 }),
        maxUnits: fc.integer({ min: 1, max: 40 }),
      }),
    )
    .map(({ final, counts, dupes, order, gaps, maxUnits }) => {
      const frames: LiveEvent[] = counts.map((c) => rose(c, false));
      if (withEnd) frames.push(rose(final, true));
      if (!withEnd && !counts.includes(final)) frames.push(rose(final, false));
      for (const [pick, sameId] of dupes) {
        const original = frames[pick % frames.length];
        frames.push(sameId ? original : { ...original, msg_id: `${original.msg_id}-again` });
      }
      const shuffled = frames.map((f, i) => ({ f, k: order[i % order.length] * 100 + i })).sort((a, b) => a.k - b.k).map((x) => x.f);
      return { final, frames: shuffled, gaps, maxUnits };
    });

/** Feeds frames with gaps, calling the streak timer between them as the hub would. */
function deliver(frames: LiveEvent[], gaps: number[], triggers: Trigger[]) {
  const state = newEngineState();
  const actions: LiveAction[] = [];
  let now = T0;
  frames.forEach((f, i) => {
    now += gaps[i % gaps.length];
    actions.push(...expireStreaks(state, triggers, now));
    actions.push(...handleEvent(state, f, triggers, now).actions);
  });
  const closing = expireStreaks(state, triggers, now + ENGINE_DEFAULTS.streakTimeoutMs);
  actions.push(...closing, ...expireStreaks(state, triggers, now + 10 * ENGINE_DEFAULTS.streakTimeoutMs));
  return { actions, closing, state };
}

test('property: however a streak is split, duplicated or reordered, once fires once and per-unit fires min(count, cap) times', () => {
  fc.assert(
    fc.property(streakDelivery(true), ({ final, frames, gaps, maxUnits }) => {
      const { actions } = deliver(frames, gaps, [once, perUnit(maxUnits)]);
      assert.equal(count(actions, 1), 1);
      assert.equal(count(actions, 2), Math.min(final, maxUnits));
    }),
    RUNS,
  );
});

test('property: a streak whose end never comes is closed by the timeout exactly once', () => {
  fc.assert(
    fc.property(streakDelivery(false), ({ final, frames, gaps, maxUnits }) => {
      const { actions } = deliver(frames, gaps, [once, perUnit(maxUnits)]);
      assert.equal(count(actions, 1), 1);
      assert.equal(count(actions, 2), Math.min(final, maxUnits));
    }),
    RUNS,
  );
});

test('property: gift stats count each streak unit exactly once', () => {
  fc.assert(
    fc.property(streakDelivery(true), ({ final, frames }) => {
      const state = newEngineState();
      const gifts = frames.reduce((sum, f, i) => sum + (handleEvent(state, f, [], T0 + i).stats?.gifts ?? 0), 0);
      assert.equal(gifts, final);
    }),
    RUNS,
  );
});

const anyEvent = fc.oneof(
  fc.record({ c: fc.integer({ min: 1, max: 5 }), end: fc.boolean(), g: fc.constantFrom('a', 'b', 'c') }).map(({ c, end, g }) => rose(c, end, { group_id: g })),
  fc.constantFrom('follow', 'share', 'join', 'subscribe').map((t) => event({ event_type: t })),
  fc.constantFrom('!hello', 'hi', '!hello you').map((comment) => event({ event_type: 'chat', comment })),
  fc.integer({ min: 1, max: 30 }).map((like_count) => event({ event_type: 'like', like_count })),
);
const mixedTriggers = [
  once,
  perUnit(10),
  trigger(3, { event_type: 'follow', action: 'tts', action_params: { text: 'thanks {nickname}' } }),
  trigger(4, { event_type: 'chat', condition_key: 'command', condition_value: '!hello', action: 'play_sound', action_params: { sound: 'hi.mp3' } }),
  trigger(5, { event_type: 'like', condition_key: 'threshold', condition_value: 7, action: 'play_sound', action_params: { sound: 'like.mp3' } }),
];

test('property: replaying any prefix of already-seen events (a reconnect) yields no actions', () => {
  fc.assert(
    fc.property(fc.array(anyEvent, { minLength: 1, maxLength: 40 }), fc.nat(), (events, cut) => {
      const state = newEngineState();
      let now = T0;
      for (const e of events) handleEvent(state, e, mixedTriggers, (now += 500));
      for (const e of events.slice(0, cut % (events.length + 1))) {
        const r = handleEvent(state, e, mixedTriggers, (now += 500));
        assert.deepEqual(r, { actions: [], stats: null, duplicate: true });
      }
    }),
    RUNS,
  );
});

test('property: a cooldown never lets a trigger fire twice within its window', () => {
  const cooled = mixedTriggers.map((t, i) => ({ ...t, cooldown_seconds: [1, 2, 5, 3, 4][i] }));
  fc.assert(
    fc.property(fc.array(fc.tuple(anyEvent, fc.integer({ min: 0, max: 3000 })), { maxLength: 60 }), (steps) => {
      const state = newEngineState();
      const firings = new Map<Trigger['id'], number[]>();
      let now = T0;
      const record = (actions: LiveAction[]) => {
        for (const id of new Set(actions.map((a) => a.trigger_id))) firings.set(id, [...(firings.get(id) ?? []), now]);
      };
      for (const [e, gap] of steps) {
        now += gap;
        record(expireStreaks(state, cooled, now));
        record(handleEvent(state, e, cooled, now).actions);
      }
      for (const t of cooled) {
        const times = firings.get(t.id) ?? [];
        for (let i = 1; i < times.length; i++) assert.ok(times[i] - times[i - 1] >= t.cooldown_seconds * 1000, `trigger ${t.id} fired at ${times[i - 1]} and ${times[i]}`);
      }
    }),
    RUNS,
  );
});

test('property: like thresholds fire floor(total / N) times however likes are batched', () => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 50 }), fc.array(fc.integer({ min: 0, max: 200 }), { maxLength: 50 }), (every, batches) => {
      const t = trigger(9, { event_type: 'like', condition_key: 'threshold', condition_value: every, action: 'play_sound', action_params: { sound: 'l.mp3' } });
      const state = newEngineState();
      const limits = { ...ENGINE_DEFAULTS, likeFiresPerEvent: Infinity };
      const fired = batches.reduce((n, like_count, i) => n + count(handleEvent(state, event({ event_type: 'like', like_count }), [t], T0 + i, limits).actions, 9), 0);
      const total = batches.reduce((a, b) => a + b, 0);
      assert.equal(fired, Math.floor(total / every));
    }),
    RUNS,
  );
});
