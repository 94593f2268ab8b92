/**
 * The bot's state in the store's `bot_sessions` table: the conversations plugin's state, so a
 * flow survives a restart of `serve` (and runs on whichever process gets the next update), and
 * the language a user chose. Both are read in ONE query per update (`preloadSessions`): on
 * PostgreSQL each statement is a round trip, and they were most of the bot's CPU (issue 11).
 */
import type { ConversationContextStorage, VersionedStateStorage } from '@grammyjs/conversations';
import type { Context } from 'grammy';
import type { BotStore } from '../store/types.js';

type SessionStore = Pick<BotStore, 'readBotSession' | 'readBotSessions' | 'writeBotSession' | 'deleteBotSession'>;

/** What `preloadSessions` leaves on the context: this update's `bot_sessions` values by key. */
export interface PreloadedSessions {
  /** Set before the features run, as the values were then; a key it read and did not find is absent. */
  botSessions?: { keys: readonly string[]; values: ReadonlyMap<string, string> };
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

/** Reads the update's keys in one statement; runs before the language and conversations middleware. */
export function preloadSessions(store: Pick<BotStore, 'readBotSessions'>): (ctx: Context & PreloadedSessions, next: () => Promise<void>) => Promise<void> {
  return async (ctx, next) => {
    const keys = sessionKeysOf(ctx);
    ctx.botSessions = { keys, values: await store.readBotSessions(keys) };
    await next();
  };
}

/**
 * A value of this update: the preloaded one when `key` was preloaded, else read now (a
 * context that did not go through `preloadSessions`, e.g. a bot built without it in a test).
 */
export async function sessionValue(store: Pick<BotStore, 'readBotSession'>, ctx: PreloadedSessions, key: string): Promise<string | undefined> {
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
 * (the plugin reads it once per update, after `preloadSessions`), writes go to the store
 * under `conversationKey`. Same key, version and JSON as the key adapter above.
 */
export function preloadedConversationStorage<C extends Context & PreloadedSessions, S>(store: SessionStore): ConversationContextStorage<C, S> {
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
