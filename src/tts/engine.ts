/**
 * The one shape every speech engine has, so the cache, the fallback and the callers never
 * care whether audio came from Microsoft's service or from espeak-ng on this machine.
 */
import { FailureError, UnreachableError } from '../errors.js';

/** File types the engines produce; they name the cached file. */
export type AudioExt = 'mp3' | 'wav';

/** Per-call options: which voice, and a signal to give up early. */
export interface SynthesizeOptions {
  /** An Edge-style voice name such as `ru-RU-SvetlanaNeural`; engines map it to their own. */
  voice: string;
  signal?: AbortSignal;
}

/** Audio bytes plus what a browser needs to play them; `engine` says who really made them. */
export interface SynthesizedAudio {
  audio: Buffer;
  ext: AudioExt;
  mime: string;
  /** The engine that produced the bytes (differs from the one asked when a fallback answered). */
  engine?: string;
}

/** A text-to-speech engine: text in, audio out; throws a TtopsError when it cannot. */
export interface TtsEngine {
  readonly name: string;
  synthesize(text: string, options: SynthesizeOptions): Promise<SynthesizedAudio>;
}

/** MIME types by extension, so every engine labels audio the same way. */
export const AUDIO_MIME: Record<AudioExt, string> = { mp3: 'audio/mpeg', wav: 'audio/wav' };

/** Why a synthesis failed, in words stable enough for logs, metrics and tests. */
export type TtsFailureReason =
  | 'timeout'
  | 'aborted'
  | 'handshake'
  | 'closed_early'
  | 'no_audio'
  | 'bad_audio'
  | 'too_large'
  | 'socket_error'
  | 'process_failed'
  | 'circuit_open';

/** A failed synthesis: `tts_unavailable` (a service or binary could not deliver) with the reason in context. */
export function ttsFailure(engine: string, reason: TtsFailureReason, detail: string, cause?: unknown): UnreachableError {
  return new UnreachableError('tts_unavailable', `${engine} TTS failed (${reason}): ${detail}`, {
    cause,
    context: { engine, reason },
  });
}

/** A call given up because the caller's signal fired: not the engine's fault, never retried elsewhere. */
export function ttsAborted(engine: string, signal: AbortSignal | undefined): FailureError {
  return new FailureError('tts_aborted', `${engine} TTS was cancelled by the caller`, {
    cause: signal?.reason,
    context: { engine, reason: 'aborted' },
  });
}

/** The reason a TTS error carries, or undefined for errors that are not ours. */
export function ttsReason(error: unknown): string | undefined {
  const context = (error as { context?: { reason?: unknown } } | null)?.context;
  return typeof context?.reason === 'string' ? context.reason : undefined;
}
