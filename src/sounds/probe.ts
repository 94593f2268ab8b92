/**
 * What an uploaded file really is, decided from its bytes (music-metadata), never from its
 * name or the MIME type the client claims.
 */
import { InvalidInputError } from '../errors.js';
import type { SoundRecord } from '../store/types.js';

/** Containers we keep, by music-metadata's container name. */
const FORMATS: Record<string, SoundRecord['format']> = { MPEG: 'mp3', Ogg: 'ogg', WAVE: 'wav' };

/** A probed sound: its format and length. */
export interface ProbedAudio {
  format: SoundRecord['format'];
  durationMs: number;
}

/** music-metadata, loaded on the first upload: `serve` starts ~1 MB smaller without it. */
let parser: Promise<typeof import('music-metadata')> | undefined;

/** Probes `bytes`; throws `not_audio` for anything that is not mp3, ogg or wav audio with a known length. */
export async function probeAudio(bytes: Uint8Array): Promise<ProbedAudio> {
  const { parseBuffer } = await (parser ??= import('music-metadata'));
  let metadata;
  try {
    metadata = await parseBuffer(bytes, undefined, { duration: true, skipCovers: true });
  } catch (cause) {
    throw new InvalidInputError('not_audio', 'the file is not audio — upload an mp3, ogg or wav sound', { cause });
  }
  const { container, duration, hasAudio, sampleRate } = metadata.format;
  const format = container ? FORMATS[container] : undefined;
  if (!format) {
    throw new InvalidInputError('not_audio', `${container ? `${container} files are` : 'the file is'} not accepted — upload an mp3, ogg or wav sound`);
  }
  if (hasAudio === false || !sampleRate || duration === undefined || !Number.isFinite(duration) || duration <= 0) {
    throw new InvalidInputError('not_audio', 'the file holds no playable audio — upload an mp3, ogg or wav sound');
  }
  return { format, durationMs: Math.round(duration * 1000) };
}
