/**
 * Which triggers an event matches, and the action objects a firing produces. Pure helpers
 * of the trigger engine (`engine.ts` owns state: dedupe, streaks, cooldowns, like counts).
 */
import type { ChatEvent, GiftEvent, LiveEvent } from './event.js';
import { fillTemplate, type Trigger } from './trigger.js';

/** A sound the overlay plays; the hub turns `sound` into an absolute URL. */
export interface PlaySoundAction {
  type: 'play_sound';
  trigger_id: Trigger['id'];
  sound: string;
  volume: number;
}

/** Text the hub synthesises and the overlay plays. */
export interface TtsAction {
  type: 'tts';
  trigger_id: Trigger['id'];
  text: string;
  volume: number;
}

/** What a trigger firing asks the overlay to do. */
export type LiveAction = PlaySoundAction | TtsAction;

/** Gift triggers for this gift: id matches win over name matches (names are localised or empty); min_diamonds ones always apply. */
export function matchGift(event: GiftEvent, triggers: readonly Trigger[]): Trigger[] {
  const gift = triggers.filter((t) => t.enabled && t.event_type === 'gift');
  const byId = gift.filter((t) => t.condition_key === 'gift_id' && event.gift_id !== '' && t.condition_value === event.gift_id);
  const name = event.gift_name.trim().toLowerCase();
  const byName = byId.length > 0 ? [] : gift.filter((t) => t.condition_key === 'gift_name' && name !== '' && t.condition_value.trim().toLowerCase() === name);
  const byValue = gift.filter((t) => t.condition_key === 'min_diamonds' && event.diamond_count >= Number(t.condition_value));
  return [...byId, ...byName, ...byValue];
}

/** Chat triggers for this message, with the command's arguments for `{args}`. */
export function matchChat(event: ChatEvent, triggers: readonly Trigger[]): Array<{ trigger: Trigger; args: string }> {
  const comment = event.comment.trim();
  const lower = comment.toLowerCase();
  const out: Array<{ trigger: Trigger; args: string }> = [];
  for (const t of triggers) {
    if (!t.enabled || t.event_type !== 'chat') continue;
    const value = t.condition_value.trim().toLowerCase();
    if (value === '') continue;
    if (t.condition_key === 'equals' && lower === value) out.push({ trigger: t, args: '' });
    else if (t.condition_key === 'contains' && lower.includes(value)) out.push({ trigger: t, args: '' });
    else if (t.condition_key === 'command') {
      const [first = '', ...rest] = comment.split(/\s+/);
      if (first.toLowerCase() === value) out.push({ trigger: t, args: rest.join(' ') });
    }
  }
  return out;
}

/** Triggers that fire on any follow / share / join / subscribe. */
export function matchAny(event: LiveEvent, triggers: readonly Trigger[]): Trigger[] {
  return triggers.filter((t) => t.enabled && t.event_type === event.event_type && t.condition_key === 'any');
}

/** Template values an event offers (`{nickname}` falls back to the handle). */
export function templateValues(event: LiveEvent, args = ''): Record<string, string | number> {
  const values: Record<string, string | number> = { nickname: event.nickname || event.unique_id, unique_id: event.unique_id };
  switch (event.event_type) {
    case 'gift':
      return { ...values, gift_name: event.gift_name || `gift ${event.gift_id}`, gift_id: event.gift_id, repeat_count: event.repeat_count, diamond_count: event.diamond_count };
    case 'chat':
      return { ...values, comment: event.comment, args };
    case 'like':
      return { ...values, like_count: event.like_count, total_like_count: event.total_like_count };
    default:
      return values;
  }
}

/** The actions of one trigger firing `times` times (play_sound, tts, or both per firing). */
export function buildActions(trigger: Trigger, event: LiveEvent, times: number, ttsMaxChars: number, args = ''): LiveAction[] {
  const out: LiveAction[] = [];
  const { sound, text, volume } = trigger.action_params;
  const spoken = text === undefined ? '' : fillTemplate(text, templateValues(event, args), ttsMaxChars);
  for (let i = 0; i < times; i++) {
    if (trigger.action !== 'tts' && sound) out.push({ type: 'play_sound', trigger_id: trigger.id, sound, volume });
    if (trigger.action !== 'play_sound' && spoken !== '') out.push({ type: 'tts', trigger_id: trigger.id, text: spoken, volume });
  }
  return out;
}
