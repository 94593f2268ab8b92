/**
 * A fake of Microsoft Edge's "Read Aloud" speech service on 127.0.0.1:0: a real WebSocket
 * endpoint speaking the same protocol (speech.config, then SSML; answers turn.start, binary
 * `Path:audio` frames with a 2-byte big-endian header length, then turn.end) and its
 * failure modes: refused upgrade, socket closed before turn.end, no audio, silence, slow.
 * It checks TrustedClientToken and Sec-MS-GEC itself (its own few lines, not the client's
 * code) and answers 403 to a bad token, as the real service does.
 */
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { STATUS_CODES, type IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { startHttpServer, type StartedServer } from './http.js';

/** How the fake answers one connection. */
export type FakeEdgeMode =
  | { kind: 'ok'; delayMs?: number }
  | { kind: 'reject'; status?: number }
  | { kind: 'close_early' }
  | { kind: 'no_audio' }
  | { kind: 'silent' };

/** One connection the fake saw. */
export interface FakeEdgeCall {
  mode: FakeEdgeMode['kind'];
  query: URLSearchParams;
  userAgent: string | undefined;
  origin: string | undefined;
  tokenValid: boolean;
  /** The speech.config JSON body, once received. */
  config?: unknown;
  /** The SSML document, once received. */
  ssml?: string;
  requestId?: string;
}

/** A running fake. */
export interface FakeEdgeServer extends StartedServer {
  /** ws:// URL to use as EDGE_TTS_URL. */
  wsUrl: string;
  calls: FakeEdgeCall[];
  /** The MP3 bytes it streams back on success. */
  audio: Buffer;
  setMode(mode: FakeEdgeMode): void;
  /** Uses `mode` for the next `times` connections, then the default again. */
  failNext(mode: FakeEdgeMode, times?: number): void;
}

const TRUSTED = '6A5AA1D4EAFF4E9FB37E23D68491D6F4';

/** The token the service expects for the 5-minute window `offset` windows back from now. */
function expectedGec(offset: number): string {
  const windows = Math.floor((Date.now() / 1000 + 11644473600) / 300) - offset;
  const ticks = BigInt(windows) * 300n * 10_000_000n;
  return createHash('sha256').update(`${ticks}${TRUSTED}`).digest('hex').toUpperCase();
}

/** One second of a 440 Hz tone as real MP3, made by sox and lame (both on the test machines). */
export function toneMp3(seconds = 1): Buffer {
  const wav = execFileSync('sox', ['-n', '-r', '24000', '-c', '1', '-b', '16', '-t', 'wav', '-', 'synth', String(seconds), 'sine', '440']);
  return execFileSync('lame', ['--quiet', '-b', '48', '-', '-'], { input: wav });
}

function frame(headers: string, body: Buffer): Buffer {
  const head = Buffer.from(headers, 'utf8');
  const length = Buffer.alloc(2);
  length.writeUInt16BE(head.length);
  return Buffer.concat([length, head, body]);
}

function text(requestId: string, path: string, body: string): string {
  return `X-RequestId:${requestId}\r\nContent-Type:application/json; charset=utf-8\r\nPath:${path}\r\n\r\n${body}`;
}

/** Starts the fake; `audio` defaults to a one-second tone. */
export async function startFakeEdgeTts(options: { audio?: Buffer } = {}): Promise<FakeEdgeServer> {
  const audio = options.audio ?? toneMp3();
  const calls: FakeEdgeCall[] = [];
  const timers = new Set<NodeJS.Timeout>();
  let mode: FakeEdgeMode = { kind: 'ok' };
  const queue: FakeEdgeMode[] = [];
  const wss = new WebSocketServer({ noServer: true });
  const started = await startHttpServer((_req, res) => {
    res.writeHead(404).end();
  }, () => {
    for (const timer of timers) clearTimeout(timer);
    wss.close();
  });

  const later = (ms: number, fn: () => void) => {
    const timer = setTimeout(() => (timers.delete(timer), fn()), ms);
    timers.add(timer);
  };

  const answer = (ws: WebSocket, call: FakeEdgeCall, current: FakeEdgeMode) => {
    const id = call.requestId ?? '';
    if (current.kind === 'silent') return;
    ws.send(text(id, 'turn.start', '{"context":{"serviceTag":"fake"}}'));
    ws.send(text(id, 'response', '{"context":{"serviceTag":"fake"},"audio":{"type":"inline","streamId":"fake"}}'));
    if (current.kind === 'no_audio') {
      ws.send(text(id, 'turn.end', '{}'));
      return;
    }
    const header = `X-RequestId:${id}\r\nContent-Type:audio/mpeg\r\nX-StreamId:fake\r\nPath:audio\r\n`;
    const half = Math.floor(audio.length / 2);
    ws.send(frame(header, audio.subarray(0, half)));
    if (current.kind === 'close_early') {
      ws.terminate();
      return;
    }
    ws.send(frame(header, audio.subarray(half)));
    ws.send(frame(header, Buffer.alloc(0))); // the service ends a stream with an empty audio frame
    ws.send(text(id, 'turn.end', '{}'));
  };

  started.server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const current = queue.shift() ?? mode;
    const query = new URL(req.url ?? '/', 'http://fake').searchParams;
    const gec = query.get('Sec-MS-GEC');
    const tokenValid = query.get('TrustedClientToken') === TRUSTED && (gec === expectedGec(0) || gec === expectedGec(1));
    const call: FakeEdgeCall = { mode: current.kind, query, userAgent: req.headers['user-agent'], origin: req.headers.origin, tokenValid };
    calls.push(call);
    const status = current.kind === 'reject' ? (current.status ?? 403) : tokenValid ? 0 : 403;
    if (status !== 0) {
      socket.end(`HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Error'}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n`);
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      ws.on('message', (data: Buffer, isBinary: boolean) => {
        if (isBinary) return;
        const message = data.toString('utf8');
        const split = message.indexOf('\r\n\r\n');
        const headerText = split < 0 ? message : message.slice(0, split);
        const body = split < 0 ? '' : message.slice(split + 4);
        const path = /^Path:(.+)$/mu.exec(headerText)?.[1]?.trim();
        if (path === 'speech.config') call.config = JSON.parse(body) as unknown;
        if (path !== 'ssml') return;
        call.ssml = body;
        call.requestId = /^X-RequestId:(.+)$/mu.exec(headerText)?.[1]?.trim();
        if (current.kind === 'ok' && current.delayMs) later(current.delayMs, () => answer(ws, call, current));
        else answer(ws, call, current);
      });
    });
  });

  return {
    ...started,
    wsUrl: `ws://127.0.0.1:${started.port}/consumer/speech/synthesize/readaloud/edge/v1`,
    calls,
    audio,
    setMode(next) {
      mode = next;
    },
    failNext(next, times = 1) {
      for (let i = 0; i < times; i += 1) queue.push(next);
    },
  };
}
