import assert from 'node:assert/strict';
import { test } from 'node:test';
import { InvalidInputError } from '../../src/errors.js';
import fc from 'fast-check';
import { EVENT_LIMITS, LIVE_EVENT_TYPES, parseCanonicalEvent, parseLiveEvent, parseWithZod } from '../../src/live/event.js';
import { fillTemplate, parseTriggerInput } from '../../src/live/trigger.js';

const NOW = 1_767_225_600_000;
const parse = (input: unknown, strict = true) => parseLiveEvent(input, { strict, now: NOW, makeId: () => 'generated' });

/** Asserts the input is refused with `invalid_event` and a message matching `pattern`. */
function refused(input: unknown, pattern: RegExp, strict = true) {
  assert.throws(
    () => parse(input, strict),
    (e: unknown) => e instanceof InvalidInputError && e.code === 'invalid_event' && e.status === 400 && pattern.test(e.message),
  );
}

test('event: a minimal simulate body gets defaults, a generated msg_id and now as at', () => {
  assert.deepEqual(parse({ event_type: 'gift', gift_name: 'Rose' }), {
    event_type: 'gift', msg_id: 'generated', at: NOW, user_id: '', unique_id: '', nickname: '',
    gift_id: '', gift_name: 'Rose', diamond_count: 0, repeat_count: 1, repeat_end: false, streakable: false, group_id: '',
  });
  assert.deepEqual(parse({ event_type: 'stream_end' }), { event_type: 'stream_end', msg_id: 'generated', at: NOW, user_id: '', unique_id: '', nickname: '' });
});

test('event: ids become strings, 0/1 become booleans, ISO times become epoch ms, @ is dropped from handles', () => {
  const e = parse({ event_type: 'gift', gift_id: 5655, user_id: 42, repeat_end: 1, streakable: 1, at: '2026-01-01T00:00:00.000Z', unique_id: '@ann' });
  assert.equal(e.event_type, 'gift');
  if (e.event_type !== 'gift') return;
  assert.deepEqual([e.gift_id, e.user_id, e.repeat_end, e.streakable, e.at, e.unique_id], ['5655', '42', true, true, NOW, 'ann']);
  assert.equal(parse({ event_type: 'like', at: NOW - 5 }).at, NOW - 5);
});

const hostile: Array<[string, unknown, RegExp]> = [
  ['Infinity', { event_type: 'viewers', viewer_count: Infinity }, /viewer_count/],
  ['1e309 (JSON overflow)', JSON.parse('{"event_type":"like","like_count":1e309}'), /like_count/],
  ['NaN', { event_type: 'like', like_count: NaN }, /like_count/],
  ['negative', { event_type: 'like', like_count: -1 }, /like_count/],
  ['fractions', { event_type: 'gift', gift_id: '1', repeat_count: 1.5 }, /repeat_count.*whole/],
  ['too large', { event_type: 'gift', gift_id: '1', diamond_count: 1e7 }, /diamond_count/],
  ['a 20-digit number id', JSON.parse('{"event_type":"gift","gift_id":12345678901234567890}'), /gift_id.*string/],
  ['a 20-digit number user_id', JSON.parse('{"event_type":"follow","user_id":98765432109876543210}'), /user_id.*string/],
  ['NUL in a comment', { event_type: 'chat', comment: 'hi\u0000there' }, /comment.*NUL/],
  ['NUL in a nickname', { event_type: 'follow', nickname: '\u0000' }, /nickname.*NUL/],
  ['an over-long comment', { event_type: 'chat', comment: 'x'.repeat(501) }, /comment.*500/],
  ['an empty comment', { event_type: 'chat', comment: '' }, /comment/],
  ['non-digit gift ids', { event_type: 'gift', gift_id: '12a' }, /gift_id.*digits/],
  ['a gift with neither id nor name', { event_type: 'gift' }, /gift_id.*gift_name/],
  ['an unknown field', { event_type: 'follow', colour: 'red' }, /unknown field `colour` for a follow event/],
  ['a field of another type', { event_type: 'chat', comment: 'hi', gift_id: '1' }, /unknown field `gift_id`/],
  ['an unknown event type', { event_type: 'raid' }, /event_type must be one of gift, chat/],
  ['no event type', { comment: 'hi' }, /event_type/],
  ['an array', [], /JSON object/],
  ['null', null, /JSON object/],
  ['a bad time', { event_type: 'join', at: 'yesterday' }, /at/],
  ['a negative time', { event_type: 'join', at: -1 }, /at/],
  ['a missing viewer count', { event_type: 'viewers' }, /viewer_count.*required/],
  ['a number as a string field', { event_type: 'chat', comment: 5 }, /comment.*string/],
  ['an empty msg_id', { event_type: 'join', msg_id: '' }, /msg_id/],
];

