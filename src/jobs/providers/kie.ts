/**
 * The generation provider client (KIE "market" API): submit a task, read its record. It
 * holds several API keys and rotates on 401/402/429 — those answers mean the request was
 * rejected, so trying the next key is safe — cooling a bad key down for a while. Keys
 * never appear in errors, logs or `keyStates()`; they are referred to by index.
 *
 * It never retries on network errors or 5xx itself: the worker owns retries (backoff,
 * attempts), and a createTask that timed out may already exist at the provider.
 */
import type { Dispatcher } from 'undici';
import { EXIT, TtopsError } from '../../errors.js';
import { classifyProviderFailure, type ProviderFailure } from '../classify.js';
import { asObject, callHttp, headerValue, type HttpAnswer } from './http.js';
import { parseKieTaskRecord, type KieTaskRecord } from './kie-record.js';

export type { KieTaskRecord, KieTaskState } from './kie-record.js';

/** How the client is built; the worker takes these from config (KIE_BASE_URL, KIE_API_KEYS). */
export interface KieClientOptions {
  /** Without a trailing slash, e.g. https://api.kie.ai. */
  baseUrl: string;
  apiKeys: string[];
  /** Deadline per HTTP call. */
  timeoutMs: number;
  /** How long a key that answered 401/402/429 is left alone. */
  cooldownMs: number;
  now?: () => number;
  dispatcher?: Dispatcher;
  /** Called when every key is unusable for a reason other than rate limits: the admin alert hook. */
  onKeysExhausted?: (error: ProviderKeysExhaustedError) => void;
}

/** One task submission; maps to the provider's `input` object. */
export interface KieCreateTaskInput {
  model: string;
  prompt: string;
  /** Public image URLs, for image-to-video models; omit for text-only models. */
  imageUrls?: string[];
  callBackUrl: string;
  aspectRatio?: 'portrait' | 'landscape';
  nFrames?: '10' | '15' | number;
  removeWatermark?: boolean;
}

/** A submitted task; persist both at once, so a crash never resubmits (a paid duplicate). */
export interface KieCreatedTask {
  taskId: string;
  /** The key that created it: tasks may be scoped to that key's account, so poll with it. */
  keyIndex: number;
}

/** A key's health for status output and admin alerts; never the key itself. */
export interface KieKeyState {
  index: number;
  /** Epoch ms until which the key is skipped, or null when it is usable now. */
  coolingUntil: number | null;
  /** Classification code of the key's last failure (e.g. provider_unauthorized), null after a success. */
  lastFailure: string | null;
}

/** A provider call failed in a way the worker handles by `failure.kind`. */
export class ProviderError extends TtopsError {
  readonly failure: ProviderFailure;
  /** False only when the request certainly never reached the provider (refused, DNS). */
  readonly requestSent: boolean;
  readonly keyIndex: number | undefined;

  constructor(failure: ProviderFailure, options: { operation: string; keyIndex?: number; requestSent: boolean; cause?: unknown }) {
    super(failure.code, `${options.operation}: ${failure.message}`, failure.kind === 'transient' ? 503 : 502, failure.kind === 'transient' ? EXIT.unreachable : EXIT.failure, {
      cause: options.cause,
      context: { operation: options.operation, kind: failure.kind, keyIndex: options.keyIndex, retryAfterMs: failure.retryAfterMs },
    });
    this.failure = failure;
    this.requestSent = options.requestSent;
    this.keyIndex = options.keyIndex;
  }
}

/** No API key is usable: the worker reschedules the job and (unless only rate limited) alerts the admin. */
export class ProviderKeysExhaustedError extends TtopsError {
  /** Until the first key leaves its cooldown. */
  readonly retryAfterMs: number;
  /** True when every key is only rate limited (429): wait, no admin alert needed. */
  readonly rateLimitedOnly: boolean;
  readonly keys: KieKeyState[];

