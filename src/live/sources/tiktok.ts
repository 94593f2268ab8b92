/**
 * The TikTok source: wraps `tiktok-live-connector`, which ttops does not bundle (2.4.2 and
 * later are AGPL), so it is loaded with a dynamic `import()` only if the operator installed
 * it. One connection per follow: `processInitialData: false` (no replay of recent messages
 * on connect); reconnects with exponential backoff and jitter; while the streamer is
 * offline it polls with a slower backoff; after the stream ends it stops (the hub may follow
 * again later). Events are deduplicated by the engine via `common.msgId`.
 */
import { mapTikTokEvent, classifyTikTokError, TIKTOK_EVENT_NAMES } from './tiktok-map.js';
import { ItemQueue, normaliseHandle, sleep as realSleep, type LiveSource, type LiveStatus, type SourceItem } from '../source.js';

export { mapTikTokEvent, classifyTikTokError, TIKTOK_EVENT_NAMES, type TikTokFailure } from './tiktok-map.js';

/** The package ttops looks for. */
export const TIKTOK_PACKAGE = 'tiktok-live-connector';

/** Shown when the package is absent. */
export const NOT_INSTALLED_MESSAGE = `The TikTok source needs the ${TIKTOK_PACKAGE} package, which ttops does not bundle: the operator installs it (npm install ${TIKTOK_PACKAGE}; mind its license) or sets LIVE_SOURCE=replay.`;

/** The part of the library's connection class the adapter uses. */
export interface TikTokConnectionLike {
  on(event: string, listener: (...args: any[]) => void): unknown;
  connect(): Promise<unknown>;
  disconnect(): Promise<void>;
}

/** The part of the library module the adapter uses. */
export interface TikTokLibrary {
  TikTokLiveConnection: new (uniqueId: string, options?: Record<string, unknown>) => TikTokConnectionLike;
}

/** Loads the connector if installed, or returns null; other load failures (a broken install) throw. */
export async function loadTikTokConnector(specifier: string = TIKTOK_PACKAGE): Promise<TikTokLibrary | null> {
  try {
    return (await import(specifier)) as TikTokLibrary;
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === 'ERR_MODULE_NOT_FOUND' && String((error as Error).message).includes(specifier)) return null;
    throw error;
  }
}

/** Base and cap of the backoff per reason, in ms. */
export const RETRY_POLICY: Record<'error' | 'offline' | 'user_not_found' | 'rate_limited', { base: number; cap: number }> = {
  error: { base: 1000, cap: 60_000 },
  rate_limited: { base: 5000, cap: 300_000 },
  offline: { base: 30_000, cap: 300_000 },
  user_not_found: { base: 60_000, cap: 600_000 },
};

/** How long to wait before attempt `attempt + 1`: exponential, capped, with jitter in [50%, 100%]; never less than a server's Retry-After. */
export function planRetry(reason: keyof typeof RETRY_POLICY, attempt: number, random: number, retryAfterMs = 0): number {
  const { base, cap } = RETRY_POLICY[reason];
  const exp = Math.min(cap, base * 2 ** Math.min(attempt, 20));
  return Math.max(Math.round(exp * (0.5 + random / 2)), retryAfterMs);
}

/** Options of the TikTok source; the injectables exist for tests. */
export interface TikTokSourceOptions {
  /** Euler Stream key for the signing service (`SIGN_API_KEY`). */
  signApiKey?: string;
  load?: () => Promise<TikTokLibrary | null>;
  sleep?: (ms: number, signal: AbortSignal) => Promise<boolean>;
  random?: () => number;
  now?: () => number;
}

type Incoming = SourceItem | { kind: 'ended' };

/** A source that follows a streamer on TikTok LIVE. */
export function makeTikTokSource(options: TikTokSourceOptions = {}): LiveSource {
  const load = options.load ?? (() => loadTikTokConnector());
  const sleep = options.sleep ?? realSleep;
  const random = options.random ?? Math.random;
  const now = options.now ?? Date.now;
  const status = (s: LiveStatus, message?: string, retry_after_ms?: number): SourceItem => ({ kind: 'status', status: s, ...(message ? { message } : {}), ...(retry_after_ms !== undefined ? { retry_after_ms } : {}) });

  return {
    name: 'tiktok',
    async *follow(input: string, signal: AbortSignal): AsyncIterable<SourceItem> {
      let handle: string;
      try {
        handle = normaliseHandle(input);
      } catch (error) {
        yield status('user_not_found', (error as Error).message);
        return;
      }
      const lib = await load();
      if (!lib) {
        yield status('error', NOT_INSTALLED_MESSAGE);
        return;
      }
      const aborted = new Promise<void>((resolve) => (signal.aborted ? resolve() : signal.addEventListener('abort', () => resolve(), { once: true })));
      let attempt = 0;
      while (!signal.aborted) {
        yield status('connecting');
        const queue = new ItemQueue<Incoming>();
        const conn = new lib.TikTokLiveConnection(handle, { processInitialData: false, fetchRoomInfoOnConnect: true, enableExtendedGiftInfo: false, ...(options.signApiKey ? { signApiKey: options.signApiKey } : {}) });
        for (const name of TIKTOK_EVENT_NAMES) {
          conn.on(name, (data: unknown) => {
            const event = mapTikTokEvent(name, data, now());
            if (event) queue.push({ kind: 'event', event });
            if (name === 'streamEnd') {
              queue.push({ kind: 'ended' });
              queue.close();
            }
          });
        }
        conn.on('disconnected', () => queue.close());
        conn.on('error', () => {}); // without a listener the library drops errors; failures surface via connect() and 'disconnected'
        const onAbort = () => queue.close();
        signal.addEventListener('abort', onAbort, { once: true });

        let failure: unknown = null;
        let ended = false;
        try {
          await Promise.race([conn.connect(), aborted]);
        } catch (error) {
          failure = error;
        }
        if (failure === null && !signal.aborted) {
          attempt = 0;
          yield status('live');
          for (let item = await queue.next(); item; item = await queue.next()) {
            if (item.kind === 'ended') ended = true;
            else yield item;
          }
        }
        signal.removeEventListener('abort', onAbort);
        await conn.disconnect().catch(() => {});
        if (signal.aborted) return;
        if (ended) {
          yield status('offline', `@${handle}'s stream has ended.`);
          return;
        }
        let wait: number;
        if (failure !== null) {
          const f = classifyTikTokError(failure, handle);
          const reason = f.status === 'offline' || f.status === 'user_not_found' || f.status === 'rate_limited' ? f.status : 'error';
          if (f.fatal) {
            yield status(f.status, f.message);
            return;
          }
          wait = planRetry(reason, attempt, random(), f.retry_after_ms);
          yield status(f.status, f.message, wait);
        } else {
          wait = planRetry('error', attempt, random());
        }
        attempt += 1;
        if (!(await sleep(wait, signal))) return;
      }
    },
  };
}
