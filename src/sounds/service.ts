/**
 * Streamers' sounds: checked (size while streaming, real audio, length, quota), stored under
 * a name the server chooses in the user's own folder, listed and deleted. The file appears
 * only once everything passed, written whole (temp file + rename), so a rejected upload
 * leaves nothing on disk.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ConflictError, EXIT, InvalidInputError, NotFoundError, TtopsError } from '../errors.js';
import type { SoundRecord, SoundStore, TriggerStore } from '../store/types.js';
import { probeAudio } from './probe.js';

/** Limits of the contract: 100 KB and 5 s a sound. */
export const SOUND_LIMITS = { maxBytes: 100 * 1024, maxMs: 5000 } as const;

/** A sound as the API shows it. */
export interface SoundView {
  filename: string;
  url: string;
  size: number;
  duration_ms: number;
  format: SoundRecord['format'];
  original_name: string | null;
  created_at: string;
}

/** The public media URL, read at each use (`serve --port 0` learns it only once listening). */
export interface MediaUrls {
  readonly mediaBaseUrl: string;
}

/** The refusal for a file over the size limit (also raised while the upload streams). */
export function fileTooLarge(): TtopsError {
  return new TtopsError('file_too_large', `a sound may be at most ${SOUND_LIMITS.maxBytes / 1024} KB — trim or compress it`, 413, EXIT.usage);
}

/** Upload, list and delete, for one store and media folder. */
export class SoundService {
  constructor(
    private readonly store: SoundStore & Pick<TriggerStore, 'listTriggers'>,
    private readonly mediaDir: string,
    private readonly urls: MediaUrls,
    private readonly maxPerUser: number,
  ) {}

  /** The public URL of a stored sound (served by nginx when deployed, by `serve` otherwise). */
  url(userId: number, filename: string): string {
    return `${this.urls.mediaBaseUrl.replace(/\/+$/, '')}/static/sounds/${userId}/${filename}`;
  }

  /** Checks and stores one uploaded file. */
  async upload(userId: number, bytes: Buffer, originalName: string | undefined): Promise<SoundView> {
    if (bytes.length === 0) throw new InvalidInputError('not_audio', 'the file is empty — upload an mp3, ogg or wav sound');
    if (bytes.length > SOUND_LIMITS.maxBytes) throw fileTooLarge();
    const probed = await probeAudio(bytes);
    if (probed.durationMs > SOUND_LIMITS.maxMs) {
      throw new InvalidInputError('audio_too_long', `the sound lasts ${(probed.durationMs / 1000).toFixed(1)} s; at most ${SOUND_LIMITS.maxMs / 1000} s is allowed — trim it`);
    }
    const filename = `${randomBytes(12).toString('hex')}.${probed.format}`;
    const record = await this.store.addSound(
      { userId, filename, originalName: cleanName(originalName), format: probed.format, size: bytes.length, durationMs: probed.durationMs, sha256: createHash('sha256').update(bytes).digest('hex') },
      this.maxPerUser,
    );
    try {
      await writeWhole(this.file(userId, filename), bytes);
    } catch (error) {
      await this.store.deleteSound(userId, filename);
      throw error;
    }
    return this.view(record);
  }

  /** The user's sounds, oldest first. */
  async list(userId: number): Promise<SoundView[]> {
    return (await this.store.listSounds(userId)).map((s) => this.view(s));
  }

  /** Deletes a sound no trigger plays any more. */
  async delete(userId: number, filename: string): Promise<SoundView> {
    const users = (await this.store.listTriggers(userId)).filter((t) => t.actionParams.sound === filename);
    if (users.length > 0) {
      throw new ConflictError('sound_in_use', `trigger(s) ${users.map((t) => t.id).join(', ')} play this sound — change or delete them first`);
    }
    const record = await this.store.deleteSound(userId, filename);
    if (!record) throw new NotFoundError('sound_not_found', `you have no sound ${JSON.stringify(filename)}`);
    await rm(this.file(userId, filename), { force: true });
    return this.view(record);
  }

  /** The user's folder; names come from the server (hex + extension), so nothing can leave it. */
  private file(userId: number, filename: string): string {
    if (!/^[0-9a-f]{24}\.(mp3|ogg|wav)$/.test(filename)) throw new NotFoundError('sound_not_found', `you have no sound ${JSON.stringify(filename)}`);
    return path.join(this.mediaDir, 'static', 'sounds', String(userId), filename);
  }

  private view(s: SoundRecord): SoundView {
    return { filename: s.filename, url: this.url(s.userId, s.filename), size: s.size, duration_ms: s.durationMs, format: s.format, original_name: s.originalName, created_at: s.createdAt };
  }
}

/** The client's file name, kept for display only: no path, no control characters, bounded. */
function cleanName(name: string | undefined): string | null {
  if (!name) return null;
  // eslint-disable-next-line no-control-regex
  const base = name.split(/[\\/]/).pop()!.replace(/[\u0000-\u001f\u007f]/g, '').trim().slice(0, 120);
  return base || null;
}

/** Writes a file so that readers see all of it or nothing. */
async function writeWhole(file: string, bytes: Buffer): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  const temp = `${file}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    await writeFile(temp, bytes, { flag: 'wx' });
    await rename(temp, file);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
}
