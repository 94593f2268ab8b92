/**
 * The trigger model with the seed API's field names, and the validator for
 * `POST /v2/triggers/set`. A trigger says: on this event (and condition), do this action.
 *
 * Conditions per event_type (condition_value is always stored as a string):
 * - gift: `gift_id` (digits; matched before names), `gift_name` (case-insensitive),
 *   `min_diamonds` (the gift's per-unit value is at least N diamonds);
 * - chat: `equals` / `contains` (case-insensitive), `command` (`!hello` matches "!hello" and
 *   "!hello world", not "!helloworld"; the rest of the message is `{args}`);
 * - like: `threshold` (fire each N likes accumulated per stream, the remainder carries over);
 * - follow, share, join, subscribe: `any`.
 * Actions: `play_sound` (action_params.sound, a stored sound filename), `tts`
 * (action_params.text, a template such as `{nickname} sent {gift_name}`), `both`.
 * Options: action_params.volume 0–100 (100), action_params.per_unit (gift only: one action
 * per gift unit instead of once per streak, at most action_params.max_units per streak,
 * default 20), cooldown_seconds (0), enabled (true).
 */
import { z } from 'zod';
import { InvalidInputError } from '../errors.js';
import { unwrapUnion } from './event.js';

/** Event types a trigger can listen to (viewers and stream_end drive stats, not actions). */
export const TRIGGER_EVENT_TYPES = ['gift', 'chat', 'like', 'follow', 'share', 'join', 'subscribe'] as const;
/** An event type a trigger can listen to. */
export type TriggerEventType = (typeof TRIGGER_EVENT_TYPES)[number];

/** Which condition keys each event type accepts; the first is the default. */
export const CONDITION_KEYS: Record<TriggerEventType, readonly string[]> = {
  gift: ['gift_id', 'gift_name', 'min_diamonds'],
  chat: ['command', 'equals', 'contains'],
  like: ['threshold'],
  follow: ['any'],
  share: ['any'],
  join: ['any'],
  subscribe: ['any'],
};

/** What a trigger can do. */
export const TRIGGER_ACTIONS = ['play_sound', 'tts', 'both'] as const;
/** One of the trigger actions. */
export type TriggerAction = (typeof TRIGGER_ACTIONS)[number];

/** Placeholders a TTS template may use, per event type. */
export const TEMPLATE_FIELDS: Record<TriggerEventType, readonly string[]> = {
  gift: ['nickname', 'unique_id', 'gift_name', 'gift_id', 'repeat_count', 'diamond_count'],
  chat: ['nickname', 'unique_id', 'comment', 'args'],
  like: ['nickname', 'unique_id', 'like_count', 'total_like_count'],
  follow: ['nickname', 'unique_id'],
  share: ['nickname', 'unique_id'],
  join: ['nickname', 'unique_id'],
  subscribe: ['nickname', 'unique_id'],
};

/** Largest `max_units` a per-unit gift trigger may ask for. */
export const MAX_UNITS_CAP = 100;
/** Default cap of per-unit actions for one streak. */
export const DEFAULT_MAX_UNITS = 20;

/** Normalised action parameters (only the ones the action uses are present). */
export interface ActionParams {
  sound?: string;
  text?: string;
  volume: number;
  per_unit: boolean;
  max_units: number;
}

/** A validated `POST /v2/triggers/set` body, ready to store. */
export interface TriggerInput {
  event_type: TriggerEventType;
  condition_key: string;
  condition_value: string;
  action: TriggerAction;
  action_params: ActionParams;
  enabled: boolean;
  cooldown_seconds: number;
}

/** A stored trigger, as the engine receives it. */
export interface Trigger extends TriggerInput {
  id: number | string;
}

const str = (max: number) =>
  z.string({ invalid_type_error: 'must be a string' }).max(max, `must be at most ${max} characters`).regex(/^[^\u0000]*$/, 'must not contain NUL bytes');
const int = (min: number, max: number) => z.number({ invalid_type_error: 'must be a number' }).finite().int('must be a whole number').min(min, `must be at least ${min}`).max(max, `must be at most ${max}`);

const BODY = z
  .object({
    event_type: z.enum(TRIGGER_EVENT_TYPES),
    condition_key: str(32).optional(),
    condition_value: z.union([str(200), z.number().finite('must be finite')]).optional(),
    action: z.enum(TRIGGER_ACTIONS),
    action_params: z
      .object({
        sound: str(128).regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'must be a stored sound filename').optional(),
        text: str(300).min(1, 'must not be empty').optional(),
        volume: int(0, 100).optional(),
        per_unit: z.boolean().optional(),
        max_units: int(1, MAX_UNITS_CAP).optional(),
      })
      .strict()
      .default({}),
    enabled: z.boolean().default(true),
    cooldown_seconds: int(0, 86_400).default(0),
  })
  .strict();