  constructor(keys: KieKeyState[], retryAfterMs: number) {
    const codes = [...new Set(keys.map((k) => k.lastFailure).filter((c): c is string => c !== null))];
    const rateLimitedOnly = codes.length > 0 && codes.every((c) => c === 'provider_rate_limited');
    const why = codes.length ? codes.join(', ') : 'cooling down';
    super(
      'provider_keys_exhausted',
      `all ${keys.length} generation provider key(s) are unusable (${why}); the first is tried again in ${Math.ceil(retryAfterMs / 1000)} s — check KIE_API_KEYS and the provider account balance`,
      503,
      EXIT.unreachable,
      { context: { keys, retryAfterMs, rateLimitedOnly } },
    );
    this.retryAfterMs = retryAfterMs;
    this.rateLimitedOnly = rateLimitedOnly;
    this.keys = keys;
  }
}

interface KeySlot {
  key: string;
  coolingUntil: number;
  lastFailure: string | null;
}

/** Talks to the provider with key rotation; one instance per worker process. */
export class KieClient {
  readonly #baseUrl: string;
  readonly #slots: KeySlot[];
  readonly #timeoutMs: number;
  readonly #cooldownMs: number;
  readonly #now: () => number;
  readonly #dispatcher: Dispatcher | undefined;
  readonly #onKeysExhausted: ((error: ProviderKeysExhaustedError) => void) | undefined;
  #cursor = 0;

  constructor(options: KieClientOptions) {
    const keys = options.apiKeys.map((k) => k.trim()).filter((k) => k.length > 0);
    if (keys.length === 0) throw new TtopsError('provider_keys_missing', 'no generation provider key is configured — set KIE_API_KEYS (a comma list)', 500, EXIT.config);
    this.#baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.#slots = keys.map((key) => ({ key, coolingUntil: 0, lastFailure: null }));
    this.#timeoutMs = options.timeoutMs;
    this.#cooldownMs = options.cooldownMs;
    this.#now = options.now ?? Date.now;
    this.#dispatcher = options.dispatcher;
    this.#onKeysExhausted = options.onKeysExhausted;
  }

