/**
 * The bot's state in the store's `bot_sessions` table: the conversations plugin's state, so a
 * flow survives a restart of `serve` (and runs on whichever process gets the next update), and
 * the language a user chose. Both are read in the ONE query that opens each update (`openUpdate`): on
 * PostgreSQL each statement is a round trip, and they were most of the bot's CPU (issue 11).
 */
import type { ConversationContextStorage, VersionedStateStorage } from '@grammyjs/conversations';
import type { Context } from 'grammy';
import type { Logger } from 'pino';
import type { BotStore, UserRecord } from '../store/types.js';

type SessionStore = Pick<BotStore, 'readBotSession' | 'writeBotSession' | 'deleteBotSession'>;

/** What `openUpdate` leaves on the context. */
export interface OpenedUpdate {
  /** This update's `bot_sessions` values by key, as they were when it arrived; a key read and not found is absent. */
  botSessions?: { keys: readonly string[]; values: ReadonlyMap<string, string> };
  /** The sender's account as it was when the update arrived; undefined when they have none yet. */
  account?: UserRecord;
}

/** Where a user's chosen language is kept. */
export const languageKey = (telegramId: number) => `lang:${telegramId}`;

/**
 * Where a chat's conversation state is kept: the key the plugin built itself before
 * (prefix `convo:` + `ctx.chatId`, "undefined" included), so flows stored then still resume.
 */
export const conversationKey = (ctx: Context) => `convo:${ctx.chatId}`;

/** The bot_sessions keys an update needs: its conversation, and its sender's language. */
export function sessionKeysOf(ctx: Context): string[] {
  return ctx.from ? [conversationKey(ctx), languageKey(ctx.from.id)] : [conversationKey(ctx)];
}

/** How long a handled update id is remembered: Telegram gives up redelivering long before. */
const DEDUPE_KEEP_MS = 7 * 24 * 60 * 60 * 1000;

/**
 * Opens each update with one store call, after `sequentialize` (the chat's previous update
 * has written its state): claims it, so a copy Telegram delivers again is dropped, and
 * leaves its `bot_sessions` values and its sender's account on the context for the
 * language and conversations middleware and the features.
 */
export function openUpdate(store: Pick<BotStore, 'openBotUpdate'>, logger?: Logger): (ctx: Context & OpenedUpdate, next: () => Promise<void>) => Promise<void> {
  return async (ctx, next) => {
    const keys = sessionKeysOf(ctx);
    const opened = await store.openBotUpdate({
      updateId: ctx.update.update_id,
      // A payment is fulfilled once by its charge id whatever the update id; unclaimed, it can be redelivered after a failure.
      claim: !ctx.message?.successful_payment,
      keepMs: DEDUPE_KEEP_MS,
      sessionKeys: keys,
      telegramId: ctx.from?.id,
    });
    if (!opened.fresh) return void logger?.debug({ update_id: ctx.update.update_id }, 'duplicate update ignored');
    ctx.botSessions = { keys, values: opened.sessions };
    ctx.account = opened.account;
    await next();
  };
}

/**
 * A value of this update: the preloaded one when `key` was preloaded, else read now (a
 * context that did not go through `openUpdate`, e.g. a bot built without it in a test).
 */
export async function sessionValue(store: Pick<BotStore, 'readBotSession'>, ctx: OpenedUpdate, key: string): Promise<string | undefined> {
  const preloaded = ctx.botSessions;
  return preloaded?.keys.includes(key) ? preloaded.values.get(key) : store.readBotSession(key);
}

/** A key-value adapter for conversation state; values are stored as JSON text. */
export function makeConversationStorage<S>(store: Pick<BotStore, 'readBotSession' | 'writeBotSession' | 'deleteBotSession'>): VersionedStateStorage<string, S> {
  return {
    read: async (key) => {
      const text = await store.readBotSession(key);
      return text === undefined ? undefined : JSON.parse(text);
    },
    write: (key, state) => store.writeBotSession(key, JSON.stringify(state)),
    delete: (key) => store.deleteBotSession(key),
  };
}

/**
 * The conversations plugin's storage by context: the state comes from the preloaded values
 * (the plugin reads it once per update, after `openUpdate`), writes go to the store
 * under `conversationKey`. Same key, version and JSON as the key adapter above.
 */
export function preloadedConversationStorage<C extends Context & OpenedUpdate, S>(store: SessionStore): ConversationContextStorage<C, S> {
  const byKey = makeConversationStorage<S>(store);
  return {
    type: 'context',
    version: 1,
    adapter: {
      read: async (ctx) => {
        const text = await sessionValue(store, ctx, conversationKey(ctx));
        return text === undefined ? undefined : JSON.parse(text);
      },
      write: (ctx, state) => byKey.write(conversationKey(ctx), state),
      delete: (ctx) => byKey.delete(conversationKey(ctx)),
    },
  };
}
