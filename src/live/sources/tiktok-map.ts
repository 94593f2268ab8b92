/**
 * Pure translation of `tiktok-live-connector` (v2.x) output into ttops terms: its event
 * objects into normalised events, its error classes into source statuses. 2.4.0 emits
 * `tiktok-live-proto/v3` objects (gift `giftId` string + `gift.{id,name,type,diamondCount}`,
 * chat `content`, like `count`/`total`, roomUser `total`, user `id`/`displayId`); the older
 * v2 names (`giftDetails.{giftName,giftType}`, `comment`, `likeCount`, `viewerCount`,
 * `userId`/`uniqueId`) are read as fallbacks so another 2.x the operator installs still maps.
 */
import { randomUUID } from 'node:crypto';
import { EVENT_LIMITS, type LiveEvent } from '../event.js';
import type { LiveStatus } from '../source.js';

/** Library event names the adapter listens to (`controlMessage` is covered by `streamEnd`). */
export const TIKTOK_EVENT_NAMES = ['gift', 'chat', 'like', 'follow', 'share', 'member', 'roomUser', 'streamEnd'] as const;

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj => (typeof v === 'object' && v !== null ? (v as Obj) : {});
const first = (...values: unknown[]) => values.find((v) => v !== undefined && v !== null && v !== '');

/** Upstream text, clipped to the parser's bounds and free of NUL bytes. */
function text(value: unknown, max: number): string {
  const s = typeof value === 'string' ? value : typeof value === 'number' || typeof value === 'bigint' ? String(value) : '';
  return [...s.replace(/\u0000/g, '')].slice(0, max).join('');
}

/** Upstream counts arrive as numbers or int64 strings; clamp them into range. */
function count(value: unknown, max: number): number {
  const n = typeof value === 'number' ? value : typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : typeof value === 'bigint' ? Number(value) : 0;
  return Number.isFinite(n) ? Math.min(Math.max(Math.trunc(n), 0), max) : 0;
}

/** An id as a digit string ('' for none, including TikTok's '0'). */
function id(value: unknown): string {
  const s = text(value, EVENT_LIMITS.id).trim();
  return /^\d+$/.test(s) && !/^0+$/.test(s) ? s : '';
}

/** The fields every event carries, from `common` and `user`. */
function base(data: Obj, now: number) {
  const common = obj(data.common);
  const user = obj(data.user);
  const msgId = text(common.msgId, EVENT_LIMITS.msgId).trim();
  const created = count(common.createTime, EVENT_LIMITS.maxAt);
  return {
    msg_id: msgId !== '' && msgId !== '0' ? msgId : `tt-${randomUUID()}`,
    at: created > 0 ? created : now,
    user_id: id(first(user.id, user.idStr, user.userId, data.userId)),
    unique_id: text(first(user.displayId, user.uniqueId), EVENT_LIMITS.name).replace(/[\s@]/g, ''),
    nickname: text(user.nickname, EVENT_LIMITS.name),
  };
}

/** One library event → a normalised event, or null when ttops has no use for it. */
export function mapTikTokEvent(name: string, payload: unknown, now: number): LiveEvent | null {
  const data = obj(payload);
  switch (name) {
    case 'gift': {
      const details = obj(first(data.gift, data.giftDetails));
      const extended = obj(data.extendedGiftInfo);
      const gift_id = id(first(data.giftId, details.id, extended.id));
      const gift_name = text(first(details.name, details.giftName, extended.name), EVENT_LIMITS.name).trim();
      if (gift_id === '' && gift_name === '') return null;
      return {
        event_type: 'gift',
        ...base(data, now),
        gift_id,
        gift_name,
        diamond_count: count(first(details.diamondCount, extended.diamond_count), EVENT_LIMITS.count),
        repeat_count: Math.max(1, count(data.repeatCount, EVENT_LIMITS.count)),
        repeat_end: Boolean(data.repeatEnd),
        streakable: first(details.type, details.giftType, extended.type) === 1,
        group_id: id(data.groupId),
      };
    }
    case 'chat': {
      const comment = text(first(data.content, data.comment), EVENT_LIMITS.comment);
      return comment.trim() === '' ? null : { event_type: 'chat', ...base(data, now), comment };
    }
    case 'like':
      return {
        event_type: 'like',
        ...base(data, now),
        like_count: count(first(data.count, data.likeCount), EVENT_LIMITS.count),
        total_like_count: count(first(data.total, data.totalLikeCount), EVENT_LIMITS.totalLikes),
      };
    case 'follow':
    case 'share':
      return { event_type: name, ...base(data, now) };
    case 'member':
      if (data.action === 1) return { event_type: 'join', ...base(data, now) };
      if (data.action === 3) return { event_type: 'subscribe', ...base(data, now) };
      return null;
    case 'roomUser':
      return { event_type: 'viewers', ...base(data, now), viewer_count: count(first(data.total, data.viewerCount), EVENT_LIMITS.viewers) };
    case 'streamEnd':
      return { event_type: 'stream_end', ...base({}, now) };
    default:
      return null;
  }
}

/** How the adapter treats a connect failure. */
export interface TikTokFailure {
  status: Exclude<LiveStatus, 'connecting' | 'live'>;
  /** One sentence for the streamer. */
  message: string;
  /** From the sign server's Retry-After, when rate limited. */
  retry_after_ms?: number;
  /** Retrying cannot help (a malformed handle). */
  fatal: boolean;
}

/** The class names of an error and its ancestors (the library's classes keep `name` as "Error"). */
function classNames(error: unknown): string[] {
  const names: string[] = [];
  for (let p = typeof error === 'object' && error !== null ? Object.getPrototypeOf(error) : null; p && p !== Object.prototype; p = Object.getPrototypeOf(p)) {
    names.push((p as { constructor: { name: string } }).constructor.name);
  }
  return names;
}

/** Maps the library's error classes to statuses: offline, user_not_found, rate_limited (with retry-after), error. */
export function classifyTikTokError(error: unknown, handle: string): TikTokFailure {
  const names = classNames(error);
  const has = (n: string) => names.includes(n);
  if (has('UserOfflineError')) return { status: 'offline', message: `@${handle} is not live right now; ttops will connect when the stream starts.`, fatal: false };
  if (has('InvalidUniqueIdError')) return { status: 'user_not_found', message: `"${handle}" is not a valid TikTok username.`, fatal: true };
  if (has('InvalidResponseCompositeError')) {
    return { status: 'user_not_found', message: `TikTok did not return a live room for @${handle}: check the username (TikTok may also be blocking this server); retrying.`, fatal: false };
  }
  if (has('SignatureRateLimitError')) {
    const retry = count(obj(error).retryAfter, 86_400_000);
    return { status: 'rate_limited', message: 'The TikTok signing service is rate limiting this server; waiting before reconnecting.', ...(retry > 0 ? { retry_after_ms: retry } : {}), fatal: false };
  }
  if (has('PremiumFeatureError') || has('SignatureMissingTokensError') || has('AuthenticatedWebSocketConnectionError')) {
    return { status: 'error', message: 'The TikTok signing service refused the connection; the operator should check SIGN_API_KEY.', fatal: false };
  }
  const detail = error instanceof Error ? text(error.message.split('\n')[0], 160) : '';
  return { status: 'error', message: `Could not connect to TikTok${detail ? ` (${detail})` : ''}; retrying.`, fatal: false };
}
