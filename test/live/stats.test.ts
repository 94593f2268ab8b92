/** Session stats from the engine's deltas: counters, peak viewers, top gifters. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { handleEvent, newEngineState, type StatsDelta } from '../../src/live/engine.js';
import { addStats, newSessionStats, toTotals, TOP_GIFTERS } from '../../src/live/stats.js';
import { event, rose } from './helpers.js';

const zero: StatsDelta = { gifts: 0, diamonds: 0, likes: 0, follows: 0, shares: 0, joins: 0, subscribes: 0, chats: 0 };

test('a streak counts each unit once; likes, follows, shares and joins add up; viewers keep the peak', () => {
  const state = newEngineState();
  const stats = newSessionStats();
  const feed = (e: ReturnType<typeof event>) => {
    const r = handleEvent(state, e, [], 0);
    if (r.stats) addStats(stats, r.stats);
  };
  // A streak of 5 Roses arriving as 1, 3, 3 (repeated frame), 5 (end).
  for (const frame of [rose(1, false), rose(3, false), rose(3, false), rose(5, true)]) feed(frame);
  feed(event({ event_type: 'gift', gift_id: '1', gift_name: 'Lion', diamond_count: 500, user_id: '2', unique_id: 'bob', nickname: 'Bob' }));
  feed(event({ event_type: 'like', like_count: 15 }));
  feed(event({ event_type: 'like', like_count: 5 }));
  feed(event({ event_type: 'follow' }));
  feed(event({ event_type: 'share' }));
  feed(event({ event_type: 'join' }));
  feed(event({ event_type: 'join' }));
  feed(event({ event_type: 'viewers', viewer_count: 40 }));
  feed(event({ event_type: 'viewers', viewer_count: 25 }));
  const totals = toTotals(stats);
  assert.deepEqual(
    { ...totals, topGifters: undefined },
    { peakViewers: 40, gifts: 6, diamonds: 505, likes: 20, follows: 1, shares: 1, joins: 2, topGifters: undefined },
  );
  assert.deepEqual(totals.topGifters, [
    { unique_id: 'bob', nickname: 'Bob', diamonds: 500 },
    { unique_id: '', nickname: 'Ann', diamonds: 5 },
  ]);
});

test('only the top 10 gifters are kept, best first, each with their running total', () => {
  const stats = newSessionStats();
  for (let i = 0; i < 15; i++) addStats(stats, { ...zero, gifts: 1, diamonds: i + 1, gifter: { user_id: String(i), unique_id: `u${i}`, nickname: `N${i}`, diamonds: i + 1 } });
  addStats(stats, { ...zero, gifts: 1, diamonds: 100, gifter: { user_id: '0', unique_id: 'u0', nickname: 'N0', diamonds: 100 } });
  const top = toTotals(stats).topGifters;
  assert.equal(top.length, TOP_GIFTERS);
  assert.deepEqual(top[0], { unique_id: 'u0', nickname: 'N0', diamonds: 101 });
  assert.deepEqual(top.slice(1).map((g) => g.diamonds), [15, 14, 13, 12, 11, 10, 9, 8, 7]);
});
