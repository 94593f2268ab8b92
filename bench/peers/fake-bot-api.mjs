#!/usr/bin/env node
/**
 * A lean fake Telegram Bot API for bench/bot.mjs: answers every call at once, records only
 * when each sendMessage arrived (per chat, process.hrtime — CLOCK_MONOTONIC, so the bench
 * process can compare it with its own send times). Both bots under test (ttops and the
 * aiogram peer) talk to the same instance. The test fake (test/fakes/telegram-server.ts)
 * keeps every payload and supports scripted failures; none of that is wanted under load.
 *
 *   node bench/peers/fake-bot-api.mjs [--port 0] [--token 123:abc]
 *
 * Prints `fake Bot API listening on http://127.0.0.1:PORT` when ready. Besides
 * `/bot<token>/<method>` (JSON, urlencoded or multipart bodies) it serves
 *   GET  /bench/replies  → {"<chat_id>": ["<hrtime ns>", …], …, "_calls": {"sendMessage": n, …}, "_last_text": {"<chat_id>": text}}
 *   POST /bench/reset    → forgets what was recorded
 */
import http from 'node:http';
import { parseArgs } from 'node:util';

const { values: flags } = parseArgs({
  options: {
    port: { type: 'string', default: '0' },
    token: { type: 'string', default: '' },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (flags.help) {
  console.log('usage: node bench/peers/fake-bot-api.mjs [--port PORT] [--token TOKEN]');
  process.exit(0);
}

const botId = Number(flags.token.split(':')[0]) || 1000000001;
const botUser = { id: botId, is_bot: true, first_name: 'Bench Bot', username: 'ttops_bench_bot', can_join_groups: true, can_read_all_group_messages: false, supports_inline_queries: false };

/** chat id → hrtime (ns, as string) of each sendMessage to it, in arrival order. */
let replies = new Map();
/** chat id → the text of the last sendMessage to it (the bench checks both bots answer alike). */
let lastText = new Map();
let calls = {};
let messageId = 0;

/** chat_id and text from a JSON, urlencoded or multipart body (aiohttp sends multipart form data). */
function fieldsOf(body, contentType) {
  if (contentType.startsWith('application/json')) {
    try {
      const { chat_id, text } = JSON.parse(body);
      return { chat: String(chat_id), text };
    } catch {
      return {};
    }
  }
  if (contentType.startsWith('application/x-www-form-urlencoded')) {
    const form = new URLSearchParams(body);
    return { chat: form.get('chat_id') ?? undefined, text: form.get('text') ?? undefined };
  }
  const part = (name) => new RegExp(`name="?${name}"?\r\n(?:[^\r\n]+\r\n)*\r\n([\\s\\S]*?)\r\n--`).exec(body)?.[1];
  return { chat: part('chat_id'), text: part('text') };
}

function answer(res, result) {
  const text = JSON.stringify({ ok: true, result });
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

const server = http.createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const at = process.hrtime.bigint();
    const url = req.url ?? '';
    if (url === '/bench/replies') {
      const out = Object.fromEntries(replies);
      out._calls = calls;
      out._last_text = Object.fromEntries(lastText);
      return answer(res, out);
    }
    if (url === '/bench/reset') {
      replies = new Map();
      lastText = new Map();
      calls = {};
      return answer(res, true);
    }
    const match = /^\/bot([^/]+)\/(\w+)/.exec(url);
    if (!match) {
      res.writeHead(404, { 'content-type': 'application/json' });
      return res.end(JSON.stringify({ ok: false, error_code: 404, description: 'Not Found' }));
    }
    const method = match[2];
    calls[method] = (calls[method] ?? 0) + 1;
    switch (method) {
      case 'getMe':
        return answer(res, botUser);
      case 'sendMessage': {
        const { chat, text } = fieldsOf(Buffer.concat(chunks).toString('utf8'), req.headers['content-type'] ?? '');
        if (chat !== undefined) {
          lastText.set(chat, text);
          const list = replies.get(chat);
          if (list) list.push(String(at));
          else replies.set(chat, [String(at)]);
        }
        const id = Number(chat) || 0;
        return answer(res, { message_id: ++messageId, date: Math.floor(Date.now() / 1000), chat: { id, type: 'private', first_name: 'User' }, from: botUser, text: '' });
      }
      case 'getWebhookInfo':
        return answer(res, { url: '', has_custom_certificate: false, pending_update_count: 0 });
      default:
        return answer(res, true);
    }
  });
});
server.keepAliveTimeout = 60_000;
server.listen(Number(flags.port), '127.0.0.1', () => {
  console.log(`fake Bot API listening on http://127.0.0.1:${server.address().port}`);
});
const stop = () => server.close(() => process.exit(0));
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