for (const [name, input, pattern] of hostile) {
  test(`event: refuses ${name}`, () => refused(input, pattern));
}

test('event: lenient parsing (non-simulate input) drops unknown fields but keeps every other rule', () => {
  assert.deepEqual(parse({ event_type: 'follow', colour: 'red', msg_id: 'a' }, false), { event_type: 'follow', msg_id: 'a', at: NOW, user_id: '', unique_id: '', nickname: '' });
  refused({ event_type: 'viewers', viewer_count: Infinity, extra: 1 }, /viewer_count/, false);
  refused({ event_type: 'chat', comment: '\u0000' }, /NUL/, false);
});

/** Asserts a trigger body is refused with `invalid_trigger` and a message matching `pattern`. */
function triggerRefused(body: unknown, pattern: RegExp) {
  assert.throws(() => parseTriggerInput(body), (e: unknown) => e instanceof InvalidInputError && e.code === 'invalid_trigger' && pattern.test(e.message));
}

test('trigger: a seed-style body normalises with defaults', () => {
  assert.deepEqual(parseTriggerInput({ event_type: 'gift', condition_key: 'gift_id', condition_value: 5655, action: 'play_sound', action_params: { sound: 'rose.mp3' } }), {
    event_type: 'gift', condition_key: 'gift_id', condition_value: '5655', action: 'play_sound',
    action_params: { sound: 'rose.mp3', volume: 100, per_unit: false, max_units: 20 }, enabled: true, cooldown_seconds: 0,
  });
  assert.deepEqual(parseTriggerInput({ event_type: 'follow', action: 'tts', action_params: { text: 'thanks {nickname}', volume: 0 } }).condition_key, 'any');
  assert.equal(parseTriggerInput({ event_type: 'chat', condition_value: ' !hi ', action: 'tts', action_params: { text: '{args}' } }).condition_value, '!hi');
});

const badTriggers: Array<[string, unknown, RegExp]> = [
  ['unknown top-level keys', { event_type: 'follow', action: 'tts', action_params: { text: 'x' }, colour: 1 }, /unknown field.*colour/],
  ['unknown action params', { event_type: 'follow', action: 'tts', action_params: { text: 'x', pitch: 2 } }, /unknown field.*pitch/],
  ['a sound action without a sound', { event_type: 'follow', action: 'both', action_params: { text: 'x' } }, /needs action_params.sound/],
  ['a path as a sound', { event_type: 'follow', action: 'play_sound', action_params: { sound: '../etc/passwd' } }, /sound filename/],
  ['NUL in a template', { event_type: 'follow', action: 'tts', action_params: { text: 'a\u0000b' } }, /NUL/],
  ['a placeholder the event lacks', { event_type: 'follow', action: 'tts', action_params: { text: '{gift_name}' } }, /\{gift_name\} is not available for follow/],
  ['per_unit off gifts', { event_type: 'chat', condition_key: 'equals', condition_value: 'x', action: 'tts', action_params: { text: 'x', per_unit: true } }, /gift triggers only/],
  ['a wrong condition key', { event_type: 'like', condition_key: 'contains', action: 'tts', action_params: { text: 'x' } }, /must be one of threshold/],
  ['a zero threshold', { event_type: 'like', condition_key: 'threshold', condition_value: 0, action: 'tts', action_params: { text: 'x' } }, /number of likes/],
  ['an inexact gift id', JSON.parse('{"event_type":"gift","condition_value":12345678901234567890,"action":"tts","action_params":{"text":"x"}}'), /exact/],
  ['volume above 100', { event_type: 'follow', action: 'tts', action_params: { text: 'x', volume: 101 } }, /volume/],
  ['an infinite cooldown', { event_type: 'follow', action: 'tts', action_params: { text: 'x' }, cooldown_seconds: Infinity }, /cooldown_seconds/],
  ['a two-word command', { event_type: 'chat', condition_key: 'command', condition_value: '!a b', action: 'tts', action_params: { text: 'x' } }, /one word/],
];

for (const [name, body, pattern] of badTriggers) {
  test(`trigger: refuses ${name}`, () => triggerRefused(body, pattern));
}

test('trigger: templates fill known fields, blank the rest, strip control characters and cap length', () => {
  assert.equal(fillTemplate('{nickname} sent {gift_name}{missing}', { nickname: 'Ann\n\u0007', gift_name: 'Rose' }, 100), 'Ann sent Rose');
  assert.equal(fillTemplate('{x}', { x: 'a'.repeat(50) }, 10), `${'a'.repeat(9)}…`);
});

