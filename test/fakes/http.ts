/**
 * Shared plumbing for the fake servers: listen on 127.0.0.1:0, read and parse bodies,
 * answer JSON, and close for real — every socket destroyed, even ones a "hang" mode
 * is holding open, so a closed fake refuses connections (ECONNREFUSED) right away.
 */
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/** A running fake: its base URL and a close that cannot leave sockets behind. */
export interface StartedServer {
  url: string;
  port: number;
  server: http.Server;
  /** Destroys every open socket, then waits for the listener to close. Idempotent. */
  close(): Promise<void>;
}

/** A request handler; a thrown error becomes a 500 so a buggy fake fails loudly. */
export type FakeHandler = (req: http.IncomingMessage, res: http.ServerResponse) => void | Promise<void>;

/** Starts a loopback HTTP server on a free port. */
export async function startHttpServer(handler: FakeHandler, onClose?: () => void): Promise<StartedServer> {
  const sockets = new Set<Socket>();
  const server = http.createServer((req, res) => {
    Promise.resolve(handler(req, res)).catch((error: unknown) => {
      if (!res.headersSent) sendJson(res, 500, { error: 'fake server bug', detail: String(error) });
      else res.destroy();
    });
  });
  server.keepAliveTimeout = 1000;
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  let closing: Promise<void> | undefined;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    server,
    close() {
      closing ??= new Promise<void>((resolve) => {
        onClose?.();
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      });
      return closing;
    },
  };
}

/** Reads a whole request body. */
export async function readBody(req: http.IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** Answers with JSON and the given status and headers. */
export function sendJson(res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

/** A file part of a multipart body, summarised (tests assert on name and size). */
export interface UploadedFile {
  fileName: string;
  size: number;
}

/**
 * Parses a body the way Telegram does: JSON, urlencoded, or multipart (leniently — grammY
 * writes `content-disposition:form-data;name="x"` without a space), merged over the query.
 * `attach://name` values resolve to the uploaded part.
 */
export function parseRequestBody(buf: Buffer, contentType: string | undefined, query: URLSearchParams): Record<string, unknown> {
  const out: Record<string, unknown> = Object.fromEntries(query);
  const type = (contentType ?? '').toLowerCase();
  if (buf.length === 0) return out;
  if (type.startsWith('application/json')) {
    const parsed = JSON.parse(buf.toString('utf8')) as unknown;
    if (parsed && typeof parsed === 'object') Object.assign(out, parsed);
  } else if (type.startsWith('application/x-www-form-urlencoded')) {
    Object.assign(out, Object.fromEntries(new URLSearchParams(buf.toString('utf8'))));
  } else if (type.startsWith('multipart/form-data')) {
    const boundary = /boundary="?([^";]+)"?/i.exec(contentType ?? '')?.[1];
    if (boundary) Object.assign(out, parseMultipart(buf, boundary));
  }
  return out;
}

function parseMultipart(buf: Buffer, boundary: string): Record<string, unknown> {
  const fields: Record<string, unknown> = {};
  const files: Record<string, UploadedFile> = {};
  const sections = buf.toString('latin1').split(`--${boundary}`).slice(1);
  for (const section of sections) {
    if (section.startsWith('--')) break;
    const part = section.replace(/^\r\n/, '').replace(/\r\n$/, '');
    const split = part.indexOf('\r\n\r\n');
    if (split < 0) continue;
    const head = part.slice(0, split);
    const content = part.slice(split + 4);
    const name = /name="([^"]*)"/i.exec(head)?.[1];
    if (!name) continue;
    const fileName = /filename="?([^";\r\n]*)"?/i.exec(head)?.[1];
    if (fileName !== undefined) files[name] = { fileName, size: Buffer.byteLength(content, 'latin1') };
    else fields[name] = Buffer.from(content, 'latin1').toString('utf8');
  }
  for (const [key, value] of Object.entries(fields)) {
    const ref = typeof value === 'string' ? /^attach:\/\/(.+)$/.exec(value)?.[1] : undefined;
    if (ref && files[ref]) fields[key] = files[ref];
  }
  for (const [name, file] of Object.entries(files)) if (!(name in fields)) fields[name] = file;
  return fields;
}

/** Waits until `check` holds, polling every 5 ms; fails after `timeoutMs`. For tests only. */
export async function waitFor(check: () => boolean, timeoutMs = 2000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
