/**
 * Edge first, espeak when Edge fails or is too slow: a viewer's message is spoken a bit
 * robotically rather than late or not at all. A circuit breaker stops a dead Edge from
 * costing every request its budget.
 */
import { InvalidInputError } from '../errors.js';
import { CircuitBreaker, type BreakerOptions } from './breaker.js';
import { ttsAborted, ttsFailure, ttsReason, type SynthesizedAudio, type SynthesizeOptions, type TtsEngine } from './engine.js';

/** The two engines, the primary's budget, and the breaker's tuning. */
export interface FallbackOptions {
  primary: TtsEngine;
  fallback: TtsEngine;
  /** How long the primary may take before the fallback answers instead (default 3 s). */
  budgetMs?: number;
  breaker?: BreakerOptions;
  /** Told each time the fallback answers, with the primary's failure reason (logs, metrics). */
  onFallback?: (reason: string, error: unknown) => void;
}

/** An engine that falls back, with its breaker visible for health output and tests. */
export interface FallbackEngine extends TtsEngine {
  readonly breaker: CircuitBreaker;
}

/** Builds the primary-with-fallback engine; it is named after the primary. */
export function makeFallbackEngine(options: FallbackOptions): FallbackEngine {
  const { primary, fallback } = options;
  const budgetMs = options.budgetMs ?? 3_000;
  const breaker = new CircuitBreaker(options.breaker);

  async function tryPrimary(text: string, voice: string, signal: AbortSignal | undefined): Promise<SynthesizedAudio> {
    const budget = new AbortController();
    const timer = setTimeout(() => budget.abort(), budgetMs);
    const combined = signal ? AbortSignal.any([signal, budget.signal]) : budget.signal;
    try {
      return await primary.synthesize(text, { voice, signal: combined });
    } catch (error) {
      if (budget.signal.aborted && !signal?.aborted) {
        throw ttsFailure(primary.name, 'timeout', `no answer within the ${budgetMs} ms budget`, error);
      }
      throw error;
    } finally {
      clearTimeout(timer);
    }
  }

  return {
    name: primary.name,
    breaker,
    async synthesize(text: string, { voice, signal }: SynthesizeOptions): Promise<SynthesizedAudio> {
      if (signal?.aborted) throw ttsAborted(primary.name, signal);
      let reason = 'circuit_open';
      let failure: unknown = ttsFailure(primary.name, 'circuit_open', 'skipped while the circuit is open');
      if (breaker.tryAcquire()) {
        try {
          const audio = await tryPrimary(text, voice, signal);
          breaker.success();
          return audio;
        } catch (error) {
          if (signal?.aborted) {
            breaker.release();
            throw error;
          }
          if (error instanceof InvalidInputError) breaker.release(); // this caller's voice, not a dead service
          else breaker.failure();
          reason = ttsReason(error) ?? 'error';
          failure = error;
        }
      }
      options.onFallback?.(reason, failure);
      return fallback.synthesize(text, { voice, signal });
    },
  };
}
