/**
 * Ordering videos: validate, then create the jobs and their debit in one transaction.
 * Shared by `POST /v2/jobs` and (later) the bot's ordering conversation.
 */
import { randomUUID } from 'node:crypto';
import type { JobRecord, LedgerStore, UserRecord } from '../store/types.js';

/** What a client orders. */
export interface VideoOrderInput {
  template: string;
  product_name: string;
  image_url?: string;
  wishes?: string;
  count: number;
}

/** A job as clients see it (field names are the contract). */
export interface JobView {
  id: number;
  status: JobRecord['status'];
  attempts: number;
  result_urls: string[];
  error_code: string | null;
  refunded: boolean;
}

/** Creates `count` video jobs for `user`, charging `costPerJob` each; 402 when short. */
export async function createVideoOrder(store: Pick<LedgerStore, 'createOrder'>, user: UserRecord, input: VideoOrderInput, costPerJob: number): Promise<{ order_id: string; jobs: { id: number; status: string }[]; credits: number }> {
  const orderId = randomUUID();
  const chatId = user.telegramId === null ? undefined : String(user.telegramId);
  const payload = { template: input.template, product_name: input.product_name, image_url: input.image_url, wishes: input.wishes, chat_id: chatId, order_size: input.count, cost: costPerJob };
  const { jobs, credits } = await store.createOrder({
    userId: user.id,
    orderId,
    costPerJob,
    jobs: Array.from({ length: input.count }, () => ({ kind: 'video.generate', payload })),
  });
  return { order_id: orderId, jobs: jobs.map((j) => ({ id: j.id, status: j.status })), credits };
}

/** The client view of a job. */
export function jobView(job: JobRecord): JobView {
  const urls = job.result?.result_urls;
  return { id: job.id, status: job.status, attempts: job.attempts, result_urls: Array.isArray(urls) ? (urls as string[]) : [], error_code: job.errorCode, refunded: job.refunded };
}
