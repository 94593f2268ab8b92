/**
 * Real audio fixtures, made by the tools a streamer's files come from: espeak-ng speaks,
 * sox synthesises and converts, lame encodes MP3. Made once per test file into a temp dir.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { tempDir } from './engines.js';

/** The fixtures every sound test uses, as bytes. */
export interface AudioFixtures {
  dir: string;
  /** ~1 s of speech. */
  mp3: Buffer;
  wav: Buffer;
  ogg: Buffer;
  /** 6 s of tone at a low bitrate: small, but too long. */
  longMp3: Buffer;
  /** Over 100 KB. */
  bigWav: Buffer;
  /** Text pretending to be an mp3. */
  textAsMp3: Buffer;
}

/** Makes the fixtures (espeak-ng, sox, lame must be installed: .ci/run installs them). */
export function makeAudioFixtures(): AudioFixtures {
  const dir = tempDir('ttops-audio-');
  const at = (name: string) => path.join(dir, name);
  const run = (cmd: string, args: string[]) => execFileSync(cmd, args, { stdio: 'pipe' });
  run('espeak-ng', ['-v', 'en', '-w', at('speech.wav'), 'rose for you']);
  run('lame', ['--quiet', '-b', '32', at('speech.wav'), at('speech.mp3')]);
  run('sox', [at('speech.wav'), at('speech.ogg')]);
  run('sox', ['-n', '-r', '8000', '-c', '1', at('long.wav'), 'synth', '6', 'sine', '440']);
  run('lame', ['--quiet', '-b', '8', at('long.wav'), at('long.mp3')]);
  run('sox', ['-n', '-r', '22050', '-c', '1', '-b', '16', at('big.wav'), 'synth', '2.5', 'sine', '330']);
  writeFileSync(at('text.mp3'), 'this is not audio, only text with an mp3 name\n'.repeat(20));
  return {
    dir,
    mp3: readFileSync(at('speech.mp3')),
    wav: readFileSync(at('speech.wav')),
    ogg: readFileSync(at('speech.ogg')),
    longMp3: readFileSync(at('long.mp3')),
    bigWav: readFileSync(at('big.wav')),
    textAsMp3: readFileSync(at('text.mp3')),
  };
}

/** A multipart/form-data body with one file field. */
export function multipartBody(field: string, filename: string, bytes: Buffer, contentType = 'application/octet-stream'): { payload: Buffer; headers: Record<string, string> } {
  const boundary = `----ttops${Math.random().toString(16).slice(2)}`;
  const head = Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${field}"; filename="${filename}"\r\nContent-Type: ${contentType}\r\n\r\n`);
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
  return { payload: Buffer.concat([head, bytes, tail]), headers: { 'content-type': `multipart/form-data; boundary=${boundary}` } };
}
