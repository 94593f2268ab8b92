/**
 * A fake Telegram Bot API on 127.0.0.1:0, for delivery tests and for driving grammY
 * offline (`new Bot(token, { client: { apiRoot: fake.apiRoot } })`). It routes
 * `/bot<token>/<method>`, reads JSON, urlencoded and multipart bodies, answers
 * `{ok:true,result}` / `{ok:false,error_code,description,parameters}`, records every call,
 * and can fail, hang (never answer) or reset per method. After `close()` connections are
 * refused.
 *
 * It also keeps a webhook (setWebhook / getWebhookInfo / deleteWebhook) that `postWebhook`
 * delivers to with the registered secret, and serves files at `/file/bot<token>/<path>`
 * (`getFile` paths; bytes set with `setFile`, else a small deterministic JPEG-like blob).
 */
import type http from 'node:http';
import { parseRequestBody, readBody, sendJson, startHttpServer, type StartedServer } from './http.js';

/** One recorded Bot API call. */
export interface FakeTelegramCall {
  method: string;
  payload: Record<string, unknown>;
  contentType: string;
  bytes: number;
}

/** How a scripted call misbehaves. */
export type FakeTelegramFailure =
  /** A Bot API error answer (HTTP status = error_code unless `httpStatus`). */
  | { error_code: number; description: string; parameters?: { retry_after?: number; migrate_to_chat_id?: number }; httpStatus?: number }
  /** Read the request, never answer (until close). */
  | { hang: true }
  /** Read the request, then destroy the socket: the client sees a reset after sending. */
  | { reset: true }
  /** A non-Bot-API answer, e.g. a proxy's HTML 502. */
  | { raw: { status: number; body: string; contentType?: string } };

/** Ready-made failures (descriptions as Telegram words them). */
export const TG_FAILURES = {
  tooManyRequests: (retryAfter: number): FakeTelegramFailure => ({ error_code: 429, description: `Too Many Requests: retry after ${retryAfter}`, parameters: { retry_after: retryAfter } }),
  blocked: { error_code: 403, description: 'Forbidden: bot was blocked by the user' } as FakeTelegramFailure,
  chatNotFound: { error_code: 400, description: 'Bad Request: chat not found' } as FakeTelegramFailure,
  notModified: { error_code: 400, description: 'Bad Request: message is not modified' } as FakeTelegramFailure,
  internal: { error_code: 500, description: 'Internal Server Error' } as FakeTelegramFailure,
  badGateway: { raw: { status: 502, body: '<html><body>502 Bad Gateway</body></html>', contentType: 'text/html' } } as FakeTelegramFailure,
  hang: { hang: true } as FakeTelegramFailure,
  reset: { reset: true } as FakeTelegramFailure,
};

/** Options for `startFakeTelegram`. */
export interface FakeTelegramOptions {
  token?: string;
  botId?: number;
  username?: string;
  /** Cap on getUpdates long-poll waits, so tests stay fast (default 1000 ms). */
  maxPollMs?: number;
}

/** A handler that computes a method's `result` from its payload. */
export type FakeTelegramMethod = (payload: Record<string, unknown>) => unknown;

/** The running fake and its control surface. */
export interface FakeTelegramServer extends StartedServer {
  /** Pass as grammY's `client.apiRoot` or telegram-send's `apiRoot` (no trailing slash). */
  apiRoot: string;
  token: string;
  botUser: { id: number; is_bot: true; first_name: string; username: string };
  calls: FakeTelegramCall[];
  callsOf(method: string): FakeTelegramCall[];
  /** Queues a failure for the next call of `method` ('*' for any method). */
  failNext(method: string, failure: FakeTelegramFailure): void;
  /** Every call of `method` fails until cleared with null. */
  failAlways(method: string, failure: FakeTelegramFailure | null): void;
  /** Replaces or adds a method's handler. */
  setMethod(method: string, handler: FakeTelegramMethod): void;
  /** Queues an update for getUpdates (update_id assigned when missing). */
  pushUpdate(update: Record<string, unknown>): Record<string, unknown>;
  /** Requests being held open by `hang`. */
  hanging(): number;
  /** What setWebhook registered (url empty when none). */
  webhook: { url: string; secret_token?: string; allowed_updates?: string[] };
  /** POSTs an update to the registered webhook (or `url`) with its secret (or `secret`); resolves with the HTTP status. */
  postWebhook(update: Record<string, unknown>, options?: { url?: string; secret?: string | null }): Promise<{ status: number; body: string }>;
  /** The bytes `/file/bot<token>/<path>` serves for a file_id. */
  setFile(fileId: string, bytes: Buffer): void;
  /** Downloads served so far, by file path. */
  downloads: string[];
}

