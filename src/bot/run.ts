/**
 * Running the bot inside `serve`: long polling with @grammyjs/runner, or nothing to run for a
 * webhook (the HTTP route feeds it). Either way `stop` lets the updates in hand finish.
 */
import { run, type RunnerHandle } from '@grammyjs/runner';
import type { Logger } from 'pino';
import type { MadeBot } from './make-bot.js';
import { ALLOWED_UPDATES } from './mode.js';

/** A bot that receives updates until stopped. */
export interface RunningBot {
  /** No new updates; resolves once those being handled are done (or `graceMs` passed). */
  stop(graceMs?: number): Promise<void>;
}

/** Starts long polling (getUpdates, 30 s waits, chats handled concurrently but each in order). */
export function startPolling(made: MadeBot, logger?: Logger): RunningBot {
  const handle: RunnerHandle = run(made.bot, { runner: { fetch: { timeout: 30, allowed_updates: [...ALLOWED_UPDATES] }, silent: true } });
  // 401 (bad token) and 409 (a webhook is set, or another poller) end the runner: say what to do.
  handle.task()?.catch((error: unknown) => {
    const code = (error as { error_code?: number })?.error_code;
    const hint = code === 409 ? 'another process polls with this token or a webhook is set — run `ttops bot webhook delete` or stop the other poller' : code === 401 ? 'TELEGRAM_BOT_TOKEN is rejected by Telegram — fix it' : 'polling stopped';
    logger?.error({ err: error }, `telegram polling stopped: ${hint}`);
  });
  return {
    async stop(graceMs = 10_000) {
      if (handle.isRunning()) await handle.stop();
      await drain(made, graceMs);
    },
  };
}

/** For webhook mode: the HTTP server stops taking requests; this waits for the updates in hand. */
export function webhookRunning(made: MadeBot): RunningBot {
  return { stop: (graceMs = 10_000) => drain(made, graceMs) };
}

async function drain(made: MadeBot, graceMs: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([made.idle(), new Promise<void>((resolve) => (timer = setTimeout(resolve, graceMs)))]);
  clearTimeout(timer);
}
