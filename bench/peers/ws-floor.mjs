#!/usr/bin/env node
/**
 * The floor for bench/ws.mjs: a bare `ws` broadcast server with no auth, no triggers, no
 * database. A client subscribes to a streamer by the URL (`ws://HOST:PORT/?s=<id>`), and
 * `POST /emit {streamer, event}` sends that streamer's sockets the same two frames ttops sends
 * for a gift that fires a sound trigger (`event`, then `action`), each serialised once.
 *
 *   node bench/peers/ws-floor.mjs [--port 0] [--host 127.0.0.1]
 *
 * Prints `ws-floor listening on http://HOST:PORT` once it accepts connections.
 */
import http from 'node:http';
import { parseArgs } from 'node:util';
import { WebSocketServer } from 'ws';

const { values: flags } = parseArgs({ options: { port: { type: 'string', default: '0' }, host: { type: 'string', default: '127.0.0.1' } } });

/** Sockets by streamer id. */
const streamers = new Map();

const server = http.createServer((req, res) => {
  if (req.method !== 'POST' || req.url !== '/emit') {
    res.writeHead(404).end();
    return;
  }
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    let body;
    try {
      body = JSON.parse(Buffer.concat(chunks).toString());
    } catch {
      res.writeHead(400).end();
      return;
    }
    const event = body.event ?? {};
    const messages = [
      { type: 'event', event },
      { type: 'action', action: 'play_sound', trigger_id: 1, url: `http://${flags.host}/static/sounds/${body.streamer}/000000000000000000000000.mp3`, volume: 80 },
    ];
    const texts = messages.map((m) => JSON.stringify(m));
    for (const socket of streamers.get(String(body.streamer)) ?? []) {
      if (socket.readyState === socket.OPEN) for (const text of texts) socket.send(text);
    }
    const reply = JSON.stringify({ messages });
    res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(reply) }).end(reply);
  });
});

const wss = new WebSocketServer({ server, maxPayload: 4096 });
wss.on('connection', (socket, req) => {
  const id = new URL(req.url, 'http://x').searchParams.get('s') ?? '';
  let set = streamers.get(id);
  if (!set) streamers.set(id, (set = new Set()));
  set.add(socket);
  socket.on('message', () => {});
  socket.on('error', () => socket.terminate());
  socket.on('close', () => {
    set.delete(socket);
    if (set.size === 0) streamers.delete(id);
  });
  socket.send(JSON.stringify({ type: 'status', status: 'offline' }));
});

server.listen(Number(flags.port), flags.host, () => {
  const { port } = server.address();
  console.log(`ws-floor listening on http://${flags.host}:${port}`);
});
const stop = () => {
  for (const socket of wss.clients) socket.terminate();
  server.close(() => process.exit(0));
  setTimeout(() => process.exit(0), 2000).unref();
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
