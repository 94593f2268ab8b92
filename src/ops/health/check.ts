/**
 * The health check behind `ttops healthcheck` and the deploy gate: GET `<url>/ready`,
 * read its `application/health+json` body, retry only what retrying can fix (no answer,
 * 5xx), and classify the outcome as healthy, unhealthy (reachable but failing) or
 * unreachable. Nothing here prints; the CLI renders the result.
 */
import { PLAIN, paintState, type Paint } from '../../color.js';
import { EXIT, InvalidInputError } from '../../errors.js';

/** One check in the health+json body. */
export interface HealthCheckEntry {
  status: string;
  output?: string;
  observedValue?: unknown;
}

/** How one health check went. */
export interface HealthResult {
  /** The URL requested (`…/ready`). */
  url: string;
  outcome: 'healthy' | 'unhealthy' | 'unreachable';
  /** The body's status (pass, warn, fail), or `unreachable` when nothing answered. */
  status: 'pass' | 'warn' | 'fail' | 'unreachable';
  /** HTTP status of the last answer. */
  httpStatus?: number;
  checks: Record<string, HealthCheckEntry>;
  attempts: number;
  elapsedMs: number;
  /** Why it is unreachable or unhealthy when no check says so (refused, timeout, not health+json). */
  error?: string;
}

/** Inputs of `checkHealth`. */
export interface HealthOptions {
  /** Base URL of the API (`https://api.example.com`) or the full `/ready` URL. */
  url: string;
  /** Per-attempt timeout. */
  timeoutMs?: number;
  /** Extra attempts after the first, only when unreachable or 5xx. */
  retries?: number;
  /** Pause between attempts. */
  intervalMs?: number;
  /** Injectable for tests. */
  fetch?: typeof globalThis.fetch;
}

/** Defaults shared by the CLI flags and the deploy gate (Kamal: 1 s interval, 5 s per request). */
export const HEALTH_DEFAULTS = { timeoutMs: 5000, retries: 0, intervalMs: 1000 } as const;

