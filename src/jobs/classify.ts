/**
 * The generation provider's failures, sorted into what the worker does next. Pure: an
 * HTTP answer, a failed task record or a network error in; a classification out.
 *
 * - `transient`: retry with backoff (network, 5xx, 455 maintenance, 429 rate limit).
 * - `auth`: the key is bad or out of credits — rotate to the next key, alert the admin.
 * - `user_violation`: the content policy refused the input — fail, refund, tell the user.
 * - `permanent`: our request or the generation failed for good — fail, refund, alert.
 */

/** What the worker does with a failure; the job state machine switches on it. */
export type FailureKind = 'transient' | 'auth' | 'user_violation' | 'permanent';

/** A sorted failure: the kind decides the next step, the code is stable for logs and alerts. */
export interface ProviderFailure {
  kind: FailureKind;
  code: string;
  /** Set when the provider said how long to wait (Retry-After); the retry waits at least this. */
  retryAfterMs?: number;
  message: string;
}

/** The three shapes a provider failure reaches us in. */
export type ProviderFailureInput =
  | {
      source: 'http';
      /** HTTP status of the response. */
      status: number;
      /** The JSON body's `code`; it can differ from the HTTP status, so both are read. */
      code?: unknown;
      /** The JSON body's `msg`. */
      msg?: unknown;
      /** The raw `Retry-After` header (seconds or an HTTP date). */
      retryAfter?: string | string[] | null;
      /** Clock for HTTP-date Retry-After values. */
      nowMs?: number;
    }
  | { source: 'task'; failCode?: unknown; failMsg?: unknown }
  | { source: 'network'; error: unknown };

/**
 * Phrases that mark a content-policy refusal (people in photos, NSFW, "Sora 2 rules").
 * A list, not a clever regex, so a new provider wording is a one-line change.
 */
export const CONTENT_POLICY_PATTERNS: readonly RegExp[] = [
  /polic(y|ies)/i,
  /violat/i,
  /nsfw/i,
  /moderat/i,
  /guideline/i,
  /\b(real )?(people|persons?|humans?|faces?)\b/i,
  /celebrit|public figure|likeness/i,
  /sexual|nudity|\bnude\b|explicit/i,
  /copyright|trademark/i,
  /prohibited|not allowed|disallowed/i,
  /unsafe|sensitive content|safety/i,
];

/** Whether a provider message names a content-policy refusal. */
export function isContentPolicyMessage(message: unknown): boolean {
  return typeof message === 'string' && CONTENT_POLICY_PATTERNS.some((p) => p.test(message));
}

/** Sorts one provider failure; never throws. */
export function classifyProviderFailure(input: ProviderFailureInput): ProviderFailure {
  if (input.source === 'network') return classifyNetworkError(input.error);
  if (input.source === 'task') return classifyTaskFailure(input.failCode, input.failMsg);
  return classifyHttpFailure(input);
}

function classifyHttpFailure(input: Extract<ProviderFailureInput, { source: 'http' }>): ProviderFailure {
  const bodyCode = toCode(input.code);
  // The JSON code is the provider's own verdict; the HTTP status may be a proxy's. A JSON
  // failure code wins; otherwise the HTTP status decides (an HTML 502 has no JSON code).
  const effective = bodyCode !== undefined && bodyCode !== 200 ? bodyCode : input.status;
  const msg = typeof input.msg === 'string' && input.msg.trim() ? input.msg.trim() : undefined;
  const said = msg ? `: ${msg}` : '';
  const where = effective === input.status ? `HTTP ${input.status}` : `HTTP ${input.status}, code ${effective}`;

  if (effective === 401) return { kind: 'auth', code: 'provider_unauthorized', message: `provider rejected the API key (${where}) — check KIE_API_KEYS` };
  if (effective === 402) return { kind: 'auth', code: 'provider_out_of_credits', message: `provider account is out of credits (${where}) — top up the account or rotate the key` };
  // 403 is not in the provider's list; a forbidden key is treated like a rejected one.
  if (effective === 403) return { kind: 'auth', code: 'provider_forbidden', message: `provider refused the API key (${where})${said}` };
  if (effective === 429) {
    const retryAfterMs = parseRetryAfter(input.retryAfter, input.nowMs ?? Date.now());
    return { kind: 'transient', code: 'provider_rate_limited', message: `provider rate limit (${where})${said}`, ...(retryAfterMs === undefined ? {} : { retryAfterMs }) };
  }
  if (effective === 455) return withRetryAfter({ kind: 'transient', code: 'provider_unavailable', message: `provider is under maintenance (${where})${said}` }, input);
  if (effective === 408) return { kind: 'transient', code: 'provider_timeout', message: `provider timed out (${where})${said}` };
  if (effective === 501 || effective === 400 || effective === 422) {
    if (isContentPolicyMessage(msg)) return { kind: 'user_violation', code: 'provider_content_policy', message: `provider refused the content${said}` };
  }
  if (effective === 501) return { kind: 'permanent', code: 'provider_generation_failed', message: `generation failed (${where})${said}` };
  if (effective === 505) return { kind: 'permanent', code: 'provider_feature_disabled', message: `provider feature is disabled (${where})${said}` };
  if (effective >= 500 && effective <= 599) return withRetryAfter({ kind: 'transient', code: 'provider_server_error', message: `provider server error (${where})${said}` }, input);
  if (effective === 404) return { kind: 'permanent', code: 'provider_not_found', message: `provider does not know the task (${where})${said}` };
  if (effective === 422 || effective === 400) return { kind: 'permanent', code: 'provider_validation', message: `provider rejected the request (${where})${said}` };
  if (effective >= 400 && effective <= 499) return { kind: 'permanent', code: `provider_http_${effective}`, message: `provider refused the request (${where})${said}` };
  return { kind: 'permanent', code: 'provider_bad_response', message: `provider answered ${where} without a usable result${said}` };
}

