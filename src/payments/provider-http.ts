/**
 * Calls to a card provider's API with the retries its contract allows. YooKassa says: on
 * 500 (and 202 "still processing") or a lost answer, ask again later with the SAME
 * Idempotence-Key; on 429, back off. A caller without an idempotence key (WATA) retries
 * only what certainly never reached the provider.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { UnreachableError } from '../errors.js';
import { asObject, callHttp, type HttpAnswer, type HttpCall } from '../jobs/providers/http.js';

/** Waits between attempts (ms); its length is the number of retries. */
export const DEFAULT_RETRY_DELAYS_MS = [300, 1000, 3000] as const;

/** How to retry one call. */
export interface RetryPolicy {
  delaysMs: readonly number[];
  /** Whether resending is safe after the request may have reached the provider (idempotence key sent). */
  idempotent: boolean;
  /** Names the provider in the error a caller sees. */
  provider: string;
}

/**
 * Makes the call, retrying network failures, 500, 502–504, 202 and 429 per the policy;
 * answers the first other answer. Throws UnreachableError when the attempts run out, or
 * at once when resending would not be safe.
 */
export async function callProvider(call: HttpCall, policy: RetryPolicy): Promise<HttpAnswer> {
  let lastProblem = '';
  for (let attempt = 0; ; attempt++) {
    const outcome = await callHttp(call);
    let retryAfterMs: number | undefined;
    if (outcome.ok) {
      const { status } = outcome.answer;
      const transient = status === 500 || status === 502 || status === 503 || status === 504 || status === 202 || status === 429;
      if (!transient) return outcome.answer;
      lastProblem = `HTTP ${status}`;
      // A 500/202 may have done the work: only a key makes resending safe.
      if (!policy.idempotent && status !== 429 && status !== 503) break;
      retryAfterMs = retryAfterOf(outcome.answer);
    } else {
      lastProblem = outcome.error instanceof Error ? outcome.error.message : String(outcome.error);
      if (outcome.requestSent && !policy.idempotent) break;
    }
    const delay = policy.delaysMs[attempt];
    if (delay === undefined) break;
    await sleep(Math.min(Math.max(delay, retryAfterMs ?? 0), 10_000));
  }
  throw new UnreachableError('provider_unreachable', `${policy.provider} did not answer usefully (${lastProblem}) — the order stays open; try again in a minute`);
}

/** Retry-After seconds, or YooKassa's 202 body `retry_after` (ms). */
function retryAfterOf(answer: HttpAnswer): number | undefined {
  const header = answer.headers['retry-after'];
  const seconds = Number(Array.isArray(header) ? header[0] : header);
  if (Number.isFinite(seconds) && seconds > 0) return seconds * 1000;
  const ms = Number(asObject(answer.json)?.retry_after);
  return Number.isFinite(ms) && ms > 0 ? ms : undefined;
}
