/** Builders for live tests: triggers through the real validator, events through the real parser. */
import { parseLiveEvent, type GiftEvent, type LiveEvent } from '../../src/live/event.js';
import { parseTriggerInput, type Trigger } from '../../src/live/trigger.js';
import type { LiveAction } from '../../src/live/engine.js';

let nextId = 0;

/** A stored-looking trigger from a `POST /v2/triggers/set` body. */
export function trigger(id: number, body: Record<string, unknown>): Trigger {
  return { id, ...parseTriggerInput(body) };
}

/** An event from a simulate-style body (msg_id generated deterministically when absent). */
export function event(body: Record<string, unknown>): LiveEvent {
  return parseLiveEvent(body, { strict: true, now: 1_767_225_600_000, makeId: () => `m${++nextId}` });
}

/** A streakable Rose frame from Ann. */
export function rose(repeat_count: number, repeat_end: boolean, extra: Record<string, unknown> = {}): GiftEvent {
  return event({ event_type: 'gift', gift_id: '5655', gift_name: 'Rose', diamond_count: 1, streakable: true, user_id: '1', nickname: 'Ann', repeat_count, repeat_end, group_id: 'g1', ...extra }) as GiftEvent;
}

/** How many actions of a type a trigger produced. */
export function count(actions: readonly LiveAction[], triggerId: number, type: LiveAction['type'] = 'play_sound'): number {
  return actions.filter((a) => a.trigger_id === triggerId && a.type === type).length;
}
