/**
 * The online engine: Microsoft Edge "Read Aloud" neural voices over one WebSocket per
 * request. Our own small client on `ws` (not msedge-tts / node-edge-tts) because neither
 * lets the endpoint be replaced, and tests and CI must talk to a fake on 127.0.0.1.
 * Every way the service lets us down — refused upgrade, socket closed before turn.end,
 * no audio, silence — ends in one typed error within `timeoutMs`, with the socket closed.
 */
import WebSocket from 'ws';
import { InvalidInputError } from '../errors.js';
import { AUDIO_MIME, ttsAborted, ttsFailure, type SynthesizedAudio, type SynthesizeOptions, type TtsEngine } from './engine.js';
import {
  EDGE_DEFAULT_VERSION,
  EDGE_TTS_DEFAULT_URL,
  edgeConnectUrl,
  edgeUpgradeHeaders,
  looksLikeMp3,
  newRequestId,
  parseBinaryFrame,
  parseTextFrame,
  speechConfigMessage,
  ssmlMessage,
} from './edge-protocol.js';

/** Where the service is and how long to wait for it. */
export interface EdgeOptions {
  /** WebSocket endpoint (default Microsoft's; EDGE_TTS_URL). */
  url?: string;
  /** Edge version to present (Sec-MS-GEC-Version and User-Agent). */
  edgeVersion?: string;
  /** Whole request budget: connect, synthesise, receive (default 10 s). */
  timeoutMs?: number;
  /** Largest audio accepted (default 5 MB, ~14 minutes at 48 kbit/s). */
  maxBytes?: number;
  /** Clock for the Sec-MS-GEC token (tests). */
  now?: () => number;
}

/** A voice name safe to place in SSML and meaningful to the service. */
const VOICE_PATTERN = /^[a-z]{2,3}-[A-Za-z0-9]{2,8}(?:-[A-Za-z0-9]+){1,2}$/u;

/** Builds the Edge engine. */
export function makeEdgeEngine(options: EdgeOptions = {}): TtsEngine {
  const base = options.url ?? EDGE_TTS_DEFAULT_URL;
  const version = options.edgeVersion ?? EDGE_DEFAULT_VERSION;
  const timeoutMs = options.timeoutMs ?? 10_000;
  const maxBytes = options.maxBytes ?? 5 * 1024 * 1024;
  const now = options.now ?? Date.now;
  return {
    name: 'edge',
    synthesize(text: string, { voice, signal }: SynthesizeOptions): Promise<SynthesizedAudio> {
      if (!VOICE_PATTERN.test(voice)) {
        return Promise.reject(new InvalidInputError('tts_voice_invalid', `"${voice}" is not an Edge voice name; use one like ru-RU-SvetlanaNeural`));
      }
      if (signal?.aborted) return Promise.reject(ttsAborted('edge', signal));
      return requestSpeech({ url: edgeConnectUrl(base, now(), version), version, timeoutMs, maxBytes, now, text, voice, signal });
    },
  };
}

interface SpeechRequest {
  url: string;
  version: string;
  timeoutMs: number;
  maxBytes: number;
  now: () => number;
  text: string;
  voice: string;
  signal?: AbortSignal;
}

/** One connection, one utterance. */
function requestSpeech(req: SpeechRequest): Promise<SynthesizedAudio> {
  return new Promise<SynthesizedAudio>((resolve, reject) => {
    const requestId = newRequestId();
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    const ws = new WebSocket(req.url, { headers: edgeUpgradeHeaders(req.version), handshakeTimeout: req.timeoutMs, maxPayload: req.maxBytes + 65_536 });
    const finish = (error?: Error) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      req.signal?.removeEventListener('abort', onAbort);
      if (error) {
        ws.terminate();
        reject(error);
        return;
      }
      ws.close(1000);
      const audio = Buffer.concat(chunks);
      if (!looksLikeMp3(audio)) reject(ttsFailure('edge', 'bad_audio', `the service sent ${audio.length} bytes that are not MP3`));
      else resolve({ audio, ext: 'mp3', mime: AUDIO_MIME.mp3, engine: 'edge' });
    };
    const onAbort = () => finish(ttsAborted('edge', req.signal));
    const timer = setTimeout(() => finish(ttsFailure('edge', 'timeout', `no complete answer within ${req.timeoutMs} ms`)), req.timeoutMs);
    req.signal?.addEventListener('abort', onAbort, { once: true });

    ws.on('unexpected-response', (_request, response) => {
      response.resume();
      finish(ttsFailure('edge', 'handshake', `the service refused the connection with HTTP ${response.statusCode}`));
    });
    ws.on('error', (error) => finish(ttsFailure('edge', 'socket_error', error.message, error)));
    ws.on('close', (code) => finish(ttsFailure('edge', 'closed_early', `the socket closed (code ${code}) before the end of the turn`)));
    ws.on('open', () => {
      ws.send(speechConfigMessage(req.now()));
      ws.send(ssmlMessage(requestId, req.now(), req.text, req.voice));
    });
    ws.on('message', (data: Buffer, isBinary: boolean) => {
      if (isBinary) {
        const frame = parseBinaryFrame(data);
        if (!frame) return finish(ttsFailure('edge', 'bad_audio', 'a binary frame with a broken header'));
        if (frame.headers['path'] !== 'audio' || frame.body.length === 0) return;
        if (frame.headers['x-requestid'] && frame.headers['x-requestid'] !== requestId) return;
        size += frame.body.length;
        if (size > req.maxBytes) return finish(ttsFailure('edge', 'too_large', `more than ${req.maxBytes} bytes of audio`));
        chunks.push(frame.body);
        return;
      }
      const frame = parseTextFrame(data);
      if (frame.headers['path'] !== 'turn.end') return; // turn.start, response, audio.metadata
      if (size === 0) finish(ttsFailure('edge', 'no_audio', `the service ended the turn without audio for voice ${req.voice}`));
      else finish();
    });
  });
}