const fail = (message: string): never => {
  throw new InvalidInputError('invalid_trigger', message);
};

/** Validates a trigger body into a `TriggerInput`, or throws `InvalidInputError` (`invalid_trigger`). */
export function parseTriggerInput(body: unknown): TriggerInput {
  const parsed = BODY.safeParse(body);
  if (!parsed.success) {
    const issue = unwrapUnion(parsed.error.issues[0]);
    const where = issue.path.join('.') || 'body';
    fail(issue.code === 'unrecognized_keys' ? `Invalid trigger: unknown field(s) ${issue.keys.join(', ')} in ${where}.` : `Invalid trigger: \`${where}\` ${issue.message.replace(/^[A-Z](?=[a-z])/, (c) => c.toLowerCase())}.`);
  }
  const b = parsed.data!;
  const keys = CONDITION_KEYS[b.event_type];
  const condition_key = b.condition_key ?? keys[0];
  if (!keys.includes(condition_key)) fail(`Invalid trigger: condition_key for ${b.event_type} must be one of ${keys.join(', ')}.`);
  const condition_value = normaliseCondition(condition_key, b.condition_value);

  const p = b.action_params;
  if ((b.action === 'play_sound' || b.action === 'both') && !p.sound) fail(`Invalid trigger: action ${b.action} needs action_params.sound.`);
  if ((b.action === 'tts' || b.action === 'both') && !p.text) fail(`Invalid trigger: action ${b.action} needs action_params.text.`);
  if ((p.per_unit !== undefined || p.max_units !== undefined) && b.event_type !== 'gift') fail('Invalid trigger: per_unit and max_units apply to gift triggers only.');
  if (p.text) {
    for (const name of placeholders(p.text)) {
      if (!TEMPLATE_FIELDS[b.event_type].includes(name)) {
        fail(`Invalid trigger: {${name}} is not available for ${b.event_type} events; use ${TEMPLATE_FIELDS[b.event_type].map((f) => `{${f}}`).join(' ')}.`);
      }
    }
  }
  const action_params: ActionParams = { volume: p.volume ?? 100, per_unit: p.per_unit ?? false, max_units: p.max_units ?? DEFAULT_MAX_UNITS };
  if (b.action !== 'tts') action_params.sound = p.sound;
  if (b.action !== 'play_sound') action_params.text = p.text;
  return { event_type: b.event_type, condition_key, condition_value, action: b.action, action_params, enabled: b.enabled, cooldown_seconds: b.cooldown_seconds };
}

/** The condition value in its stored string form, checked against its key. */
function normaliseCondition(key: string, raw: string | number | undefined): string {
  const value = typeof raw === 'number' ? (Number.isSafeInteger(raw) ? String(raw) : fail('Invalid trigger: condition_value is not an exact whole number; send ids as strings.')) : (raw ?? '').trim();
  const whole = (min: number, max: number, what: string) => {
    const n = /^\d{1,9}$/.test(value) ? Number(value) : NaN;
    return n >= min && n <= max ? String(n) : fail(`Invalid trigger: condition_value for ${key} must be ${what} (${min}–${max}).`);
  };
  switch (key) {
    case 'gift_id':
      return /^\d{1,20}$/.test(value) ? value : fail('Invalid trigger: condition_value for gift_id must be the numeric gift id.');
    case 'min_diamonds':
      return whole(0, 1_000_000, 'a number of diamonds');
    case 'threshold':
      return whole(1, 1_000_000, 'a number of likes');
    case 'command':
      return /^\S{1,50}$/.test(value) ? value : fail('Invalid trigger: a command is one word of at most 50 characters, such as !hello.');
    case 'any':
      return ['', '*', 'any'].includes(value) ? '' : fail('Invalid trigger: condition_key any takes no condition_value.');
    default:
      return value.length >= 1 && value.length <= 100 ? value : fail(`Invalid trigger: condition_value for ${key} must be 1–100 characters.`);
  }
}

/** The `{name}` placeholders a template uses. */
export function placeholders(template: string): string[] {
  return [...template.matchAll(/\{([a-z_]+)\}/g)].map((m) => m[1]);
}

/** Fills `{name}` placeholders (unknown ones become ''), removes control characters and caps the length. */
export function fillTemplate(template: string, values: Record<string, string | number | undefined>, maxChars: number): string {
  const filled = template.replace(/\{([a-z_]+)\}/g, (_, name: string) => String(values[name] ?? ''));
  const clean = filled.replace(/[\u0000-\u001f\u007f]+/g, ' ').replace(/\s+/g, ' ').trim();
  const chars = [...clean];
  return chars.length <= maxChars ? clean : `${chars.slice(0, maxChars - 1).join('').trimEnd()}…`;
}
