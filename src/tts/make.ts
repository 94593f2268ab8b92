/**
 * Builds the TTS service from plain settings (TTS_ENGINE, MEDIA_DIR, EDGE_TTS_URL, TTS_VOICE,
 * TTS_MAX_CHARS, TTS_BANNED_WORDS, …): the right engine stack, the cache, and one `speak`
 * that cleans text, then returns the clip's URL path. The config layer maps env to these options.
 */
import { cleanTtsText, DEFAULT_TTS_MAX_CHARS } from './clean.js';
import { TtsCache, type TtsCacheEvent, type TtsCacheResult, type TtsCacheStats } from './cache.js';
import { makeEdgeEngine } from './edge.js';
import type { TtsEngine } from './engine.js';
import { makeEspeakEngine, type EspeakOptions } from './espeak.js';
import { makeFallbackEngine, type FallbackEngine } from './fallback.js';
import type { BreakerOptions } from './breaker.js';

/** Which engine; `edge` always has espeak behind it. */
export type TtsEngineName = 'edge' | 'espeak' | 'none';

/** The default voice (DESIGN: `voice_id` default). */
export const DEFAULT_TTS_VOICE = 'ru-RU-SvetlanaNeural';

/** Plain options; the config schema supplies them. */
export interface MakeTtsOptions {
  engine: TtsEngineName;
  mediaDir: string;
  /** Public base of `static/` (MEDIA_BASE_URL); when given, results carry a full `url`. */
  mediaBaseUrl?: string;
  /** Edge endpoint (EDGE_TTS_URL); default Microsoft's. */
  edgeUrl?: string;
  /** Edge version to present (EDGE_TTS_VERSION). */
  edgeVersion?: string;
  /** Edge's budget before espeak answers instead (default 3 s). */
  edgeBudgetMs?: number;
  breaker?: BreakerOptions;
  /** Voice when the caller names none (TTS_VOICE). */
  voice?: string;
  /** Length cap after cleaning (TTS_MAX_CHARS). */
  maxChars?: number;
  /** Words never spoken (TTS_BANNED_WORDS, already split). */
  bannedWords?: readonly string[];
  espeak?: EspeakOptions;
  onEvent?: (event: TtsCacheEvent) => void;
  onFallback?: (reason: string, error: unknown) => void;
}

/** A clip ready to play: the cache result plus the public URL when a base was configured. */
export interface SpokenClip extends TtsCacheResult {
  url?: string;
  /** The text actually spoken, after cleaning. */
  text: string;
  voice: string;
}

/** The service the listener, hub and worker call. */
export interface Tts {
  readonly engineName: TtsEngineName;
  /** The engine stack, null when TTS is off. */
  readonly engine: TtsEngine | null;
  readonly cache: TtsCache | null;
  /** Cleans and speaks; null when TTS is off or nothing speakable is left. */
  speak(text: string, options?: { voice?: string; signal?: AbortSignal }): Promise<SpokenClip | null>;
  /** Cache counters (zeros when off). */
  stats(): TtsCacheStats;
}

/** Builds the TTS service for the configured engine. */
export function makeTts(options: MakeTtsOptions): Tts {
  const engine = buildEngine(options);
  const cache = engine ? new TtsCache({ mediaDir: options.mediaDir, engine, onEvent: options.onEvent }) : null;
  const defaultVoice = options.voice ?? DEFAULT_TTS_VOICE;
  const base = options.mediaBaseUrl?.replace(/\/+$/u, '');
  return {
    engineName: options.engine,
    engine,
    cache,
    async speak(raw, { voice = defaultVoice, signal } = {}) {
      if (!cache) return null;
      const text = cleanTtsText(raw, { maxChars: options.maxChars ?? DEFAULT_TTS_MAX_CHARS, bannedWords: options.bannedWords });
      if (text === '') return null;
      const result = await cache.get(text, voice, signal);
      return { ...result, text, voice, ...(base === undefined ? {} : { url: `${base}${result.url_path}` }) };
    },
    stats: () => cache?.stats() ?? { hits: 0, misses: 0, joined: 0, failures: 0, inFlight: 0 },
  };
}

function buildEngine(options: MakeTtsOptions): TtsEngine | FallbackEngine | null {
  if (options.engine === 'none') return null;
  const espeak = makeEspeakEngine(options.espeak);
  if (options.engine === 'espeak') return espeak;
  const edge = makeEdgeEngine({ url: options.edgeUrl, edgeVersion: options.edgeVersion });
  return makeFallbackEngine({
    primary: edge,
    fallback: espeak,
    budgetMs: options.edgeBudgetMs,
    breaker: options.breaker,
    onFallback: options.onFallback,
  });
}
