/** Declarations of the bot commands: `bot webhook set|info|delete`. */
import type { Register } from './types.js';

/** Registers `bot`. */
export const register: Register = (program, io, action) => {
  const bot = program.command('bot').description('the Telegram bot');
  const webhook = bot.command('webhook').description("Telegram's webhook for this bot (TELEGRAM_BOT_TOKEN)");
  webhook
    .command('set')
    .description('register <SERVER_HOST>/v2/telegram/webhook/<hash> with the secret token and the update kinds the bot handles')
    .option('--drop-pending', 'discard updates Telegram is still holding')
    .action(action(async (g, o: { dropPending?: boolean }) => (await import('../commands/bot.js')).runWebhookSet(io, g, o)));
  webhook
    .command('info')
    .description("show Telegram's view of the webhook: URL, pending updates, last error")
    .action(action(async (g) => (await import('../commands/bot.js')).runWebhookInfo(io, g)));
  webhook
    .command('delete')
    .description('remove the webhook (the bot then needs long polling: serve with TELEGRAM_MODE=polling)')
    .option('--drop-pending', 'discard updates Telegram is still holding')
    .action(action(async (g, o: { dropPending?: boolean }) => (await import('../commands/bot.js')).runWebhookDelete(io, g, o)));
};
