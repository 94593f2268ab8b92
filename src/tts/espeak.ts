/**
 * The offline engine: espeak-ng on this machine. Robotic, but always there, fast and
 * deterministic, so it is the fallback when Edge fails and the engine tests rely on.
 * Text goes in on stdin (never as an argument, so "-w /etc/x" is spoken, not obeyed);
 * the WAV it writes is re-encoded to MP3 with lame when lame is installed.
 */
import { InvalidInputError } from '../errors.js';
import { AUDIO_MIME, ttsFailure, type SynthesizedAudio, type SynthesizeOptions, type TtsEngine } from './engine.js';
import { runPiped } from './pipe.js';
import { fixWavSizes, readWav } from './wav.js';

/** Where the tools are and how long they may take. */
export interface EspeakOptions {
  /** The espeak-ng binary (default `espeak-ng` on PATH). */
  bin?: string;
  /** The lame binary, or false to keep WAV (default `lame`; a missing lame also means WAV). */
  lame?: string | false;
  /** Whole synthesis budget, espeak plus lame (default 10 s). */
  timeoutMs?: number;
  /** Largest WAV accepted from espeak-ng (default 16 MB, ~6 minutes; capped text needs far less). */
  maxBytes?: number;
  /** Words per minute (espeak's `-s`, default espeak's own 175). */
  wordsPerMinute?: number;
}

/** espeak-ng voices that exist per region; any other region falls back to the bare language. */
const REGIONAL = new Set(['en-us', 'en-gb', 'en-029', 'es-419', 'fr-be', 'fr-ch', 'fr-fr', 'pt-br', 'vi-vn']);

/** Maps an Edge voice (`ru-RU-SvetlanaNeural`, `en-US-AriaNeural`) or a plain language to an espeak-ng voice. */
export function espeakVoice(voice: string): string {
  const [lang = '', region = ''] = voice.trim().toLowerCase().split('-');
  if (!/^[a-z]{2,3}$/u.test(lang)) {
    throw new InvalidInputError('tts_voice_invalid', `"${voice}" is not a voice name; use one like ru-RU-SvetlanaNeural`);
  }
  const regional = `${lang}-${region}`;
  return REGIONAL.has(regional) ? regional : lang;
}

/** Builds the espeak-ng engine. */
export function makeEspeakEngine(options: EspeakOptions = {}): TtsEngine {
  const bin = options.bin ?? 'espeak-ng';
  const timeoutMs = options.timeoutMs ?? 10_000;
  const maxBytes = options.maxBytes ?? 16 * 1024 * 1024;
  let lame = options.lame ?? 'lame';
  return {
    name: 'espeak',
    async synthesize(text: string, { voice, signal }: SynthesizeOptions): Promise<SynthesizedAudio> {
      const started = Date.now();
      const argv = [bin, '-v', espeakVoice(voice), '-b', '1', '--stdin', '--stdout'];
      if (options.wordsPerMinute) argv.push('-s', String(options.wordsPerMinute));
      const wav = fixWavSizes(await runPiped(argv, `${text}\n`, { engine: 'espeak', timeoutMs, maxBytes, signal }));
      const info = readWav(wav);
      if (!info || info.dataBytes === 0) throw ttsFailure('espeak', 'no_audio', 'espeak-ng produced no audio');
      if (lame) {
        const remaining = Math.max(1, timeoutMs - (Date.now() - started));
        try {
          const mp3 = await runPiped([lame, '--quiet', '-b', '48', '-m', 'm', '-', '-'], wav, {
            engine: 'espeak', timeoutMs: remaining, maxBytes, signal,
          });
          if (mp3.length > 0) return { audio: mp3, ext: 'mp3', mime: AUDIO_MIME.mp3, engine: 'espeak' };
        } catch (error) {
          if (signal?.aborted) throw error;
          if (isMissingBinary(error)) lame = false; // not installed: stop trying, serve WAV
        }
      }
      return { audio: wav, ext: 'wav', mime: AUDIO_MIME.wav, engine: 'espeak' };
    },
  };
}

function isMissingBinary(error: unknown): boolean {
  return (error as { cause?: { code?: unknown } } | null)?.cause?.code === 'ENOENT';
}
