/**
 * `POST /v2/telegram/webhook[/<path token>]`: Telegram's updates for the bot, when it runs in
 * webhook mode. The secret header is checked here first (constant time, our error shape),
 * then grammY's webhookCallback checks it again and runs the update. An update that takes
 * longer than 10 s is answered with an error, so Telegram retries and the dedupe drops the copy.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { webhookCallback, type Bot } from 'grammy';
import { AuthError } from '../../errors.js';
import type { AppContext } from '../app.js';
import type { BotContext } from '../../bot/context.js';

/** What the webhook route needs: the bot, its secret and the unguessable path segment. */
export interface TelegramWebhook {
  bot: Bot<BotContext>;
  secret: string;
  pathToken: string;
}

const errorBody = {
  type: 'object',
  required: ['error'],
  properties: { error: { type: 'object', required: ['code', 'message'], properties: { code: { type: 'string' }, message: { type: 'string' } } } },
} as const;

const digest = (v: string) => createHash('sha256').update(v).digest();

/** Registers the webhook under `/v2/telegram`. */
export function telegramRoutes(webhook: TelegramWebhook): FastifyPluginAsync<{ ctx: AppContext }> {
  return async (app) => {
    const expected = digest(webhook.secret);
    const handle = webhookCallback(webhook.bot, 'fastify', { secretToken: webhook.secret, timeoutMilliseconds: 10_000 });
    const checkSecret = async (request: FastifyRequest) => {
      const given = request.headers['x-telegram-bot-api-secret-token'];
      if (typeof given !== 'string' || !timingSafeEqual(digest(given), expected)) {
        throw new AuthError('telegram_secret_invalid', 'the X-Telegram-Bot-Api-Secret-Token header is missing or wrong — run `ttops bot webhook set` to register the current secret');
      }
    };
    const schema = {
      summary: 'Telegram bot updates (webhook mode)',
      description: 'Telegram posts each Update here with the X-Telegram-Bot-Api-Secret-Token header. The path with the token hash is what `ttops bot webhook set` registers.',
      tags: ['telegram'],
      headers: { type: 'object', properties: { 'x-telegram-bot-api-secret-token': { type: 'string' } } },
      body: { type: 'object', required: ['update_id'], properties: { update_id: { type: 'integer', minimum: 0 } } },
      response: {
        200: { description: 'update handled (empty body)', type: 'string', maxLength: 0 },
        400: { description: 'not an Update', ...errorBody },
        401: { description: 'secret token missing or wrong; nothing was processed', ...errorBody },
        500: { description: 'the update could not be handled in time; Telegram retries it', ...errorBody },
      },
    };
    const route = { schema, preHandler: checkSecret, bodyLimit: 1024 * 1024 };
    const run = (request: FastifyRequest, reply: FastifyReply) => handle(request, reply);
    app.post('/webhook', route, run);
    app.post(`/webhook/${webhook.pathToken}`, route, run);
  };
}
