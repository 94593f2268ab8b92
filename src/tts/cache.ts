/**
 * Content-addressed TTS cache on disk: the same voice and text always map to the same file
 * under `MEDIA_DIR/static/tts/`, so a repeated line costs one synthesis and nginx serves
 * the bytes. Writes are atomic (temp file + rename in the same directory) and concurrent
 * requests for one key share a single synthesis.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, rename, stat, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ttsAborted, type AudioExt, type TtsEngine } from './engine.js';

/** Bump when the way audio is produced changes enough that old files must not be reused. */
export const TTS_CACHE_FORMAT = 1;

/** Path of the cache under MEDIA_DIR, and of its URLs under MEDIA_BASE_URL. */
export const TTS_URL_PREFIX = '/static/tts';

/** The cache key: engine-independent, so a fallback's clip answers for the same line later. */
export function ttsCacheKey(voice: string, text: string): string {
  return createHash('sha256').update(`${TTS_CACHE_FORMAT}|${voice}|${text}`, 'utf8').digest('hex');
}

/** Where a clip is and how it was obtained. */
export interface TtsCacheResult {
  key: string;
  /** Absolute path of the audio file. */
  file: string;
  /** Path to append to MEDIA_BASE_URL: `/static/tts/<sha256>.<ext>`. */
  url_path: string;
  ext: AudioExt;
  /** True when the file was already on disk; false when this call (or one it joined) synthesised it. */
  cached: boolean;
  /** Milliseconds this call took. */
  ms: number;
  /** Engine that produced the audio; undefined for disk hits. */
  engine?: string;
}

/** What happened, one event per call (plus one per synthesis), for metrics and logs. */
export type TtsCacheEvent =
  | { kind: 'hit' }
  | { kind: 'miss' }
  | { kind: 'joined' }
  | { kind: 'synthesized'; ms: number; engine: string }
  | { kind: 'failed'; ms: number; error: unknown };

/** Running totals: hits, misses (each one synthesis), joins of an in-flight synthesis, failures. */
export interface TtsCacheStats {
  hits: number;
  misses: number;
  joined: number;
  failures: number;
  inFlight: number;
}

/** The engine to fill it with, where it lives, and who hears about events. */
export interface TtsCacheOptions {
  mediaDir: string;
  engine: TtsEngine;
  onEvent?: (event: TtsCacheEvent) => void;
}

/** The cache; one per process. */
export class TtsCache {
  readonly dir: string;
  private readonly engine: TtsEngine;
  private readonly onEvent: (event: TtsCacheEvent) => void;
  private readonly inFlight = new Map<string, Promise<Omit<TtsCacheResult, 'ms' | 'cached'>>>();
  private readonly counts = { hits: 0, misses: 0, joined: 0, failures: 0 };

  constructor(options: TtsCacheOptions) {
    this.dir = path.join(options.mediaDir, 'static', 'tts');
    this.engine = options.engine;
    this.onEvent = options.onEvent ?? (() => undefined);
  }

  /** A snapshot of the counters. */
  stats(): TtsCacheStats {
    return { ...this.counts, inFlight: this.inFlight.size };
  }

  /** The clip for already-cleaned text: from disk, from a synthesis in flight, or synthesised now. */
  async get(text: string, voice: string, signal?: AbortSignal): Promise<TtsCacheResult> {
    const started = performance.now();
    const key = ttsCacheKey(voice, text);
    const elapsed = () => Math.round(performance.now() - started);
    const shared = this.inFlight.get(key);
    if (shared) {
      this.count('joined');
      return { ...(await untilAborted(shared, signal, this.engine.name)), cached: false, ms: elapsed() };
    }
    const onDisk = await this.find(key);
    if (onDisk) {
      this.count('hits');
      return { ...onDisk, cached: true, ms: elapsed() };
    }
    const again = this.inFlight.get(key); // another caller may have started while we looked
    if (again) {
      this.count('joined');
      return { ...(await untilAborted(again, signal, this.engine.name)), cached: false, ms: elapsed() };
    }
    this.count('misses');
    const work = this.synthesize(key, text, voice).finally(() => this.inFlight.delete(key));
    this.inFlight.set(key, work);
    return { ...(await untilAborted(work, signal, this.engine.name)), cached: false, ms: elapsed() };
  }

  /** The file for a key if one is on disk (MP3 preferred), without synthesising. */
  async find(key: string): Promise<Omit<TtsCacheResult, 'ms' | 'cached'> | undefined> {
    for (const ext of ['mp3', 'wav'] as const) {
      const file = path.join(this.dir, `${key}.${ext}`);
      const info = await stat(file).catch(() => undefined);
      if (info?.isFile() && info.size > 0) return { key, file, url_path: `${TTS_URL_PREFIX}/${key}.${ext}`, ext };
    }
    return undefined;
  }

  private count(kind: 'hits' | 'misses' | 'joined'): void {
    this.counts[kind] += 1;
    this.onEvent({ kind: kind === 'hits' ? 'hit' : kind === 'misses' ? 'miss' : 'joined' });
  }

  /** Runs the engine once for a key (not tied to any one caller's signal) and stores the result. */
  private async synthesize(key: string, text: string, voice: string): Promise<Omit<TtsCacheResult, 'ms' | 'cached'>> {
    const started = performance.now();
    try {
      const result = await this.engine.synthesize(text, { voice });
      await mkdir(this.dir, { recursive: true });
      const file = path.join(this.dir, `${key}.${result.ext}`);
      const tmp = path.join(this.dir, `.${key}.${randomBytes(6).toString('hex')}.tmp`);
      try {
        await writeFile(tmp, result.audio, { flag: 'wx', mode: 0o644 });
        await rename(tmp, file);
      } catch (error) {
        await unlink(tmp).catch(() => undefined);
        throw error;
      }
      const engine = result.engine ?? this.engine.name;
      this.onEvent({ kind: 'synthesized', ms: Math.round(performance.now() - started), engine });
      return { key, file, url_path: `${TTS_URL_PREFIX}/${key}.${result.ext}`, ext: result.ext, engine };
    } catch (error) {
      this.counts.failures += 1;
      this.onEvent({ kind: 'failed', ms: Math.round(performance.now() - started), error });
      throw error;
    }
  }
}

/** Waits for shared work, but lets one caller stop waiting without cancelling it for the others. */
function untilAborted<T>(work: Promise<T>, signal: AbortSignal | undefined, engine: string): Promise<T> {
  if (!signal) return work;
  if (signal.aborted) return Promise.reject(ttsAborted(engine, signal));
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(ttsAborted(engine, signal));
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}
