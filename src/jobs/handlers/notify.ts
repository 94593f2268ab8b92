/**
 * `notify.telegram`: delivers one outbox row. It resends only where Telegram surely did not
 * take the message (429, connection refused); a timeout leaves the row `unknown` instead of
 * risking a duplicate. The row's status is written before the job completes, so a re-run
 * after a crash finds it sent and does nothing.
 */
import type { TelegramSendOptions } from '../telegram-send.js';
import { sendTelegramMessage } from '../telegram-send.js';
import type { JobHandler } from '../worker.js';
import { KeyedLock } from '../../keyed-lock.js';
import type { JobRecord, JobTransition, OutboxStore } from '../../store/types.js';
import { backoffMs, inMs } from '../backoff.js';
import { throughOutage } from '../outage.js';

export interface NotifyDeps {
  store: OutboxStore;
  /** Undefined when no bot token is configured. */
  telegram?: TelegramSendOptions;
}

/** Builds the handler. */
export function notifyHandler(deps: NotifyDeps): JobHandler {
  // One send at a time per worker process: if the process dies mid-send, at most one message
  // can go out twice (Telegram's own rate limit, ~30 messages/s per bot, is the real cap anyway).
  const oneAtATime = new KeyedLock();
  return (job) => oneAtATime.run('send', () => deliver(deps, job));
}

async function deliver(deps: NotifyDeps, job: JobRecord): Promise<JobTransition | void> {
  const outbox = await deps.store.findOutbox(Number(job.payload.outbox_id));
  if (!outbox || outbox.status !== 'pending') return;
  if (!deps.telegram) {
    await deps.store.markOutbox(outbox.id, { status: 'failed', lastError: 'TELEGRAM_BOT_TOKEN is not set' });
    return { status: 'failed', errorCode: 'telegram_not_configured', lastError: 'TELEGRAM_BOT_TOKEN is not set' };
  }
  const sent = await sendTelegramMessage(deps.telegram, { chatId: outbox.chatId, text: outbox.message });
  switch (sent.outcome) {
    case 'sent':
      // Telegram has it: record that through a short database outage rather than resend.
      await throughOutage(() => deps.store.markOutbox(outbox.id, { status: 'sent', telegramMessageId: sent.messageId }), 60_000);
      return;
    case 'unknown':
      await deps.store.markOutbox(outbox.id, { status: 'unknown', lastError: sent.reason });
      return { status: 'succeeded', errorCode: 'delivery_unknown', lastError: sent.reason };
    case 'failed':
      await deps.store.markOutbox(outbox.id, { status: 'failed', lastError: sent.description });
      return { status: 'failed', errorCode: sent.code, lastError: sent.description };
    case 'retry':
      if (job.attempts + 1 >= job.maxAttempts) {
        await deps.store.markOutbox(outbox.id, { status: 'failed', lastError: sent.reason });
        return { status: 'failed', errorCode: 'delivery_gave_up', lastError: sent.reason, countAttempt: true };
      }
      return { status: 'queued', runAt: inMs(backoffMs(job.attempts, sent.retryAfterMs)), lastError: sent.reason, countAttempt: true };
  }
}
