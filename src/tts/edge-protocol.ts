/**
 * The Edge "Read Aloud" WebSocket protocol as pure functions: the connect URL with its
 * Sec-MS-GEC token, the two messages a client sends, and parsing of what comes back.
 * Kept apart from the socket so the fake server and the tests can check each piece.
 */
import { createHash, randomUUID } from 'node:crypto';
import { escapeXml } from './clean.js';

/** Microsoft's endpoint; EDGE_TTS_URL replaces it (tests point it at a fake on 127.0.0.1). */
export const EDGE_TTS_DEFAULT_URL = 'wss://speech.platform.bing.com/consumer/speech/synthesize/readaloud/edge/v1';
/** The public token every Edge browser sends; not a secret. */
export const EDGE_TRUSTED_CLIENT_TOKEN = '6A5AA1D4EAFF4E9FB37E23D68491D6F4';
/** The Edge version the service expects to see; Microsoft rejects stale ones, so it is an option. */
export const EDGE_DEFAULT_VERSION = '143.0.3650.96';
/** 48 kbit/s mono MP3 (~6 KB per second of speech). */
export const EDGE_OUTPUT_FORMAT = 'audio-24khz-48kbitrate-mono-mp3';

const WINDOWS_EPOCH_OFFSET_S = 11_644_473_600n; // seconds from 1601-01-01 to 1970-01-01

/** Sec-MS-GEC: SHA-256 of (Windows file-time ticks rounded down to 5 minutes + token), uppercase hex. */
export function secMsGec(nowMs: number, token = EDGE_TRUSTED_CLIENT_TOKEN): string {
  const seconds = BigInt(Math.floor(nowMs / 1000)) + WINDOWS_EPOCH_OFFSET_S;
  const ticks = (seconds - (seconds % 300n)) * 10_000_000n;
  return createHash('sha256').update(`${ticks}${token}`, 'ascii').digest('hex').toUpperCase();
}

/** The full connect URL: base plus token, Sec-MS-GEC, version and a fresh connection id. */
export function edgeConnectUrl(base: string, nowMs: number, version = EDGE_DEFAULT_VERSION): string {
  const url = new URL(base);
  url.searchParams.set('TrustedClientToken', EDGE_TRUSTED_CLIENT_TOKEN);
  url.searchParams.set('Sec-MS-GEC', secMsGec(nowMs));
  url.searchParams.set('Sec-MS-GEC-Version', `1-${version}`);
  url.searchParams.set('ConnectionId', newRequestId());
  return url.toString();
}

/** The HTTP headers an Edge browser sends on the upgrade. */
export function edgeUpgradeHeaders(version = EDGE_DEFAULT_VERSION): Record<string, string> {
  const major = version.split('.')[0];
  return {
    'User-Agent': `Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/${major}.0.0.0 Safari/537.36 Edg/${major}.0.0.0`,
    Origin: 'chrome-extension://jdiccldimpdaibmpdkjnbmckianbfold',
    Pragma: 'no-cache',
    'Cache-Control': 'no-cache',
    'Accept-Language': 'en-US,en;q=0.9',
  };
}

/** A 32-hex-digit id, the shape the service uses for X-RequestId and ConnectionId. */
export function newRequestId(): string {
  return randomUUID().replaceAll('-', '');
}

/** The timestamp format the browser puts in X-Timestamp. */
function timestamp(nowMs: number): string {
  return new Date(nowMs).toUTCString().replace(/^(\w+), (\d+) (\w+) (\d+)/u, '$1 $3 $2 $4') + '+0000 (Coordinated Universal Time)';
}

/** First message: which audio format to stream back. */
export function speechConfigMessage(nowMs: number, outputFormat = EDGE_OUTPUT_FORMAT): string {
  const config = {
    context: { synthesis: { audio: { metadataoptions: { sentenceBoundaryEnabled: 'false', wordBoundaryEnabled: 'false' }, outputFormat } } },
  };
  return `X-Timestamp:${timestamp(nowMs)}\r\nContent-Type:application/json; charset=utf-8\r\nPath:speech.config\r\n\r\n${JSON.stringify(config)}\r\n`;
}

/** Second message: the SSML to speak; text and voice are XML-escaped here, once. */
export function ssmlMessage(requestId: string, nowMs: number, text: string, voice: string): string {
  const lang = voice.split('-').slice(0, 2).join('-');
  const ssml =
    `<speak version='1.0' xmlns='http://www.w3.org/2001/10/synthesis' xml:lang='${escapeXml(lang)}'>` +
    `<voice name='${escapeXml(voice)}'><prosody pitch='+0Hz' rate='+0%' volume='+0%'>${escapeXml(text)}</prosody></voice></speak>`;
  return `X-RequestId:${requestId}\r\nContent-Type:application/ssml+xml\r\nX-Timestamp:${timestamp(nowMs)}Z\r\nPath:ssml\r\n\r\n${ssml}`;
}

/** One parsed frame: its header fields (keys lower-cased) and body. */
export interface EdgeFrame {
  headers: Record<string, string>;
  body: Buffer;
}

/** Parses a header block of `Key:Value` lines. */
function parseHeaders(text: string): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const line of text.split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  return headers;
}

/** Text frame: headers, a blank line, then the body. */
export function parseTextFrame(data: Buffer): EdgeFrame {
  const end = data.indexOf('\r\n\r\n');
  if (end < 0) return { headers: parseHeaders(data.toString('utf8')), body: Buffer.alloc(0) };
  return { headers: parseHeaders(data.subarray(0, end).toString('utf8')), body: data.subarray(end + 4) };
}

/** Binary frame: 2-byte big-endian header length, header text, then audio bytes; undefined when malformed. */
export function parseBinaryFrame(data: Buffer): EdgeFrame | undefined {
  if (data.length < 2) return undefined;
  const headerLength = data.readUInt16BE(0);
  if (2 + headerLength > data.length) return undefined;
  return { headers: parseHeaders(data.subarray(2, 2 + headerLength).toString('utf8')), body: data.subarray(2 + headerLength) };
}

/** Whether bytes start like an MP3 (an ID3 tag or an MPEG audio frame sync). */
export function looksLikeMp3(audio: Buffer): boolean {
  if (audio.length < 4) return false;
  if (audio.toString('latin1', 0, 3) === 'ID3') return true;
  return audio[0] === 0xff && (audio[1]! & 0xe0) === 0xe0;
}
