/**
 * The normalised live event: one flat snake_case shape shared by replay files,
 * `POST /v2/live/simulate` bodies and `event` messages on the socket. `at` is epoch
 * milliseconds (TikTok's own `createTime` unit, and what the engine's clock uses); an ISO
 * string is accepted on input and converted. Ids travel as strings (TikTok ids are 64-bit).
 */
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { InvalidInputError } from '../errors.js';

/** Every event type the listener produces, in the order the docs list them. */
export const LIVE_EVENT_TYPES = ['gift', 'chat', 'like', 'follow', 'share', 'join', 'subscribe', 'viewers', 'stream_end'] as const;

/** One of the normalised event types. */
export type LiveEventType = (typeof LIVE_EVENT_TYPES)[number];

/** Bounds the parser enforces, exported so adapters clip upstream data to the same limits. */
export const EVENT_LIMITS = {
  id: 64,
  msgId: 128,
  name: 100,
  comment: 500,
  count: 1_000_000,
  totalLikes: 1_000_000_000_000,
  viewers: 1_000_000_000,
  maxAt: 8_640_000_000_000_000,
} as const;

interface EventBase {
  msg_id: string;
  /** Epoch milliseconds. */
  at: number;
  user_id: string;
  /** The sender's @handle, without the @. */
  unique_id: string;
  nickname: string;
}

/** A gift frame; streakable gifts repeat with a growing `repeat_count`, then once with `repeat_end`. */
export interface GiftEvent extends EventBase {
  event_type: 'gift';
  gift_id: string;
  gift_name: string;
  /** Diamonds one unit of this gift is worth. */
  diamond_count: number;
  repeat_count: number;
  repeat_end: boolean;
  streakable: boolean;
  /** TikTok's streak id (`groupId`); '' when unknown. Extension to the documented field list. */
  group_id: string;
}

/** A chat message. */
export interface ChatEvent extends EventBase { event_type: 'chat'; comment: string }
/** A batch of likes (TikTok samples them: `like_count` is this batch, `total_like_count` the room's). */
export interface LikeEvent extends EventBase { event_type: 'like'; like_count: number; total_like_count: number }
/** Current viewer count. */
export interface ViewersEvent extends EventBase { event_type: 'viewers'; viewer_count: number }
/** Events that carry only who did it. */
export interface SimpleEvent extends EventBase { event_type: 'follow' | 'share' | 'join' | 'subscribe' | 'stream_end' }

/** The normalised live event. */
export type LiveEvent = GiftEvent | ChatEvent | LikeEvent | ViewersEvent | SimpleEvent;

const text = (max: number) =>
  z.string({ invalid_type_error: 'must be a string' }).max(max, `must be at most ${max} characters`).regex(/^[^\u0000]*$/, 'must not contain NUL bytes');
const int = (min: number, max: number) =>
  z.number({ invalid_type_error: 'must be a number' }).finite('must be finite').int('must be a whole number').min(min, `must be at least ${min}`).max(max, `must be at most ${max}`);
/** An id: a string, or a JSON number only while it is exact (20-digit numbers lose digits). */
const idField = (pattern: RegExp, what: string) =>
  z.union([
    text(EVENT_LIMITS.id).regex(pattern, what),
    z.number().finite('must be finite').refine(Number.isSafeInteger, 'too large to be exact as a number; send it as a string').transform(String),
  ]);
const bool01 = z.union([z.boolean(), z.literal(0).transform(() => false), z.literal(1).transform(() => true)]);
const atField = z.union([
  int(0, EVENT_LIMITS.maxAt),
  z.string().max(40).refine((s) => Number.isFinite(Date.parse(s)), 'must be an ISO time').transform((s) => Date.parse(s)),
]);

const base = {
  msg_id: text(EVENT_LIMITS.msgId).min(1).optional(),
  at: atField.optional(),
  user_id: idField(/^[^\s]*$/, 'must not contain spaces').default(''),
  unique_id: text(EVENT_LIMITS.name).regex(/^@?[^\s@]*$/, 'a handle without spaces').transform((s) => s.replace(/^@/, '')).default(''),
  nickname: text(EVENT_LIMITS.name).default(''),
};
const shapes = {
  gift: {
    gift_id: idField(/^\d*$/, 'must be digits').default(''),
    gift_name: text(EVENT_LIMITS.name).default(''),
    diamond_count: int(0, EVENT_LIMITS.count).default(0),
    repeat_count: int(1, EVENT_LIMITS.count).default(1),
    repeat_end: bool01.default(false),
    streakable: bool01.default(false),
    group_id: idField(/^[\w-]*$/, 'letters, digits, _ or -').default(''),
  },
  chat: { comment: text(EVENT_LIMITS.comment).min(1, 'must not be empty') },
  like: { like_count: int(0, EVENT_LIMITS.count).default(1), total_like_count: int(0, EVENT_LIMITS.totalLikes).default(0) },
  viewers: { viewer_count: int(0, EVENT_LIMITS.viewers) },
} as const;

