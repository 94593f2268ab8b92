/**
 * `ttops bot webhook set|info|delete`: the Bot API calls around the webhook, with the URL,
 * secret and update kinds `serve` expects (src/bot/mode.ts), so the two cannot disagree.
 */
import { Api, GrammyError, HttpError } from 'grammy';
import { ALLOWED_UPDATES, webhookSecret, webhookUrl } from '../../bot/mode.js';
import type { Config } from '../../config/load.js';
import { ConfigError, EXIT, InvalidInputError, TtopsError, UnreachableError } from '../../errors.js';
import { commandConfig } from '../context.js';
import { printResult, type GlobalOptions, type Io } from '../io.js';

/** What `set` sends Telegram; the secret is shown redacted. */
export interface WebhookPlan {
  url: string;
  secret_token: string;
  allowed_updates: string[];
  drop_pending_updates: boolean;
}

/** Computes the registration from configuration: SERVER_HOST must be public HTTPS. */
export function planWebhook(config: Config, options: { dropPending?: boolean }): WebhookPlan {
  const token = requireToken(config);
  if (new URL(config.serverHost).protocol !== 'https:') {
    throw new InvalidInputError('webhook_needs_https', `SERVER_HOST is ${config.serverHost}; Telegram only calls https:// URLs — set SERVER_HOST to the public https address (or keep long polling)`);
  }
  return { url: webhookUrl(config.serverHost, token), secret_token: webhookSecret(token, config.telegram.webhookSecret), allowed_updates: [...ALLOWED_UPDATES], drop_pending_updates: Boolean(options.dropPending) };
}

/** Registers the webhook. */
export async function runWebhookSet(io: Io, globals: GlobalOptions, options: { dropPending?: boolean }): Promise<void> {
  const config = commandConfig(io, globals);
  const plan = planWebhook(config, options);
  await call(config, () => api(config).setWebhook(plan.url, { secret_token: plan.secret_token, allowed_updates: plan.allowed_updates as (typeof ALLOWED_UPDATES)[number][], drop_pending_updates: plan.drop_pending_updates }));
  printResult(io, globals, { ...plan, secret_token: '[redacted]', set: true }, () => `webhook set: ${plan.url} (updates: ${plan.allowed_updates.join(', ')})`);
}

/** Shows Telegram's view of the webhook. */
export async function runWebhookInfo(io: Io, globals: GlobalOptions): Promise<void> {
  const config = commandConfig(io, globals);
  const info = await call(config, () => api(config).getWebhookInfo());
  printResult(io, globals, info, () =>
    [
      `url: ${info.url || '(none — the bot uses long polling)'}`,
      `pending updates: ${info.pending_update_count}`,
      ...(info.last_error_message ? [`last error: ${info.last_error_message}${info.last_error_date ? ` at ${new Date(info.last_error_date * 1000).toISOString()}` : ''}`] : []),
      ...(info.allowed_updates ? [`allowed updates: ${info.allowed_updates.join(', ')}`] : []),
    ].join('\n'),
  );
}

/** Removes the webhook. */
export async function runWebhookDelete(io: Io, globals: GlobalOptions, options: { dropPending?: boolean }): Promise<void> {
  const config = commandConfig(io, globals);
  await call(config, () => api(config).deleteWebhook({ drop_pending_updates: Boolean(options.dropPending) }));
  printResult(io, globals, { deleted: true }, () => 'webhook deleted; run the bot with long polling (TELEGRAM_MODE=polling) or set it again');
}

function requireToken(config: Config): string {
  if (!config.telegram.botToken) throw new ConfigError('TELEGRAM_BOT_TOKEN is not set — put the token from @BotFather into the env file', { code: 'telegram_token_missing' });
  return config.telegram.botToken;
}

function api(config: Config): Api {
  return new Api(requireToken(config), { apiRoot: config.telegram.apiRoot, timeoutSeconds: 30 });
}

async function call<T>(config: Config, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    if (error instanceof TtopsError) throw error;
    if (error instanceof GrammyError && error.error_code === 401) throw new ConfigError('Telegram rejected TELEGRAM_BOT_TOKEN (401) — check the token with @BotFather', { code: 'telegram_unauthorized', cause: error });
    if (error instanceof GrammyError) throw new TtopsError('telegram_error', `Telegram answered ${error.error_code}: ${error.description}`, 502, EXIT.failure, { cause: error });
    if (error instanceof HttpError) throw new UnreachableError('telegram_unreachable', `the Bot API at ${config.telegram.apiRoot} cannot be reached — check the network and TELEGRAM_API_ROOT`, { cause: error });
    throw error;
  }
}