  /** Submits a generation; the answer must be stored before anything else happens. */
  async createTask(input: KieCreateTaskInput): Promise<KieCreatedTask> {
    const body = {
      model: input.model,
      callBackUrl: input.callBackUrl,
      input: {
        prompt: input.prompt,
        ...(input.imageUrls?.length ? { image_urls: input.imageUrls } : {}),
        ...(input.aspectRatio ? { aspect_ratio: input.aspectRatio } : {}),
        ...(input.nFrames !== undefined ? { n_frames: String(input.nFrames) } : {}),
        ...(input.removeWatermark !== undefined ? { remove_watermark: input.removeWatermark } : {}),
      },
    };
    return this.#call('createTask', { method: 'POST', path: '/api/v1/jobs/createTask', json: body }, undefined, (data, keyIndex) => {
      const taskId = asObject(data)?.taskId;
      return typeof taskId === 'string' && taskId ? { taskId, keyIndex } : undefined;
    });
  }

  /**
   * Reads a task's record. With `keyIndex` (from createTask) only that key is used, since
   * another key may belong to another account that does not know the task.
   */
  async recordInfo(taskId: string, options: { keyIndex?: number } = {}): Promise<KieTaskRecord> {
    const path = `/api/v1/jobs/recordInfo?taskId=${encodeURIComponent(taskId)}`;
    return this.#call('recordInfo', { method: 'GET', path }, options.keyIndex, (data, keyIndex) => {
      if (data === null || data === undefined) {
        const failure: ProviderFailure = { kind: 'permanent', code: 'provider_not_found', message: `provider has no record of task ${taskId}` };
        throw new ProviderError(failure, { operation: 'recordInfo', keyIndex, requestSent: true });
      }
      const record = parseKieTaskRecord(data);
      return typeof record === 'string' ? undefined : record;
    });
  }

  /** Key health by index, for `ttops status` and the all-keys-down alert. */
  keyStates(): KieKeyState[] {
    const now = this.#now();
    return this.#slots.map((s, index) => ({ index, coolingUntil: s.coolingUntil > now ? s.coolingUntil : null, lastFailure: s.lastFailure }));
  }

  async #call<T>(
    operation: string,
    req: { method: 'GET' | 'POST'; path: string; json?: unknown },
    onlyKey: number | undefined,
    accept: (data: unknown, keyIndex: number) => T | undefined,
  ): Promise<T> {
    const tried = new Set<number>();
    for (;;) {
      const keyIndex = onlyKey === undefined ? this.#pickKey(tried) : this.#pickOnly(onlyKey, tried);
      if (keyIndex === undefined) throw this.#exhausted();
      tried.add(keyIndex);
      const slot = this.#slots[keyIndex];
      const out = await callHttp({
        url: this.#baseUrl + req.path,
        method: req.method,
        headers: { authorization: `Bearer ${slot.key}` },
        json: req.json,
        timeoutMs: this.#timeoutMs,
        dispatcher: this.#dispatcher,
      });
      if (!out.ok) {
        const failure = classifyProviderFailure({ source: 'network', error: out.error });
        throw new ProviderError(failure, { operation, keyIndex, requestSent: out.requestSent, cause: out.error });
      }
      const answer = out.answer;
      const body = asObject(answer.json);
      if (isSuccess(answer, body)) {
        slot.lastFailure = null;
        const value = accept(body?.data, keyIndex);
        if (value !== undefined) return value;
        const failure: ProviderFailure = { kind: 'permanent', code: 'provider_bad_response', message: `provider answered ${answer.status} without the expected data` };
        throw new ProviderError(failure, { operation, keyIndex, requestSent: true });
      }
      const failure = classifyProviderFailure({
        source: 'http',
        status: answer.status,
        code: body?.code,
        msg: body?.msg,
        retryAfter: headerValue(answer.headers, 'retry-after'),
        nowMs: this.#now(),
      });
      if (failure.kind === 'auth' || failure.code === 'provider_rate_limited') {
        this.#coolDown(keyIndex, failure);
        if (onlyKey === undefined) continue;
      }
      throw new ProviderError(failure, { operation, keyIndex, requestSent: true });
    }
  }

  #pickKey(tried: Set<number>): number | undefined {
    const now = this.#now();
    const n = this.#slots.length;
    for (let i = 0; i < n; i++) {
      const index = (this.#cursor + i) % n;
      if (tried.has(index) || this.#slots[index].coolingUntil > now) continue;
      this.#cursor = (index + 1) % n;
      return index;
    }
    return undefined;
  }

  #pickOnly(index: number, tried: Set<number>): number | undefined {
    if (tried.has(index)) return undefined;
    if (!Number.isInteger(index) || index < 0 || index >= this.#slots.length) {
      const failure: ProviderFailure = { kind: 'permanent', code: 'provider_key_unknown', message: `key #${index} is not configured (KIE_API_KEYS has ${this.#slots.length}); the task cannot be polled with its key` };
      throw new ProviderError(failure, { operation: 'recordInfo', requestSent: false });
    }
    const wait = this.#slots[index].coolingUntil - this.#now();
    if (wait > 0) {
      const failure: ProviderFailure = { kind: 'transient', code: 'provider_key_cooling', retryAfterMs: wait, message: `key #${index}, which created the task, is cooling down (${this.#slots[index].lastFailure ?? 'unknown'})` };
      throw new ProviderError(failure, { operation: 'recordInfo', keyIndex: index, requestSent: false });
    }
    return index;
  }

  #coolDown(index: number, failure: ProviderFailure): void {
    const slot = this.#slots[index];
    slot.coolingUntil = this.#now() + Math.max(this.#cooldownMs, failure.retryAfterMs ?? 0);
    slot.lastFailure = failure.code;
  }

  #exhausted(): ProviderKeysExhaustedError {
    const states = this.keyStates();
    const now = this.#now();
    const until = Math.min(...states.map((s) => s.coolingUntil ?? now));
    const error = new ProviderKeysExhaustedError(states, Math.max(0, until - now));
    if (!error.rateLimitedOnly) this.#onKeysExhausted?.(error);
    return error;
  }
}

function isSuccess(answer: HttpAnswer, body: Record<string, unknown> | undefined): boolean {
  if (answer.status < 200 || answer.status > 299 || !body) return false;
  const code = body.code;
  return code === undefined || code === 200 || code === '200';
}