function variant<T extends LiveEventType>(type: T, extra: z.ZodRawShape, strict: boolean) {
  const obj = z.object({ event_type: z.literal(type), ...base, ...extra });
  return strict ? obj.strict() : obj.strip();
}

function schemaFor(strict: boolean) {
  return z.discriminatedUnion('event_type', [
    variant('gift', shapes.gift, strict),
    variant('chat', shapes.chat, strict),
    variant('like', shapes.like, strict),
    variant('viewers', shapes.viewers, strict),
    ...(['follow', 'share', 'join', 'subscribe', 'stream_end'] as const).map((t) => variant(t, {}, strict)),
  ] as unknown as [z.ZodDiscriminatedUnionOption<'event_type'>, ...z.ZodDiscriminatedUnionOption<'event_type'>[]]);
}
const STRICT = schemaFor(true);
const LENIENT = schemaFor(false);

/**
 * The same checks for input already in the normalised form (ids as strings, booleans as
 * booleans, `at` as a number), without zod: a live event arrives thousands of times a second,
 * and zod's parse was a quarter of what the simulate route allocated. Anything else (a
 * value to convert, a refusal to word, an unknown field in strict mode) is left to zod:
 * undefined. test/live/event.test.ts checks it agrees with zod on generated input.
 */
interface CanonicalField {
  key: string;
  ok: (v: unknown) => boolean;
  /** The value when absent; `REQUIRED` fails over to zod, `OMITTED` leaves it out. */
  absent: unknown;
  /** The value as zod's transform makes it. */
  map?: (v: string) => string;
}
const REQUIRED = Symbol('required');
const OMITTED = Symbol('omitted');
const isText = (max: number, pattern?: RegExp, min = 0) => (v: unknown) => typeof v === 'string' && v.length >= min && v.length <= max && !v.includes('\u0000') && (!pattern || pattern.test(v));
const isInt = (min: number, max: number) => (v: unknown) => typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max;
const isBool = (v: unknown) => typeof v === 'boolean';
const CANONICAL_BASE: CanonicalField[] = [
  { key: 'msg_id', ok: isText(EVENT_LIMITS.msgId, undefined, 1), absent: OMITTED },
  { key: 'at', ok: isInt(0, EVENT_LIMITS.maxAt), absent: OMITTED },
  { key: 'user_id', ok: isText(EVENT_LIMITS.id, /^[^\s]*$/), absent: '' },
  { key: 'unique_id', ok: isText(EVENT_LIMITS.name, /^@?[^\s@]*$/), absent: '', map: (s) => s.replace(/^@/, '') },
  { key: 'nickname', ok: isText(EVENT_LIMITS.name), absent: '' },
];
const CANONICAL_EXTRA: Partial<Record<LiveEventType, CanonicalField[]>> = {
  gift: [
    { key: 'gift_id', ok: isText(EVENT_LIMITS.id, /^\d*$/), absent: '' },
    { key: 'gift_name', ok: isText(EVENT_LIMITS.name), absent: '' },
    { key: 'diamond_count', ok: isInt(0, EVENT_LIMITS.count), absent: 0 },
    { key: 'repeat_count', ok: isInt(1, EVENT_LIMITS.count), absent: 1 },
    { key: 'repeat_end', ok: isBool, absent: false },
    { key: 'streakable', ok: isBool, absent: false },
    { key: 'group_id', ok: isText(EVENT_LIMITS.id, /^[\w-]*$/), absent: '' },
  ],
  chat: [{ key: 'comment', ok: isText(EVENT_LIMITS.comment, undefined, 1), absent: REQUIRED }],
  like: [
    { key: 'like_count', ok: isInt(0, EVENT_LIMITS.count), absent: 1 },
    { key: 'total_like_count', ok: isInt(0, EVENT_LIMITS.totalLikes), absent: 0 },
  ],
  viewers: [{ key: 'viewer_count', ok: isInt(0, EVENT_LIMITS.viewers), absent: REQUIRED }],
};
const CANONICAL = new Map(LIVE_EVENT_TYPES.map((type) => {
  const fields = [...CANONICAL_BASE, ...(CANONICAL_EXTRA[type] ?? [])];
  return [type, { fields, known: new Set(['event_type', ...fields.map((f) => f.key)]) }];
}));

