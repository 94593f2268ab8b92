/**
 * `video.generate`: write a prompt, submit to the provider, then get out of the way — the
 * job waits in `waiting_provider` (no worker slot held) until a poll or the provider's
 * callback finds it finished. Money and messages move in the same transaction as the
 * outcome: a refund ledger row on failure, one outbox message per result.
 */
import { classifyProviderFailure, type ProviderFailure } from '../classify.js';
import { KieClient, ProviderError, ProviderKeysExhaustedError } from '../providers/kie.js';
import { writePrompt, type PromptWriterOptions } from '../providers/prompt.js';
import type { JobHandler } from '../worker.js';
import type { JobRecord, JobTransition, OutboxInsert } from '../../store/types.js';
import { backoffMs, inMs } from '../backoff.js';
import { TEXTS } from '../texts.js';

export interface VideoDeps {
  kie: KieClient;
  model: string;
  prompt: PromptWriterOptions;
  /** Public URL the provider calls back (`<SERVER_HOST>/v2/providers/kie/callback`). */
  callbackUrl: string;
  pollMs: number;
  adminChatId?: string;
}

/** The payload `POST /v2/jobs` stores. */
interface VideoPayload {
  template: string;
  product_name: string;
  image_url?: string;
  wishes?: string;
  chat_id?: string;
  order_size?: number;
  /** Credits charged for this job at order time: what a failure refunds. */
  cost?: number;
  prompt?: string;
  key_index?: number;
}

/** Builds the handler. */
export function videoHandler(deps: VideoDeps): JobHandler {
  return async (job) => {
    const payload = job.payload as unknown as VideoPayload;
    if (job.attempts >= job.maxAttempts) return fail(deps, job, payload, { kind: 'permanent', code: 'too_many_attempts', message: `gave up after ${job.attempts} attempts` });
    return job.providerTaskId ? poll(deps, job, payload) : submit(deps, job, payload);
  };
}

async function submit(deps: VideoDeps, job: JobRecord, payload: VideoPayload): Promise<JobTransition> {
  const prompt = payload.prompt ?? (await writePrompt(deps.prompt, { template: payload.template, productName: payload.product_name, wishes: payload.wishes })).prompt;
  try {
    const model = payload.image_url ? deps.model : deps.model.replace('image-to-video', 'text-to-video');
    const task = await deps.kie.createTask({ model, prompt, imageUrls: payload.image_url ? [payload.image_url] : undefined, callBackUrl: deps.callbackUrl });
    const started: OutboxInsert[] = payload.chat_id && job.orderId ? [{ dedupeKey: `order:${job.orderId}:started`, kind: 'started', chatId: payload.chat_id, message: TEXTS.started(payload.order_size ?? 1), jobId: job.id }] : [];
    return { status: 'waiting_provider', providerTaskId: task.taskId, payloadPatch: { prompt, key_index: task.keyIndex }, runAt: inMs(jittered(deps.pollMs)), outbox: started };
  } catch (error) {
    return onProviderError(deps, job, payload, error, { prompt });
  }
}

async function poll(deps: VideoDeps, job: JobRecord, payload: VideoPayload): Promise<JobTransition> {
  try {
    const record = await deps.kie.recordInfo(job.providerTaskId!, { keyIndex: payload.key_index });
    if (record.state === 'success') {
      const urls = record.resultUrls ?? [];
      const messages: OutboxInsert[] = payload.chat_id ? urls.map((url, i) => ({ dedupeKey: `job:${job.id}:finished:${i}`, kind: 'finished', chatId: payload.chat_id!, message: TEXTS.finished(url), jobId: job.id })) : [];
      return { status: 'succeeded', result: { result_urls: urls }, errorCode: null, lastError: null, outbox: messages };
    }
    if (record.state === 'fail') {
      const failure = classifyProviderFailure({ source: 'task', failCode: record.failCode, failMsg: record.failMsg });
      // A task that failed for a passing reason produced nothing: forget it and submit again.
      if (failure.kind === 'transient') return { status: 'queued', providerTaskId: null, runAt: inMs(backoffMs(job.attempts)), lastError: failure.message, countAttempt: true };
      return fail(deps, job, payload, failure);
    }
    return { status: 'waiting_provider', runAt: inMs(jittered(deps.pollMs)) };
  } catch (error) {
    return onProviderError(deps, job, payload, error, {}, 'waiting_provider');
  }
}

function onProviderError(deps: VideoDeps, job: JobRecord, payload: VideoPayload, error: unknown, patch: Record<string, unknown>, waitStatus: 'queued' | 'waiting_provider' = 'queued'): JobTransition {
  if (error instanceof ProviderKeysExhaustedError) {
    // The admin hears of it from the client's onKeysExhausted hook (src/jobs/alerts.ts), once per window.
    return { status: waitStatus, runAt: inMs(Math.max(error.retryAfterMs, backoffMs(job.attempts))), lastError: error.message, payloadPatch: patch, countAttempt: !error.rateLimitedOnly };
  }
  const failure: ProviderFailure = error instanceof ProviderError ? error.failure : classifyProviderFailure({ source: 'network', error });
  if (failure.kind === 'transient' || failure.kind === 'auth') {
    if (job.attempts + 1 >= job.maxAttempts) return fail(deps, job, payload, failure);
    return { status: waitStatus, runAt: inMs(backoffMs(job.attempts, failure.retryAfterMs)), lastError: failure.message, payloadPatch: patch, countAttempt: true };
  }
  return fail(deps, job, payload, failure);
}

/** Terminal failure: refund the charge, tell the user once, alert the admin when it is not the user's doing. */
function fail(deps: VideoDeps, job: JobRecord, payload: VideoPayload, failure: Pick<ProviderFailure, 'kind' | 'code' | 'message'>): JobTransition {
  const outbox: OutboxInsert[] = [];
  const userFault = failure.kind === 'user_violation';
  if (payload.chat_id) outbox.push({ dedupeKey: `job:${job.id}:failed`, kind: 'failed', chatId: payload.chat_id, message: userFault ? TEXTS.refusedByPolicy() : TEXTS.failed(), jobId: job.id });
  if (!userFault && deps.adminChatId) outbox.push(adminAlert(deps.adminChatId, `job:${job.id}:admin`, TEXTS.adminJobFailed(job.id, failure.code)));
  return {
    status: 'failed',
    errorCode: failure.code,
    lastError: failure.message,
    refund: job.userId !== null && (payload.cost ?? 0) > 0 ? { userId: job.userId, amount: payload.cost!, reason: failure.code } : undefined,
    outbox,
  };
}

/** ±20 %: a thousand generations submitted together must not all poll in the same second. */
function jittered(ms: number): number {
  return Math.round(ms * (0.8 + Math.random() * 0.4));
}

function adminAlert(chatId: string, key: string, message: string): OutboxInsert {
  return { dedupeKey: `alert:${key}`, kind: 'admin_alert', chatId, message };
}
