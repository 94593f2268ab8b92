/**
 * The one interface every live source implements (TikTok, replay): follow a streamer's
 * @handle and yield normalised events and status changes until the signal aborts (or the
 * consumer breaks out of its `for await`). Sources never throw for upstream trouble: they
 * report it as a status and carry on or end.
 */
import { InvalidInputError } from '../errors.js';
import type { LiveEvent } from './event.js';

/** Statuses a source reports; the hub forwards them to the streamer's sockets as is. */
export const LIVE_STATUSES = ['connecting', 'live', 'offline', 'user_not_found', 'rate_limited', 'error'] as const;
/** One source status. */
export type LiveStatus = (typeof LIVE_STATUSES)[number];

/** A status change; `message` is one sentence for the streamer, never a stack trace. */
export interface StatusItem {
  kind: 'status';
  status: LiveStatus;
  message?: string;
  /** When the source will try again (rate limits, offline polling). */
  retry_after_ms?: number;
}

/** A normalised event. */
export interface EventItem {
  kind: 'event';
  event: LiveEvent;
}

/** What a source yields. */
export type SourceItem = EventItem | StatusItem;

/** A live source; `follow` ends when the signal aborts, or by the source's own rules (end of a replay, stream end). */
export interface LiveSource {
  readonly name: 'tiktok' | 'replay';
  follow(uniqueId: string, signal: AbortSignal): AsyncIterable<SourceItem>;
}

/** Normalises `@name`, `name` or a tiktok.com URL to the bare handle, or throws `invalid_tiktok_username`. */
export function normaliseHandle(input: string): string {
  const handle = input.trim().replace(/^https?:\/\/(www\.)?tiktok\.com\//i, '').replace(/\/live\/?$/i, '').replace(/^@/, '');
  if (!/^[A-Za-z0-9._]{1,24}$/.test(handle)) {
    throw new InvalidInputError('invalid_tiktok_username', 'A TikTok username is 1–24 letters, digits, dots or underscores, such as @streamer_name.');
  }
  return handle;
}

/** Waits `ms` unless the signal aborts first; resolves to false when aborted. */
export function sleep(ms: number, signal: AbortSignal): Promise<boolean> {
  if (signal.aborted) return Promise.resolve(false);
  if (ms <= 0) return Promise.resolve(true);
  return new Promise((resolve) => {
    const done = (ok: boolean) => {
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      resolve(ok);
    };
    const onAbort = () => done(false);
    const timer = setTimeout(() => done(true), ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** A push-to-pull queue: callbacks push items, one consumer awaits them; bridges event emitters to async iteration. */
export class ItemQueue<T> {
  private readonly items: T[] = [];
  private waiter: ((value: T | undefined) => void) | null = null;
  private closed = false;

  /** Adds an item (ignored once closed). */
  push(item: T): void {
    if (this.closed) return;
    if (this.waiter) {
      const wake = this.waiter;
      this.waiter = null;
      wake(item);
    } else this.items.push(item);
  }

  /** Ends the queue: pending items are still delivered, then `next` resolves undefined. */
  close(): void {
    this.closed = true;
    if (this.waiter && this.items.length === 0) {
      const wake = this.waiter;
      this.waiter = null;
      wake(undefined);
    }
  }

  /** The next item, or undefined once closed and drained. */
  next(): Promise<T | undefined> {
    if (this.items.length > 0) return Promise.resolve(this.items.shift());
    if (this.closed) return Promise.resolve(undefined);
    return new Promise((resolve) => (this.waiter = resolve));
  }
}
