/**
 * A fake of the generation provider (KIE market API) on 127.0.0.1:0 for tests: Bearer
 * keys, scripted per-key failures, tasks with a duration and an outcome, completion
 * callbacks (or dropped ones, to test the polling fallback), and a log of every call.
 *
 * A task holds only its record and, when a callback is due, one unref'd timer; its state
 * is computed from the clock when asked. So thousands of long tasks (e.g.
 * `setDefaultTask({ outcome: 'success', durationMs: 60_000 })`) cost next to nothing.
 */
import { randomBytes } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import type http from 'node:http';
import { request } from 'undici';
import { readBody, sendJson, startHttpServer, type StartedServer } from './http.js';

/** A scripted error answer: JSON `code` and `msg`, sent with `httpStatus` (default: the code). */
export interface FakeKieFailure {
  code: number;
  msg?: string;
  httpStatus?: number;
  /** Retry-After header value, e.g. '2'. */
  retryAfter?: string;
  /** How many calls it applies to; unlimited when absent (per-key) or 1 (failNext). */
  times?: number;
}

/** Ready-made failures for the cases the classifier distinguishes. */
export const KIE_FAILURES = {
  unauthorized: { code: 401, msg: 'You do not have access permissions' },
  outOfCredits: { code: 402, msg: 'Credits insufficient' },
  rateLimited: (seconds: number): FakeKieFailure => ({ code: 429, msg: 'Too many requests', retryAfter: String(seconds) }),
  maintenance: { code: 455, msg: 'Service unavailable: maintenance' },
  serverError: { code: 500, msg: 'Server error, please try again later' },
} satisfies Record<string, FakeKieFailure | ((s: number) => FakeKieFailure)>;

/** A failMsg the classifier must read as a content-policy refusal. */
export const POLICY_FAIL_MSG = 'Your image contains photorealistic people, which violates our content policy.';
/** A failMsg that is the provider's fault, not the user's. */
export const GENERIC_FAIL_MSG = 'Generation failed due to an internal rendering error.';

/** How a created task ends. `durationMs: Infinity` never finishes unless `finish()` is called. */
export type FakeKieTaskScript =
  | { outcome: 'success'; durationMs?: number; resultUrls?: string[]; callback?: 'deliver' | 'drop' }
  | { outcome: 'fail'; durationMs?: number; failCode?: string; failMsg: string; callback?: 'deliver' | 'drop' };

/** One request the fake saw; `key` is the Bearer token (test-only, so it is kept). */
export interface FakeKieCall {
  op: 'createTask' | 'recordInfo' | 'other';
  key: string | undefined;
  httpStatus: number;
  code: number;
  taskId?: string;
  body?: unknown;
}

/** One callback POST the fake made, and how the receiver answered. */
export interface FakeKieCallbackAttempt {
  taskId: string;
  url: string;
  status?: number;
  error?: string;
}

interface FakeTask {
  taskId: string;
  model: string;
  param: string;
  createdAt: number;
  durationMs: number;
  finishedAt?: number;
  script: FakeKieTaskScript;
  callBackUrl?: string;
  timer?: NodeJS.Timeout;
}

/** Options for `startFakeKie`. */
export interface FakeKieOptions {
  /** Accepted Bearer keys (default ['kie-key-1']). */
  keys?: string[];
  /** Script used when none is queued (default: success after 30 ms). */
  defaultTask?: FakeKieTaskScript;
  /** Default callback behaviour (default 'deliver'). */
  callbacks?: 'deliver' | 'drop';
}

/** The running fake and its control surface. */
export interface FakeKieServer extends StartedServer {
  calls: FakeKieCall[];
  callbacks: FakeKieCallbackAttempt[];
  /** Every call with this key gets the failure (null clears it). */
  setKeyFailure(key: string, failure: FakeKieFailure | null): void;
  /** The next call(s) with any key get the failure, after key checks. */
  failNext(failure: FakeKieFailure): void;
  /** The next createTask follows this script (a queue). */
  scriptNextTask(script: FakeKieTaskScript): void;
  setDefaultTask(script: FakeKieTaskScript): void;
  setCallbacks(mode: 'deliver' | 'drop'): void;
  /** Ends a task now (its scripted outcome) and sends its callback if due. */
  finish(taskId: string): void;
  /** The task's current record, as recordInfo's `data` (undefined if unknown). */
  record(taskId: string): Record<string, unknown> | undefined;
  /** Tasks not yet finished. */
  inFlight(): number;
  taskIds(): string[];
}

