/**
 * Just enough RIFF/WAVE reading to fix and measure what espeak-ng writes to a pipe: it cannot
 * seek back, so its header claims ~2 GB of audio; players and encoders want the real sizes.
 */

/** The fields of a PCM WAV header that matter for duration. */
export interface WavInfo {
  channels: number;
  sampleRate: number;
  bitsPerSample: number;
  dataOffset: number;
  dataBytes: number;
  durationMs: number;
}

/** Reads a WAV header; undefined when the bytes are not a PCM WAV file. */
export function readWav(buf: Buffer): WavInfo | undefined {
  if (buf.length < 12 || buf.toString('ascii', 0, 4) !== 'RIFF' || buf.toString('ascii', 8, 12) !== 'WAVE') return undefined;
  let fmt: { channels: number; sampleRate: number; bitsPerSample: number } | undefined;
  for (let offset = 12; offset + 8 <= buf.length; ) {
    const id = buf.toString('ascii', offset, offset + 4);
    const size = buf.readUInt32LE(offset + 4);
    const body = offset + 8;
    if (id === 'fmt ' && body + 16 <= buf.length) {
      fmt = { channels: buf.readUInt16LE(body + 2), sampleRate: buf.readUInt32LE(body + 4), bitsPerSample: buf.readUInt16LE(body + 14) };
    } else if (id === 'data') {
      if (!fmt || fmt.channels === 0 || fmt.sampleRate === 0 || fmt.bitsPerSample === 0) return undefined;
      const dataBytes = Math.min(size, buf.length - body);
      const bytesPerSecond = fmt.sampleRate * fmt.channels * (fmt.bitsPerSample / 8);
      return { ...fmt, dataOffset: body, dataBytes, durationMs: Math.round((dataBytes / bytesPerSecond) * 1000) };
    }
    offset = body + size + (size % 2);
  }
  return undefined;
}

/** Rewrites the RIFF and data sizes to match the bytes actually present (in place; returns the same buffer). */
export function fixWavSizes(buf: Buffer): Buffer {
  const info = readWav(buf);
  if (!info) return buf;
  buf.writeUInt32LE(buf.length - 8, 4);
  buf.writeUInt32LE(buf.length - info.dataOffset, info.dataOffset - 4);
  return buf;
}
