/**
 * One undici call for the outside-world clients (provider, prompt writer, Telegram):
 * a hard deadline, a capped body, and — the part that matters for exactly-once — whether
 * the request was ever put on a socket. A failure before that point certainly did not
 * reach the other side and is safe to resend; after it, the outcome is unknown.
 */
import type { Agent, Dispatcher } from 'undici';

/**
 * undici, loaded at the first call: `serve --workers 0` imports these clients through the job
 * handlers and the provider callback route but may never call out (issue 10: ~5 MB of RSS).
 */
let undici: Promise<typeof import('undici')> | undefined;
const loadUndici = () => (undici ??= import('undici'));

/**
 * The clients' own connection pool. Not undici's global dispatcher: that slot is shared with
 * Node's bundled fetch, and once fetch (another major of undici) has filled it, this
 * version's composed calls on it fail with UND_ERR_INVALID_ARG.
 */
let sharedAgent: Agent | undefined;

/** What a client needs to make one call. */
export interface HttpCall {
  url: string;
  method: 'GET' | 'POST';
  headers?: Record<string, string>;
  /** Serialised as JSON with a JSON content type. */
  json?: unknown;
  /** Deadline for the whole exchange: connect, send, headers and body. */
  timeoutMs: number;
  /** An Agent with its own connect timeout or pool; the clients' shared one otherwise. */
  dispatcher?: Dispatcher;
  /** Larger answers are cut off and treated as a network error (default 1 MiB). */
  maxBodyBytes?: number;
}

/** An answer that arrived: status, headers, text and the JSON it held (undefined if not JSON). */
export interface HttpAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  json: unknown;
}

/** Either the answer, or the error plus whether the request may have reached the server. */
export type HttpOutcome =
  | { ok: true; answer: HttpAnswer }
  | { ok: false; error: unknown; requestSent: boolean };

/** Makes one call and never throws: network failures come back as values. */
export async function callHttp(call: HttpCall): Promise<HttpOutcome> {
  const { Agent, request } = await loadUndici();
  const tracker = { sent: false };
  const base = call.dispatcher ?? (sharedAgent ??= new Agent());
  const dispatcher = base.compose((dispatch) => (opts, handler) => dispatch(opts, trackSend(handler, tracker)));
  const headers: Record<string, string> = { accept: 'application/json', ...call.headers };
  let body: string | undefined;
  if (call.json !== undefined) {
    body = JSON.stringify(call.json);
    headers['content-type'] = 'application/json';
  }
  try {
    const res = await request(call.url, {
      method: call.method,
      headers,
      body,
      dispatcher,
      signal: AbortSignal.timeout(call.timeoutMs),
    });
    const text = await readCapped(res.body, call.maxBodyBytes ?? 1024 * 1024);
    return { ok: true, answer: { status: res.statusCode, headers: res.headers, text, json: parseJson(text) } };
  } catch (error) {
    return { ok: false, error, requestSent: tracker.sent };
  }
}

/** Wraps a dispatch handler so we learn when undici starts writing the request. */
function trackSend(handler: Dispatcher.DispatchHandler, tracker: { sent: boolean }): Dispatcher.DispatchHandler {
  return {
    onRequestStart(controller, context) {
      tracker.sent = true;
      return handler.onRequestStart?.(controller, context);
    },
    onRequestUpgrade: (...args) => handler.onRequestUpgrade?.(...args),
    onResponseStart: (...args) => handler.onResponseStart?.(...args),
    onResponseData: (...args) => handler.onResponseData?.(...args),
    onResponseEnd: (...args) => handler.onResponseEnd?.(...args),
    onResponseError: (...args) => handler.onResponseError?.(...args),
  };
}

async function readCapped(body: AsyncIterable<Buffer>, maxBytes: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += chunk.length;
    if (size > maxBytes) {
      const error = new Error(`response body over ${maxBytes} bytes`) as Error & { code: string };
      error.code = 'ERR_BODY_TOO_LARGE';
      throw error;
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function parseJson(text: string): unknown {
  if (!text) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** First value of a header that may repeat. */
export function headerValue(headers: HttpAnswer['headers'], name: string): string | undefined {
  const v = headers[name.toLowerCase()];
  return Array.isArray(v) ? v[0] : v;
}

/** Narrows parsed JSON to a plain object. */
export function asObject(value: unknown): Record<string, unknown> | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}