/** Starts the fake Bot API. */
export async function startFakeTelegram(options: FakeTelegramOptions = {}): Promise<FakeTelegramServer> {
  const token = options.token ?? '123456:TEST-token';
  const botId = options.botId ?? (Number(token.split(':')[0]) || 123456);
  const botUser = { id: botId, is_bot: true as const, first_name: 'Test Bot', username: options.username ?? 'ttops_test_bot' };
  const maxPollMs = options.maxPollMs ?? 1000;
  const calls: FakeTelegramCall[] = [];
  const queued = new Map<string, FakeTelegramFailure[]>();
  const always = new Map<string, FakeTelegramFailure>();
  const updates: Record<string, unknown>[] = [];
  let pollWaiters: Array<() => void> = [];
  const held = new Set<http.ServerResponse>();
  let nextMessageId = 1000;
  let nextUpdateId = 1;
  const webhook: FakeTelegramServer['webhook'] = { url: '' };
  const files = new Map<string, Buffer>();
  const downloads: string[] = [];
  const fileBytes = (fileId: string): Buffer => files.get(fileId) ?? Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.from(`fake photo ${fileId}`), Buffer.from([0xff, 0xd9])]);

  const message = (p: Record<string, unknown>, extra: Record<string, unknown>): Record<string, unknown> => {
    const chatId = Number(p.chat_id);
    return { message_id: ++nextMessageId, date: Math.floor(Date.now() / 1000), chat: { id: chatId, type: chatId < 0 ? 'supergroup' : 'private', first_name: 'User' }, from: botUser, ...extra };
  };
  const methods = new Map<string, FakeTelegramMethod>([
    ['getMe', () => ({ ...botUser, can_join_groups: true, can_read_all_group_messages: false, supports_inline_queries: false, can_connect_to_business: false, has_main_web_app: false })],
    [
      'setWebhook',
      (p) => {
        webhook.url = String(p.url ?? '');
        webhook.secret_token = p.secret_token === undefined ? undefined : String(p.secret_token);
        webhook.allowed_updates = listOf(p.allowed_updates);
        return true;
      },
    ],
    [
      'deleteWebhook',
      () => {
        webhook.url = '';
        webhook.secret_token = undefined;
        webhook.allowed_updates = undefined;
        return true;
      },
    ],
    ['getWebhookInfo', () => ({ url: webhook.url, has_custom_certificate: false, pending_update_count: updates.length, ...(webhook.allowed_updates ? { allowed_updates: webhook.allowed_updates } : {}) })],
    ['setMyCommands', () => true],
    ['sendChatAction', () => true],
    ['answerCallbackQuery', () => true],
    ['answerPreCheckoutQuery', () => true],
    ['refundStarPayment', () => true],
    ['getStarTransactions', () => ({ transactions: [] })],
    ['deleteMessage', () => true],
    ['sendMessage', (p) => message(p, { text: p.text })],
    ['editMessageText', (p) => message(p, { text: p.text, edit_date: Math.floor(Date.now() / 1000) })],
    ['sendPhoto', (p) => message(p, { photo: [{ file_id: `PH_${nextMessageId}`, file_unique_id: `uph${nextMessageId}`, width: 90, height: 90 }], caption: p.caption })],
    ['sendVideo', (p) => message(p, { video: { file_id: `VID_${nextMessageId}`, file_unique_id: `uv${nextMessageId}`, width: 720, height: 1280, duration: 10 }, caption: p.caption })],
    ['sendInvoice', (p) => message(p, { invoice: { title: p.title, description: p.description, start_parameter: '', currency: p.currency, total_amount: firstPrice(p.prices) } })],
    ['getFile', (p) => ({ file_id: p.file_id, file_unique_id: `u_${String(p.file_id)}`, file_size: fileBytes(String(p.file_id)).length, file_path: `photos/${String(p.file_id)}.jpg` })],
  ]);

  function takeFailure(method: string): FakeTelegramFailure | undefined {
    for (const name of [method, '*']) {
      const q = queued.get(name);
      if (q?.length) return q.shift();
    }
    return always.get(method) ?? always.get('*');
  }

  async function getUpdates(payload: Record<string, unknown>): Promise<unknown[]> {
    const offset = Number(payload.offset ?? 0);
    // Like Telegram: an offset confirms (drops) every update below it.
    while (updates.length && Number(updates[0].update_id) < offset) updates.shift();
    const pending = (): Record<string, unknown>[] => updates.filter((u) => Number(u.update_id) >= offset);
    const waitMs = Math.min(Number(payload.timeout ?? 0) * 1000, maxPollMs);
    if (pending().length === 0 && waitMs > 0) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, waitMs);
        function done(): void {
          clearTimeout(timer);
          pollWaiters = pollWaiters.filter((w) => w !== done);
          resolve();
        }
        pollWaiters.push(done);
      });
    }
    return pending().slice(0, Number(payload.limit ?? 100));
  }

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const raw = await readBody(req);
    const download = /^\/file\/bot([^/]+)\/photos\/([^/]+)\.jpg$/.exec(url.pathname);
    if (download) {
      if (download[1] !== token) return sendJson(res, 401, { ok: false, error_code: 401, description: 'Unauthorized' });
      downloads.push(url.pathname.slice(`/file/bot${token}/`.length));
      res.writeHead(200, { 'content-type': 'image/jpeg' });
      return void res.end(fileBytes(decodeURIComponent(download[2])));
    }
    const route = /^\/bot([^/]+)\/(?:test\/)?([A-Za-z]+)$/.exec(url.pathname);
    if (!route) return sendJson(res, 404, { ok: false, error_code: 404, description: 'Not Found' });
    if (route[1] !== token) return sendJson(res, 401, { ok: false, error_code: 401, description: 'Unauthorized' });
    const method = route[2];
    const contentType = req.headers['content-type'] ?? '';
    let payload: Record<string, unknown>;
    try {
      payload = parseRequestBody(raw, contentType, url.searchParams);
    } catch {
      return sendJson(res, 400, { ok: false, error_code: 400, description: "Bad Request: can't parse JSON" });
    }
    calls.push({ method, payload, contentType, bytes: raw.length });

    const failure = takeFailure(method);
    if (failure && 'hang' in failure) {
      held.add(res);
      res.on('close', () => held.delete(res));
      return;
    }
    if (failure && 'reset' in failure) return void req.socket.destroy();
    if (failure && 'raw' in failure) {
      res.writeHead(failure.raw.status, { 'content-type': failure.raw.contentType ?? 'text/plain' });
      return void res.end(failure.raw.body);
    }
    if (failure) {
      const { httpStatus, ...body } = failure;
      return sendJson(res, httpStatus ?? failure.error_code, { ok: false, ...body });
    }
    if (method === 'getUpdates') return sendJson(res, 200, { ok: true, result: await getUpdates(payload) });
    const handler = methods.get(method);
    if (!handler) return sendJson(res, 404, { ok: false, error_code: 404, description: 'Not Found: method not found' });
    return sendJson(res, 200, { ok: true, result: handler(payload) });
  }

  const started = await startHttpServer(handle, () => {
    for (const wake of [...pollWaiters]) wake();
  });

  return {
    ...started,
    apiRoot: started.url,
    token,
    botUser,
    calls,
    callsOf: (method) => calls.filter((c) => c.method === method),
    failNext(method, failure) {
      const q = queued.get(method) ?? [];
      q.push(failure);
      queued.set(method, q);
    },
    failAlways(method, failure) {
      if (failure) always.set(method, failure);
      else always.delete(method);
    },
    setMethod(method, handler) {
      methods.set(method, handler);
    },
    pushUpdate(update) {
      const withId = { update_id: update.update_id ?? nextUpdateId++, ...update };
      updates.push(withId);
      for (const wake of [...pollWaiters]) wake();
      return withId;
    },
    hanging: () => held.size,
    webhook,
    async postWebhook(update, options = {}) {
      const target = options.url ?? webhook.url;
      if (!target) throw new Error('no webhook is set');
      const secret = options.secret === undefined ? webhook.secret_token : options.secret;
      const withId = { update_id: update.update_id ?? nextUpdateId++, ...update };
      const response = await fetch(target, { method: 'POST', headers: { 'content-type': 'application/json', ...(secret ? { 'x-telegram-bot-api-secret-token': secret } : {}) }, body: JSON.stringify(withId) });
      return { status: response.status, body: await response.text() };
    },
    setFile(fileId, bytes) {
      files.set(fileId, bytes);
    },
    downloads,
  };
}

function listOf(value: unknown): string[] | undefined {
  if (value === undefined) return undefined;
  const list: unknown = typeof value === 'string' ? JSON.parse(value) : value;
  return Array.isArray(list) ? list.map(String) : undefined;
}

function firstPrice(prices: unknown): unknown {
  const list: unknown = typeof prices === 'string' ? JSON.parse(prices) : prices;
  return Array.isArray(list) ? (list[0] as { amount?: unknown } | undefined)?.amount : undefined;
}