/** Starts the fake provider. */
export async function startFakeKie(options: FakeKieOptions = {}): Promise<FakeKieServer> {
  const validKeys = new Set(options.keys ?? ['kie-key-1']);
  const keyFailures = new Map<string, FakeKieFailure>();
  const nextFailures: FakeKieFailure[] = [];
  const scripts: FakeKieTaskScript[] = [];
  let defaultTask: FakeKieTaskScript = options.defaultTask ?? { outcome: 'success', durationMs: 30 };
  let callbackMode = options.callbacks ?? 'deliver';
  const tasks = new Map<string, FakeTask>();
  const calls: FakeKieCall[] = [];
  const callbacks: FakeKieCallbackAttempt[] = [];
  const aborter = new AbortController();
  setMaxListeners(0, aborter.signal); // one listener per callback in flight
  let counter = 0;
  let baseUrl = '';

  const isFinished = (t: FakeTask): boolean => t.finishedAt !== undefined || Date.now() >= t.createdAt + t.durationMs;

  function recordOf(t: FakeTask): Record<string, unknown> {
    const now = Date.now();
    const done = isFinished(t);
    const completeTime = done ? (t.finishedAt ?? t.createdAt + t.durationMs) : null;
    let state = 'waiting';
    if (done) state = t.script.outcome;
    else if (now - t.createdAt >= Math.min(t.durationMs / 10, 1000)) state = 'generating';
    const success = done && t.script.outcome === 'success';
    const fail = done && t.script.outcome === 'fail' ? t.script : undefined;
    const urls = t.script.outcome === 'success' ? (t.script.resultUrls ?? [`${baseUrl}/results/${t.taskId}.mp4`]) : [];
    return {
      taskId: t.taskId,
      model: t.model,
      state,
      param: t.param,
      resultJson: success ? JSON.stringify({ resultUrls: urls }) : '',
      failCode: fail ? (fail.failCode ?? '501') : '',
      failMsg: fail ? fail.failMsg : '',
      costTime: completeTime === null ? 0 : completeTime - t.createdAt,
      completeTime,
      createTime: t.createdAt,
      updateTime: completeTime ?? now,
    };
  }

  function deliverCallback(t: FakeTask): void {
    const mode = t.script.callback ?? callbackMode;
    if (!t.callBackUrl || mode === 'drop' || aborter.signal.aborted) return;
    const attempt: FakeKieCallbackAttempt = { taskId: t.taskId, url: t.callBackUrl };
    callbacks.push(attempt);
    const body = JSON.stringify({ code: 200, msg: 'success', data: recordOf(t) });
    request(t.callBackUrl, { method: 'POST', body, headers: { 'content-type': 'application/json' }, signal: aborter.signal })
      .then(async (res) => {
        attempt.status = res.statusCode;
        await res.body.dump();
      })
      .catch((error: unknown) => {
        attempt.error = error instanceof Error ? error.message : String(error);
      });
  }

  function finish(taskId: string): void {
    const t = tasks.get(taskId);
    if (!t || isFinished(t)) return;
    clearTimeout(t.timer);
    t.finishedAt = Date.now();
    deliverCallback(t);
  }

  function pickFailure(key: string | undefined): FakeKieFailure | undefined {
    const perKey = key === undefined ? undefined : keyFailures.get(key);
    if (perKey) {
      if (perKey.times !== undefined && --perKey.times <= 0) keyFailures.delete(key!);
      return perKey;
    }
    if (key === undefined || !validKeys.has(key)) return KIE_FAILURES.unauthorized;
    const next = nextFailures[0];
    if (next) {
      next.times = (next.times ?? 1) - 1;
      if (next.times <= 0) nextFailures.shift();
      return next;
    }
    return undefined;
  }

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const raw = await readBody(req);
    if (req.method === 'GET' && url.pathname.startsWith('/results/')) {
      res.writeHead(200, { 'content-type': 'video/mp4', 'content-length': 16 });
      res.end(Buffer.alloc(16, 7));
      return;
    }
    const op = url.pathname === '/api/v1/jobs/createTask' && req.method === 'POST' ? 'createTask' : url.pathname === '/api/v1/jobs/recordInfo' && req.method === 'GET' ? 'recordInfo' : 'other';
    const auth = req.headers.authorization;
    const key = auth?.startsWith('Bearer ') ? auth.slice(7) : undefined;
    let body: unknown;
    try {
      body = raw.length ? (JSON.parse(raw.toString('utf8')) as unknown) : undefined;
    } catch {
      body = raw.toString('utf8');
    }
    const reply = (httpStatus: number, payload: Record<string, unknown>, extra: Partial<FakeKieCall> = {}, headers: Record<string, string> = {}): void => {
      calls.push({ op, key, httpStatus, code: Number(payload.code), body, ...extra });
      sendJson(res, httpStatus, payload, headers);
    };
    if (op === 'other') return reply(404, { code: 404, msg: 'Not Found' });

    const failure = pickFailure(key);
    if (failure) {
      const headers: Record<string, string> = failure.retryAfter ? { 'retry-after': failure.retryAfter } : {};
      return reply(failure.httpStatus ?? failure.code, { code: failure.code, msg: failure.msg ?? 'error', data: null }, {}, headers);
    }

    if (op === 'createTask') {
      const b = (body ?? {}) as { model?: unknown; callBackUrl?: unknown; input?: { prompt?: unknown } };
      if (typeof b.model !== 'string' || !b.model || typeof b.input?.prompt !== 'string' || !b.input.prompt) {
        return reply(422, { code: 422, msg: 'model and input.prompt are required', data: null });
      }
      const script = scripts.shift() ?? defaultTask;
      const taskId = `task_${++counter}_${randomBytes(4).toString('hex')}`;
      const t: FakeTask = {
        taskId,
        model: b.model,
        param: JSON.stringify(body),
        createdAt: Date.now(),
        durationMs: script.durationMs ?? 30,
        script,
        callBackUrl: typeof b.callBackUrl === 'string' && b.callBackUrl ? b.callBackUrl : undefined,
      };
      tasks.set(taskId, t);
      if (t.callBackUrl && Number.isFinite(t.durationMs)) {
        t.timer = setTimeout(() => {
          t.timer = undefined;
          if (t.finishedAt === undefined) t.finishedAt = t.createdAt + t.durationMs;
          deliverCallback(t);
        }, t.durationMs);
        t.timer.unref();
      }
      return reply(200, { code: 200, msg: 'success', data: { taskId } }, { taskId });
    }

    const taskId = url.searchParams.get('taskId') ?? '';
    const t = tasks.get(taskId);
    if (!t) return reply(200, { code: 404, msg: 'task not found', data: null }, { taskId });
    return reply(200, { code: 200, msg: 'success', data: recordOf(t) }, { taskId });
  }

  const started = await startHttpServer(handle, () => {
    aborter.abort();
    for (const t of tasks.values()) clearTimeout(t.timer);
  });
  baseUrl = started.url;

  return {
    ...started,
    calls,
    callbacks,
    setKeyFailure(key, failure) {
      if (failure) keyFailures.set(key, { ...failure });
      else keyFailures.delete(key);
    },
    failNext(failure) {
      nextFailures.push({ ...failure });
    },
    scriptNextTask(script) {
      scripts.push(script);
    },
    setDefaultTask(script) {
      defaultTask = script;
    },
    setCallbacks(mode) {
      callbackMode = mode;
    },
    finish,
    record(taskId) {
      const t = tasks.get(taskId);
      return t ? recordOf(t) : undefined;
    },
    inFlight() {
      let n = 0;
      for (const t of tasks.values()) if (!isFinished(t)) n++;
      return n;
    },
    taskIds() {
      return [...tasks.keys()];
    },
  };
}
