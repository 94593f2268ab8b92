/**
 * Test helpers that judge audio with the real tools: sox's `soxi` for the duration of an
 * MP3 or WAV file, so "it produced audio" means a player can decode seconds of it.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

/** Duration in seconds as soxi reads it from a file. */
export function soxDuration(file: string): number {
  return Number(execFileSync('soxi', ['-D', file], { encoding: 'utf8' }).trim());
}

/** Duration of in-memory audio (written to a temp file for soxi). */
export function bufferDuration(audio: Buffer, ext: 'mp3' | 'wav'): number {
  const dir = mkdtempSync(path.join(tmpdir(), 'ttops-audio-'));
  try {
    const file = path.join(dir, `clip.${ext}`);
    writeFileSync(file, audio);
    return soxDuration(file);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A fresh temp directory and its remover. */
export function tempDir(prefix: string): { dir: string; remove(): void } {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}
