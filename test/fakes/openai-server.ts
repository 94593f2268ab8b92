/**
 * A fake OpenAI-compatible chat completions endpoint on 127.0.0.1:0, for the prompt
 * writer: Bearer check, a scripted reply, and scripted 401/500/slow answers.
 */
import type http from 'node:http';
import { readBody, sendJson, startHttpServer, type StartedServer } from './http.js';

/** One recorded request. */
export interface FakeOpenAiCall {
  path: string;
  key: string | undefined;
  body: unknown;
}

/** How the next request misbehaves. */
export type FakeOpenAiFailure =
  | { status: number; message?: string }
  /** Answer correctly, but only after this long (for timeout tests). */
  | { delayMs: number };

/** Options for `startFakeOpenAi`. */
export interface FakeOpenAiOptions {
  /** Accepted key (default 'sk-test'). */
  apiKey?: string;
  /** The assistant's answer (default: a fixed prompt text). */
  reply?: string;
}

/** The running fake and its control surface. */
export interface FakeOpenAiServer extends StartedServer {
  /** Base URL including `/v1`, like OPENAI_BASE_URL. */
  baseUrl: string;
  calls: FakeOpenAiCall[];
  failNext(failure: FakeOpenAiFailure): void;
  setReply(reply: string): void;
}

/** Default answer of the fake model. */
export const FAKE_COMPLETION = 'Slow dolly-in on the product on a marble table, soft morning light, shallow depth of field.';

/** Starts the fake. */
export async function startFakeOpenAi(options: FakeOpenAiOptions = {}): Promise<FakeOpenAiServer> {
  const apiKey = options.apiKey ?? 'sk-test';
  let reply = options.reply ?? FAKE_COMPLETION;
  const failures: FakeOpenAiFailure[] = [];
  const calls: FakeOpenAiCall[] = [];
  const timers = new Set<NodeJS.Timeout>();
  let counter = 0;

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const raw = await readBody(req);
    const auth = req.headers.authorization;
    const key = auth?.startsWith('Bearer ') ? auth.slice(7) : undefined;
    let body: unknown;
    try {
      body = raw.length ? (JSON.parse(raw.toString('utf8')) as unknown) : undefined;
    } catch {
      body = undefined;
    }
    calls.push({ path: url.pathname, key, body });
    if (req.method !== 'POST' || !/^(\/v1)?\/chat\/completions$/.test(url.pathname)) {
      return sendJson(res, 404, { error: { message: 'Not found', type: 'invalid_request_error' } });
    }
    const failure = failures.shift();
    if (failure && 'status' in failure) {
      return sendJson(res, failure.status, { error: { message: failure.message ?? `error ${failure.status}`, type: 'server_error', code: null } });
    }
    if (key !== apiKey) return sendJson(res, 401, { error: { message: 'Incorrect API key provided', type: 'invalid_request_error', code: 'invalid_api_key' } });
    if (failure && 'delayMs' in failure) {
      await new Promise<void>((resolve) => {
        const t = setTimeout(() => {
          timers.delete(t);
          resolve();
        }, failure.delayMs);
        timers.add(t);
      });
      if (res.destroyed) return;
    }
    const model = (body as { model?: unknown } | undefined)?.model;
    sendJson(res, 200, {
      id: `chatcmpl-fake-${++counter}`,
      object: 'chat.completion',
      created: Math.floor(Date.now() / 1000),
      model: typeof model === 'string' ? model : 'fake',
      choices: [{ index: 0, message: { role: 'assistant', content: reply }, finish_reason: 'stop' }],
      usage: { prompt_tokens: 10, completion_tokens: 20, total_tokens: 30 },
    });
  }

  const started = await startHttpServer(handle, () => {
    for (const t of timers) clearTimeout(t);
  });
  return {
    ...started,
    baseUrl: `${started.url}/v1`,
    calls,
    failNext(failure) {
      failures.push(failure);
    },
    setReply(next) {
      reply = next;
    },
  };
}