function withRetryAfter(f: ProviderFailure, input: Extract<ProviderFailureInput, { source: 'http' }>): ProviderFailure {
  const retryAfterMs = parseRetryAfter(input.retryAfter, input.nowMs ?? Date.now());
  return retryAfterMs === undefined ? f : { ...f, retryAfterMs };
}

/** failCodes that mean the provider hiccuped rather than the generation being impossible. */
const TRANSIENT_TASK_CODES = new Set([408, 429, 455, 500, 502, 503, 504]);

function classifyTaskFailure(failCode: unknown, failMsg: unknown): ProviderFailure {
  const code = toCode(failCode);
  const msg = typeof failMsg === 'string' && failMsg.trim() ? failMsg.trim() : 'no failMsg given';
  const tag = code === undefined ? '' : ` (failCode ${code})`;
  if (isContentPolicyMessage(msg)) return { kind: 'user_violation', code: 'provider_content_policy', message: `provider refused the content${tag}: ${msg}` };
  // A failed task produced nothing and cost nothing, so a provider-side failCode is worth
  // a new submission; everything else (501 "generation failed" and unknown codes) is final.
  if (code !== undefined && TRANSIENT_TASK_CODES.has(code)) return { kind: 'transient', code: 'provider_task_failed_transient', message: `generation failed on the provider's side${tag}: ${msg}` };
  return { kind: 'permanent', code: 'provider_generation_failed', message: `generation failed${tag}: ${msg}` };
}

/** Network error codes where the connection never carried the request. */
const REFUSED_CODES = new Set(['ECONNREFUSED', 'ENETUNREACH', 'EHOSTUNREACH', 'EADDRNOTAVAIL']);
const DNS_CODES = new Set(['ENOTFOUND', 'EAI_AGAIN', 'EAI_FAIL']);
const TIMEOUT_CODES = new Set(['ETIMEDOUT', 'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT']);
const RESET_CODES = new Set(['ECONNRESET', 'EPIPE', 'UND_ERR_SOCKET', 'UND_ERR_CLOSED', 'ECONNABORTED']);

/** The most telling code on a network error (undici wraps, happy-eyeballs aggregates). */
export function networkErrorCode(error: unknown): string | undefined {
  const seen = new Set<unknown>();
  let current: unknown = error;
  while (current && typeof current === 'object' && !seen.has(current)) {
    seen.add(current);
    const e = current as { code?: unknown; name?: unknown; errors?: unknown; cause?: unknown };
    if (e.name === 'TimeoutError') return 'ETIMEDOUT';
    if (typeof e.code === 'string' && e.code !== 'UND_ERR') return e.code;
    if (Array.isArray(e.errors) && e.errors.length > 0) current = e.errors[0];
    else current = e.cause;
  }
  return undefined;
}

function classifyNetworkError(error: unknown): ProviderFailure {
  const code = networkErrorCode(error);
  const detail = code ?? (error instanceof Error ? error.name : 'unknown error');
  if (code && REFUSED_CODES.has(code)) return { kind: 'transient', code: 'network_refused', message: `provider unreachable (${code})` };
  if (code && DNS_CODES.has(code)) return { kind: 'transient', code: 'network_dns', message: `provider host did not resolve (${code})` };
  if (code && TIMEOUT_CODES.has(code)) return { kind: 'transient', code: 'network_timeout', message: `provider did not answer in time (${code})` };
  if (code && RESET_CODES.has(code)) return { kind: 'transient', code: 'network_reset', message: `provider connection dropped (${code})` };
  return { kind: 'transient', code: 'network_error', message: `network error talking to the provider (${detail})` };
}

/** Milliseconds a `Retry-After` header asks for (delta seconds or HTTP date); undefined if absent or unreadable. */
export function parseRetryAfter(value: string | string[] | null | undefined, nowMs: number): number | undefined {
  const raw = Array.isArray(value) ? value[0] : value;
  if (raw === undefined || raw === null) return undefined;
  const text = raw.trim();
  if (/^\d+(\.\d+)?$/.test(text)) return Math.round(Number(text) * 1000);
  const at = Date.parse(text);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - nowMs);
}

function toCode(value: unknown): number | undefined {
  if (typeof value === 'number' && Number.isInteger(value)) return value;
  if (typeof value === 'string' && /^\d{3}$/.test(value.trim())) return Number(value.trim());
  return undefined;
}
