/**
 * How many statements the store runs per bot update, on both engines (issue 11: on
 * PostgreSQL each is a loopback round trip, and they were most of the bot's CPU). The bot
 * is driven by `handleUpdate` with no worker or app around it, so every statement seen
 * belongs to the update. It was 4 on PostgreSQL: the dedupe claim, the language, the
 * conversation state and the user; then 3 (the two `bot_sessions` reads as one); now one
 * statement opens each update.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { makeBot, type MadeBot } from '../../src/bot/make-bot.js';
import { openStore } from '../../src/store/open.js';
import type { Store } from '../../src/store/types.js';
import { startFakeTelegram, type FakeTelegramServer } from '../fakes/telegram-server.js';
import { ENGINES, type TestEngine } from '../helpers/engines.js';
import { botInfoOf, TOKEN } from './harness.js';
import { recordStatements } from './statements.js';
import { text } from './updates.js';

/** /start or «Баланс» of a returning user: on PostgreSQL the one opening statement; SQLite runs its parts in process (the claim as BEGIN, DELETE, INSERT, COMMIT; the sessions; the user). */
const PER_UPDATE = { postgres: 1, sqlite: 6 };

const sessionReads = (statements: string[]) => statements.filter((s) => /^(SELECT|WITH) .*\bFROM bot_sessions\b/s.test(s));

for (const { name, make } of ENGINES) {
  describe(`bot statements per update on ${name}`, () => {
    let engine: TestEngine;
    let store: Store;
    let tg: FakeTelegramServer;
    let made: MadeBot;
    let updateId = 1;
    let chatSeq = name === 'sqlite' ? 730_000 : 740_000;

    const handle = (update: Record<string, unknown>) => recordStatements(() => made.bot.handleUpdate({ update_id: updateId++, ...update } as never));
    const lastText = (chat: number) => tg.calls.filter((c) => c.method === 'sendMessage' && c.payload.chat_id === chat).map((c) => String(c.payload.text)).at(-1);
    /** A chat whose user exists already, so the updates measured are a returning user's. */
    const returningChat = async () => {
      const chat = ++chatSeq;
      await store.ensureTelegramUser(chat);
      return chat;
    };

    before(async () => {
      engine = await make();
      store = await openStore(engine.settings);
      await store.migrateUp();
      tg = await startFakeTelegram({ token: TOKEN });
      made = makeBot({ token: TOKEN, apiRoot: tg.apiRoot, store, botInfo: botInfoOf(tg), videoCost: 1, mediaDir: engine.settings.home, mediaBaseUrl: () => 'http://127.0.0.1' });
    });
    after(async () => {
      await store.close();
      await tg.close();
      await engine.cleanup();
    });

    test(`/start and «Баланс» take ${PER_UPDATE[name]} statement(s), bot_sessions read once`, async () => {
      const chat = await returningChat();
      for (const body of ['/start', 'Баланс']) {
        const statements = await handle(text(chat, body));
        assert.equal(statements.length, PER_UPDATE[name], statements.join('\n'));
        assert.equal(sessionReads(statements).length, 1, statements.join('\n'));
      }
      assert.match(lastText(chat) ?? '', /На балансе: 0/);
    });

    test('a conversation step reads its state from the same one query, and writes it back', async () => {
      const chat = await returningChat();
      const entering = await handle(text(chat, 'Сделать Reels'));
      assert.equal(sessionReads(entering).length, 1, entering.join('\n'));
      assert.match(lastText(chat) ?? '', /Пришлите фото товара/);
      assert.ok(await store.readBotSession(`convo:${chat}`), 'the flow is stored under the key it always had');
      const cancelling = await handle(text(chat, '/cancel'));
      assert.equal(sessionReads(cancelling).length, 1, cancelling.join('\n'));
      assert.equal(lastText(chat), 'Заказ отменён.', 'the preloaded state said a flow was active');
      assert.equal(await store.readBotSession(`convo:${chat}`), undefined);
    });

    test('the chosen language comes from the same one query', async () => {
      const chat = await returningChat();
      await handle(text(chat, '/language'));
      const statements = await handle(text(chat, '/start'));
      assert.equal(statements.length, PER_UPDATE[name], statements.join('\n'));
      assert.match(lastText(chat) ?? '', /^Hi!/);
    });
  });
}
