/**
 * Product photos: fetched from Telegram once, when the user sends them, and kept under
 * `static/photos/` so the generation provider gets our own public URL.
 *
 * Why not hand the provider Telegram's file URL: that URL contains the bot token (a third
 * party would hold it), and Telegram keeps it valid for about an hour only, while a job can
 * wait longer in the queue or be retried. Why not resolve the file_id in the worker: the same
 * expiry, plus the worker would need the token and a second download path. A photo is at most
 * a few MB, so one download inside the update handler stays well within the webhook deadline.
 */
import { createHash } from 'node:crypto';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Api } from 'grammy';
import { UnreachableError } from '../errors.js';

/** Telegram lets bots download files of up to 20 MB. */
const MAX_BYTES = 20 * 1024 * 1024;

/** Where photos go and how they are reached. */
export interface PhotoSaverOptions {
  api: Api;
  token: string;
  apiRoot: string;
  mediaDir: string;
  mediaBaseUrl: () => string;
  timeoutMs?: number;
}

/** Downloads a Telegram photo by file_id into `static/photos/<sha256>.<ext>` and returns its public URL. */
export async function savePhoto(options: PhotoSaverOptions, fileId: string): Promise<string> {
  const file = await options.api.getFile(fileId);
  if (!file.file_path) throw new UnreachableError('telegram_file_unavailable', 'Telegram gave no path for the photo — ask the user to send it again');
  const response = await fetch(`${options.apiRoot}/file/bot${options.token}/${file.file_path}`, { signal: AbortSignal.timeout(options.timeoutMs ?? 30_000) });
  if (!response.ok) throw new UnreachableError('telegram_file_unavailable', `downloading the photo answered HTTP ${response.status} — ask the user to send it again`);
  const bytes = Buffer.from(await response.arrayBuffer());
  if (bytes.length === 0 || bytes.length > MAX_BYTES) throw new UnreachableError('telegram_file_unavailable', `the photo has ${bytes.length} bytes — ask for a photo under 20 MB`);
  const ext = /\.(jpe?g|png|webp)$/i.exec(file.file_path)?.[1]?.toLowerCase().replace('jpeg', 'jpg') ?? 'jpg';
  const name = `${createHash('sha256').update(bytes).digest('hex')}.${ext}`;
  const dir = path.resolve(options.mediaDir, 'static', 'photos');
  await mkdir(dir, { recursive: true });
  // Content-addressed: the same photo twice is one file; write-then-rename so a reader never sees half of it.
  const temp = path.join(dir, `.${name}.${process.pid}.tmp`);
  await writeFile(temp, bytes, { mode: 0o644 });
  await rename(temp, path.join(dir, name));
  return `${options.mediaBaseUrl().replace(/\/+$/, '')}/static/photos/${name}`;
}
