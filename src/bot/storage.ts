/**
 * The conversations plugin's storage adapter over the store's `bot_sessions` table, so a flow
 * survives a restart of `serve` (and runs on whichever process gets the next update).
 */
import type { VersionedStateStorage } from '@grammyjs/conversations';
import type { BotStore } from '../store/types.js';

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
