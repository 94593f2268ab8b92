/**
 * The trigger engine: event + triggers + state + now → actions. Deterministic given `now`
 * (no clock, no I/O); the caller owns the state object and this module updates it in place
 * (it is plain Maps of plain values, so `structuredClone` snapshots it).
 *
 * Rules: events are deduplicated by `msg_id` (the last `seenIds` ids) so a reconnect never
 * replays old gifts; a streakable gift acts once when its streak ends, with the streak's
 * highest `repeat_count` (end frame, `stream_end`, or `expireStreaks` after `streakTimeoutMs`
 * of silence), or per unit on the increments of that highest count, so split, duplicated or
 * reordered frames never double-count; non-streakable gifts act at once; cooldowns are per
 * trigger (a firing is one event's burst of actions); like thresholds accumulate per stream
 * (reset by `stream_end`).
 */
import type { GiftEvent, LiveEvent } from './event.js';
import { buildActions, matchAny, matchChat, matchGift, type LiveAction } from './match.js';
import type { Trigger } from './trigger.js';

export type { LiveAction, PlaySoundAction, TtsAction } from './match.js';

/** Tunables of the engine; defaults in `ENGINE_DEFAULTS`. */
export interface EngineLimits {
  /** How many recent msg_ids are remembered for dedupe, at most. */
  seenIds: number;
  /** How long a msg_id is remembered: a reconnect replays minutes, not hours (and memory stays small). */
  seenMs: number;
  /** Silence after which an unfinished streak counts as ended. */
  streakTimeoutMs: number;
  /** How long an ended streak is remembered so late frames of it are ignored. */
  closedStreakMs: number;
  /** Most streaks remembered at once (oldest dropped first). */
  maxStreaks: number;
  /** Longest TTS text after filling the template. */
  ttsMaxChars: number;
  /** Most firings one like batch may cause (the threshold is consumed either way). */
  likeFiresPerEvent: number;
}

/** Defaults: 5,000 ids for at most 10 min, 8 s streak timeout, 2 min memory of ended streaks. */
export const ENGINE_DEFAULTS: EngineLimits = {
  seenIds: 5000,
  seenMs: 10 * 60_000,
  streakTimeoutMs: 8000,
  closedStreakMs: 120_000,
  maxStreaks: 2000,
  ttsMaxChars: 200,
  likeFiresPerEvent: 20,
};

/** One gift streak: its highest count so far and whether it ended. */
export interface StreakState {
  /** The latest frame, with `repeat_count` raised to the highest seen. */
  event: GiftEvent;
  last_seen: number;
  closed: boolean;
  closed_at: number;
}

/** Everything the engine remembers between events for one streamer. */
export interface EngineState {
  /** msg_id → when it was seen (insertion order = age). */
  seen: Map<string, number>;
  /** streak key → streak. */
  streaks: Map<string, StreakState>;
  /** trigger id → likes accumulated towards its threshold this stream. */
  likes: Map<string, number>;
  /** trigger id → when it last fired. */
  fired: Map<string, number>;
}

/** Counters an event adds to the live session's stats (gifts counted in units, once). */
export interface StatsDelta {
  gifts: number;
  diamonds: number;
  likes: number;
  follows: number;
  shares: number;
  joins: number;
  subscribes: number;
  chats: number;
  viewer_count?: number;
  gifter?: { user_id: string; unique_id: string; nickname: string; diamonds: number };
  stream_end?: boolean;
}

/** What one event produced. */
export interface EngineResult {
  actions: LiveAction[];
  /** null for a duplicate. */
  stats: StatsDelta | null;
  duplicate: boolean;
}

/** A fresh state for a new listener. */
export function newEngineState(): EngineState {
  return { seen: new Map(), streaks: new Map(), likes: new Map(), fired: new Map() };
}

const emptyStats = (): StatsDelta => ({ gifts: 0, diamonds: 0, likes: 0, follows: 0, shares: 0, joins: 0, subscribes: 0, chats: 0 });
const COUNTERS = { follow: 'follows', share: 'shares', join: 'joins', subscribe: 'subscribes' } as const;

/** Runs one event through the triggers, updating `state`; the one entry point for live and simulated events. */
export function handleEvent(state: EngineState, event: LiveEvent, triggers: readonly Trigger[], now: number, limits: EngineLimits = ENGINE_DEFAULTS): EngineResult {
  if (state.seen.has(event.msg_id)) return { actions: [], stats: null, duplicate: true };
  state.seen.set(event.msg_id, now);
  // Insertion order is age: drop from the front while over the count or older than the window.
  for (const [id, at] of state.seen) {
    if (state.seen.size <= limits.seenIds && now - at <= limits.seenMs) break;
    state.seen.delete(id);
  }
  pruneStreaks(state, now, limits);

  const stats = emptyStats();
  const actions: LiveAction[] = [];
  const fire = (trigger: Trigger, times: number, source: LiveEvent, args = '') => {
    actions.push(...fireTrigger(state, trigger, times, source, now, limits, args));
  };
  switch (event.event_type) {
    case 'gift':
      handleGift(state, event, triggers, now, limits, stats, fire);
      break;
    case 'chat':
      stats.chats = 1;
      for (const { trigger, args } of matchChat(event, triggers)) fire(trigger, 1, event, args);
      break;
    case 'like':
      stats.likes = event.like_count;
      for (const t of triggers) {
        if (!t.enabled || t.event_type !== 'like' || t.condition_key !== 'threshold') continue;
        const every = Number(t.condition_value);
        const total = (state.likes.get(String(t.id)) ?? 0) + event.like_count;
        const fires = Math.floor(total / every);
        state.likes.set(String(t.id), total - fires * every);
        if (fires > 0) fire(t, Math.min(fires, limits.likeFiresPerEvent), event);
      }
      break;
    case 'viewers':
      stats.viewer_count = event.viewer_count;
      break;
    case 'stream_end':
      stats.stream_end = true;
      for (const streak of state.streaks.values()) if (!streak.closed) actions.push(...closeStreak(state, streak, triggers, now, limits));
      state.likes.clear();
      break;
    default:
      stats[COUNTERS[event.event_type]] = 1;
      for (const t of matchAny(event, triggers)) fire(t, 1, event);
  }
  return { actions, stats, duplicate: false };
}