/** What zod would make of `input` when it is in the normalised form already; undefined otherwise (zod decides). */
export function parseCanonicalEvent(input: Record<string, unknown>, type: LiveEventType, strict: boolean): Record<string, unknown> | undefined {
  const { fields, known } = CANONICAL.get(type)!;
  // zod reads a plain object only (JSON gives nothing else); anything odd is its to judge.
  const proto = Object.getPrototypeOf(input);
  if (proto !== Object.prototype && proto !== null) return undefined;
  if (strict) for (const key in input) if (!known.has(key)) return undefined;
  const out: Record<string, unknown> = { event_type: type };
  for (const field of fields) {
    const v = Object.hasOwn(input, field.key) ? input[field.key] : undefined;
    if (v === undefined) {
      if (field.absent === REQUIRED) return undefined;
      if (field.absent !== OMITTED) out[field.key] = field.absent;
    } else if (!field.ok(v)) {
      return undefined;
    } else {
      out[field.key] = field.map ? field.map(v as string) : v;
    }
  }
  return out;
}

/** Options of `parseLiveEvent`. */
export interface ParseEventOptions {
  /** Refuse unknown fields (simulate bodies, replay files); otherwise they are dropped. */
  strict?: boolean;
  /** Clock for a missing `at` (epoch ms). */
  now?: number;
  /** Id for a missing `msg_id`. */
  makeId?: () => string;
}

/** Validates untrusted input into a `LiveEvent`, or throws `InvalidInputError` (`invalid_event`). */
export function parseLiveEvent(input: unknown, options: ParseEventOptions = {}): LiveEvent {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw new InvalidInputError('invalid_event', 'An event must be a JSON object with an event_type.');
  }
  const type = (input as { event_type?: unknown }).event_type;
  if (typeof type !== 'string' || !(LIVE_EVENT_TYPES as readonly string[]).includes(type)) {
    throw new InvalidInputError('invalid_event', `event_type must be one of ${LIVE_EVENT_TYPES.join(', ')}.`);
  }
  const data = parseCanonicalEvent(input as Record<string, unknown>, type as LiveEventType, options.strict ?? false) ?? parseWithZod(input, type, options.strict ?? false);
  if (type === 'gift' && data.gift_id === '' && data.gift_name === '') {
    throw new InvalidInputError('invalid_event', 'Invalid gift event: give `gift_id` or `gift_name`.', { context: { event_type: type } });
  }
  return {
    ...data,
    msg_id: (data.msg_id as string | undefined) ?? (options.makeId ?? randomUUID)(),
    at: (data.at as number | undefined) ?? options.now ?? Date.now(),
  } as LiveEvent;
}

/** The zod parse: every input that is not canonical, and the reference `parseCanonicalEvent` is tested against. */
export function parseWithZod(input: unknown, type: string, strict: boolean): Record<string, unknown> {
  const result = (strict ? STRICT : LENIENT).safeParse(input);
  if (!result.success) throw new InvalidInputError('invalid_event', describeIssues(result.error, type), { context: { event_type: type } });
  return result.data as Record<string, unknown>;
}

/** One sentence naming the first bad field(s). */
function describeIssues(error: z.ZodError, type: string): string {
  const firstPerField = error.issues.filter((issue, i, all) => all.findIndex((o) => o.path.join('.') === issue.path.join('.')) === i);
  const parts = firstPerField.slice(0, 3).map((raw) => {
    const issue = unwrapUnion(raw);
    if (issue.code === 'unrecognized_keys') {
      return `unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `\`${k}\``).join(', ')} for a ${type} event`;
    }
    const field = issue.path.join('.') || 'event';
    return `\`${field}\` ${issue.message === 'Required' ? 'is required' : issue.message.replace(/^[A-Z](?=[a-z])/, (c) => c.toLowerCase())}`;
  });
  return `Invalid ${type} event: ${parts.join('; ')}.`;
}

/** For a field that accepts several forms, the complaint of the form the value was meant as. */
export function unwrapUnion(issue: z.ZodIssue): z.ZodIssue {
  if (issue.code !== 'invalid_union') return issue;
  const inner = issue.unionErrors.flatMap((e) => e.issues);
  return inner.find((i) => i.code !== 'invalid_type' && i.code !== 'invalid_literal') ?? inner[0] ?? issue;
}