/** The `/ready` URL for a base URL; throws InvalidInputError (exit 2) for anything but http(s). */
export function readyUrl(base: string): string {
  let parsed: URL;
  try {
    parsed = new URL(base);
  } catch {
    throw new InvalidInputError('invalid_url', `--url ${JSON.stringify(base)} is not a URL — pass e.g. https://api.example.com or http://127.0.0.1:8000`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new InvalidInputError('invalid_url', `--url must be http:// or https://, not ${parsed.protocol}//`);
  }
  if (!/\/ready\/?$/.test(parsed.pathname)) parsed.pathname = `${parsed.pathname.replace(/\/+$/, '')}/ready`;
  return parsed.toString();
}

/** Checks readiness with retries; never throws for an unhealthy or unreachable service. */
export async function checkHealth(options: HealthOptions): Promise<HealthResult> {
  const url = readyUrl(options.url);
  const timeoutMs = options.timeoutMs ?? HEALTH_DEFAULTS.timeoutMs;
  const retries = options.retries ?? HEALTH_DEFAULTS.retries;
  const intervalMs = options.intervalMs ?? HEALTH_DEFAULTS.intervalMs;
  const doFetch = options.fetch ?? globalThis.fetch;
  const started = performance.now();
  let attempt: Omit<HealthResult, 'url' | 'attempts' | 'elapsedMs'>;
  let attempts = 0;
  for (;;) {
    attempts += 1;
    attempt = await probe(doFetch, url, timeoutMs);
    const retryable = attempt.outcome === 'unreachable' || (attempt.httpStatus ?? 0) >= 500;
    if (!retryable || attempts > retries) break;
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
  return { url, ...attempt, attempts, elapsedMs: Math.round(performance.now() - started) };
}

/** The exit code for a result: 0 healthy, 1 unhealthy, 3 unreachable. */
export function healthExitCode(result: Pick<HealthResult, 'outcome'>): number {
  return result.outcome === 'healthy' ? EXIT.ok : result.outcome === 'unhealthy' ? EXIT.failure : EXIT.unreachable;
}

/** The `--json` shape scripts read. */
export function healthToJson(result: HealthResult): Record<string, unknown> {
  return {
    url: result.url,
    status: result.status,
    outcome: result.outcome,
    http_status: result.httpStatus ?? null,
    checks: result.checks,
    attempts: result.attempts,
    elapsed_ms: result.elapsedMs,
    ...(result.error ? { error: result.error } : {}),
  };
}

/** Per-check lines for people: the headline, then one line per check with its output; `paint` colours the state words. */
export function renderHealth(result: HealthResult, paint: Paint = PLAIN): string {
  const tries = result.attempts === 1 ? '1 attempt' : `${result.attempts} attempts`;
  const http = result.httpStatus ? `HTTP ${result.httpStatus}, ` : '';
  const verdict = result.outcome === 'unreachable' ? paintState(paint, 'unreachable') : `${paintState(paint, result.outcome)} (${paintState(paint, result.status)})`;
  const lines = [`${verdict} — ${result.url} (${http}${tries}, ${result.elapsedMs} ms)`];
  if (result.error) lines.push(`  ${result.error}`);
  const width = Math.max(0, ...Object.keys(result.checks).map((k) => k.length));
  for (const [name, check] of Object.entries(result.checks)) {
    const detail = check.output ?? (check.observedValue === undefined ? '' : JSON.stringify(check.observedValue));
    // Padded before painting: escape codes must not count towards the column width.
    lines.push(`  ${paintState(paint, check.status)}${' '.repeat(Math.max(0, 4 - check.status.length))}  ${name.padEnd(width)}  ${detail}`.trimEnd());
  }
  return lines.join('\n');
}

async function probe(doFetch: typeof globalThis.fetch, url: string, timeoutMs: number): Promise<Omit<HealthResult, 'url' | 'attempts' | 'elapsedMs'>> {
  let response: Response;
  let text: string;
  try {
    response = await doFetch(url, { headers: { accept: 'application/health+json, application/json' }, signal: AbortSignal.timeout(timeoutMs) });
    text = await response.text();
  } catch (error) {
    return { outcome: 'unreachable', status: 'unreachable', checks: {}, error: describeFetchError(error, timeoutMs) };
  }
  const body = parseHealthBody(text);
  const base = { httpStatus: response.status, checks: body?.checks ?? {} };
  if (!body) {
    return { ...base, outcome: 'unhealthy', status: 'fail', error: `HTTP ${response.status} without a health+json body — is ${new URL(url).origin} the ttops API (check nginx and --url)?` };
  }
  const healthy = response.ok && (body.status === 'pass' || body.status === 'warn');
  const failing = Object.entries(body.checks).filter(([, c]) => c.status === 'fail').map(([n]) => n);
  const why = healthy ? undefined : failing.length ? `failing: ${failing.join(', ')}` : `HTTP ${response.status}, status ${body.status}`;
  return { ...base, outcome: healthy ? 'healthy' : 'unhealthy', status: healthy ? (body.status as 'pass' | 'warn') : 'fail', ...(why ? { error: why } : {}) };
}

function parseHealthBody(text: string): { status: string; checks: Record<string, HealthCheckEntry> } | undefined {
  try {
    const json = JSON.parse(text) as { status?: unknown; checks?: unknown };
    if (typeof json?.status !== 'string') return undefined;
    const checks = json.checks && typeof json.checks === 'object' ? (json.checks as Record<string, HealthCheckEntry>) : {};
    return { status: json.status, checks };
  } catch {
    return undefined;
  }
}

function describeFetchError(error: unknown, timeoutMs: number): string {
  const e = error as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  if (e?.name === 'TimeoutError' || e?.name === 'AbortError') return `no answer within ${timeoutMs / 1000} s (--timeout)`;
  const code = e?.cause?.code;
  if (code === 'ECONNREFUSED') return 'connection refused — nothing listens there (is ttops-api running?)';
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return `DNS lookup failed (${code}) — check the host name in --url`;
  if (code === 'UND_ERR_CONNECT_TIMEOUT') return 'connect timed out — check the firewall and the host';
  return `${e?.cause?.message ?? e?.message ?? String(error)}${code ? ` (${code})` : ''}`;
}