/** Closes streaks silent for `streakTimeoutMs` (their end frame never came) and returns their once-per-streak actions. */
export function expireStreaks(state: EngineState, triggers: readonly Trigger[], now: number, limits: EngineLimits = ENGINE_DEFAULTS): LiveAction[] {
  const actions: LiveAction[] = [];
  for (const streak of state.streaks.values()) {
    if (!streak.closed && now - streak.last_seen >= limits.streakTimeoutMs) actions.push(...closeStreak(state, streak, triggers, now, limits));
  }
  pruneStreaks(state, now, limits);
  return actions;
}

/** When `expireStreaks` next has work (epoch ms), or null: lets the hub arm one timer. */
export function nextStreakExpiry(state: EngineState, limits: EngineLimits = ENGINE_DEFAULTS): number | null {
  let next: number | null = null;
  for (const s of state.streaks.values()) {
    if (!s.closed && (next === null || s.last_seen + limits.streakTimeoutMs < next)) next = s.last_seen + limits.streakTimeoutMs;
  }
  return next;
}

/** The key that ties a streak's frames together. */
export function streakKey(event: GiftEvent): string {
  return JSON.stringify([event.user_id || event.unique_id, event.gift_id || event.gift_name.toLowerCase(), event.group_id]);
}

type Fire = (trigger: Trigger, times: number, source: LiveEvent) => void;

function handleGift(state: EngineState, event: GiftEvent, triggers: readonly Trigger[], now: number, limits: EngineLimits, stats: StatsDelta, fire: Fire): void {
  const matched = matchGift(event, triggers);
  if (!event.streakable) {
    countGift(stats, event, event.repeat_count);
    for (const t of matched) fire(t, t.action_params.per_unit ? Math.min(event.repeat_count, t.action_params.max_units) : 1, event);
    return;
  }
  const key = streakKey(event);
  let streak = state.streaks.get(key);
  if (!streak) {
    streak = { event: { ...event, repeat_count: 0 }, last_seen: now, closed: false, closed_at: 0 };
    state.streaks.set(key, streak);
  }
  const before = streak.event.repeat_count;
  const after = Math.max(before, event.repeat_count);
  streak.event = { ...event, repeat_count: after, repeat_end: event.repeat_end || streak.event.repeat_end };
  if (!streak.closed) streak.last_seen = now;
  if (after > before) {
    countGift(stats, event, after - before);
    for (const t of matched) {
      if (!t.action_params.per_unit) continue;
      const units = Math.min(after, t.action_params.max_units) - Math.min(before, t.action_params.max_units);
      if (units > 0) fire(t, units, streak.event);
    }
  }
  if (event.repeat_end && !streak.closed) {
    for (const t of matched) if (!t.action_params.per_unit) fire(t, 1, streak.event);
    streak.closed = true;
    streak.closed_at = now;
  }
}

function closeStreak(state: EngineState, streak: StreakState, triggers: readonly Trigger[], now: number, limits: EngineLimits): LiveAction[] {
  streak.closed = true;
  streak.closed_at = now;
  return matchGift(streak.event, triggers)
    .filter((t) => !t.action_params.per_unit)
    .flatMap((t) => fireTrigger(state, t, 1, streak.event, now, limits));
}

function countGift(stats: StatsDelta, event: GiftEvent, units: number): void {
  stats.gifts += units;
  stats.diamonds += units * event.diamond_count;
  if (stats.diamonds > 0) stats.gifter = { user_id: event.user_id, unique_id: event.unique_id, nickname: event.nickname, diamonds: stats.diamonds };
}

/** Fires a trigger unless it is cooling down; records the firing. */
function fireTrigger(state: EngineState, trigger: Trigger, times: number, event: LiveEvent, now: number, limits: EngineLimits, args = ''): LiveAction[] {
  const id = String(trigger.id);
  const last = state.fired.get(id);
  if (trigger.cooldown_seconds > 0 && last !== undefined && now - last < trigger.cooldown_seconds * 1000) return [];
  const actions = buildActions(trigger, event, times, limits.ttsMaxChars, args);
  if (actions.length > 0) state.fired.set(id, now);
  return actions;
}

function pruneStreaks(state: EngineState, now: number, limits: EngineLimits): void {
  for (const [key, s] of state.streaks) if (s.closed && now - s.closed_at >= limits.closedStreakMs) state.streaks.delete(key);
  if (state.streaks.size <= limits.maxStreaks) return;
  const victims = [...state.streaks].sort(([, a], [, b]) => Number(b.closed) - Number(a.closed) || a.last_seen - b.last_seen);
  for (const [key] of victims.slice(0, state.streaks.size - limits.maxStreaks)) state.streaks.delete(key);
}