test('event: the canonical fast path agrees with zod on generated input, and takes the common shapes', () => {
  const int = (min: number, max: number) => fc.integer({ min, max });
  const text = (max: number, min = 0) => fc.string({ minLength: min, maxLength: Math.min(max, 12) });
  /** Each field: well-formed values, and values at and past the edges of what it accepts. */
  const numeric = (min: number, max: number) => ({ ok: int(min, Math.min(max, 2 ** 40)), edge: fc.constantFrom(min - 1, min, max, max + 1, min + 0.5, -0, NaN, Infinity, String(min), null, true) });
  const textual = (ok: fc.Arbitrary<string>, max: number, min = 0) => ({
    ok,
    edge: fc.constantFrom('7'.repeat(max), '7'.repeat(max + 1), '7'.repeat(Math.max(0, min - 1)), 'a b', '@a', 'a\u0000', '12a', 'g-1_x', '2026-01-01T00:00:00Z', 5, 0, 1, true, null),
  });
  const FIELDS: Record<string, { ok: fc.Arbitrary<unknown>; edge: fc.Arbitrary<unknown> }> = {
    msg_id: textual(text(10, 1), EVENT_LIMITS.msgId, 1),
    at: numeric(0, EVENT_LIMITS.maxAt),
    user_id: textual(fc.stringMatching(/^[a-z0-9]{0,10}$/), EVENT_LIMITS.id),
    unique_id: textual(fc.constantFrom('ann', '@ann', ''), EVENT_LIMITS.name),
    nickname: textual(text(10), EVENT_LIMITS.name),
    gift_id: textual(fc.stringMatching(/^\d{0,6}$/), EVENT_LIMITS.id),
    gift_name: textual(text(10), EVENT_LIMITS.name),
    diamond_count: numeric(0, EVENT_LIMITS.count),
    repeat_count: numeric(1, EVENT_LIMITS.count),
    repeat_end: { ok: fc.boolean(), edge: fc.constantFrom(0, 1, 2, 'true', null) },
    streakable: { ok: fc.boolean(), edge: fc.constantFrom(0, 1, 2, 'true', null) },
    group_id: textual(fc.stringMatching(/^[\w-]{0,8}$/), EVENT_LIMITS.id),
    comment: textual(text(10, 1), EVENT_LIMITS.comment, 1),
    like_count: numeric(0, EVENT_LIMITS.count),
    total_like_count: numeric(0, EVENT_LIMITS.totalLikes),
    viewer_count: numeric(0, EVENT_LIMITS.viewers),
    colour: { ok: fc.constant('red'), edge: fc.constant('red') },
  };
  const names = Object.keys(FIELDS);
  // A body of well-formed fields (of any event type) with at most one field pushed to an edge.
  const body = fc.record(Object.fromEntries(names.filter((k) => k !== 'colour').map((k) => [k, FIELDS[k].ok])), { requiredKeys: [] });
  const edge = fc.option(fc.constantFrom(...names).chain((k) => FIELDS[k].edge.map((v) => [k, v] as const)), { freq: 3 });
  const typeFields = fc.constantFrom(...LIVE_EVENT_TYPES).chain((type) => fc.subarray(names).map((keep) => [type, new Set(keep)] as const));
  let fast = 0;
  fc.assert(
    fc.property(typeFields, body, edge, fc.boolean(), ([type, keep], fields, pushed, strict) => {
      const input: Record<string, unknown> = { event_type: type, ...Object.fromEntries(Object.entries(fields).filter(([k]) => keep.has(k))) };
      if (pushed) input[pushed[0]] = pushed[1];
      const canonical = parseCanonicalEvent(input, type, strict);
      if (canonical === undefined) return;
      fast++;
      assert.deepStrictEqual(canonical, parseWithZod(input, type, strict));
    }),
    { numRuns: 20_000 },
  );
  assert.ok(fast > 2000, `only ${fast} of 20,000 generated inputs took the fast path`);
  const simulated = { event_type: 'gift', msg_id: 'm-1', user_id: '7', unique_id: '@ann', nickname: 'Ann', gift_id: '5655', gift_name: 'Rose', diamond_count: 1, repeat_count: 3, repeat_end: false, streakable: true, group_id: 'g-1' };
  assert.deepStrictEqual(parseCanonicalEvent(simulated, 'gift', true), { ...simulated, unique_id: 'ann' });
  assert.equal(parseCanonicalEvent({ ...simulated, gift_id: 5655 }, 'gift', true), undefined, 'a number id is converted by zod');
});
