/**
 * The hub's keep-alive over real sockets: pings go out a slice per tick rather than to every
 * socket at once, each socket still gets one per interval, and a socket that does not answer
 * is dropped. The interval timer is mocked so the ticks are exact; the sockets are real.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, mock, test } from 'node:test';
import WebSocket, { WebSocketServer } from 'ws';
import { Events } from '../../src/events.js';
import { Hub } from '../../src/live/hub.js';
import { eventually } from './ws-client.js';

const PING_MS = 2500;
const TICK_MS = PING_MS / 25;
const SOCKETS = 50;

let server: WebSocketServer;
let hub: Hub;
let clients: { ws: WebSocket; pings: number }[];

beforeEach(async () => {
  mock.timers.enable({ apis: ['setInterval'] });
  hub = new Hub(new Events(), { pingMs: PING_MS, maxBufferedBytes: 1024 * 1024 });
  server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  server.on('connection', (socket) => hub.add(7, socket));
  await once(server, 'listening');
  clients = [];
});

afterEach(async () => {
  hub.close();
  for (const { ws } of clients) ws.terminate();
  await new Promise((resolve) => server.close(resolve));
  mock.timers.reset();
});

async function connect(options: WebSocket.ClientOptions = {}): Promise<{ ws: WebSocket; pings: number }> {
  const ws = new WebSocket(`ws://127.0.0.1:${(server.address() as AddressInfo).port}`, options);
  const client = { ws, pings: 0 };
  ws.on('ping', () => client.pings++);
  await once(ws, 'open');
  clients.push(client);
  return client;
}

const totalPings = () => clients.reduce((n, c) => n + c.pings, 0);

test('each tick pings one slice of the sockets, and every socket once per interval', async () => {
  for (let i = 0; i < SOCKETS; i++) await connect();
  await eventually(() => hub.size === SOCKETS, 'every socket adopted');
  for (let tick = 1; tick <= 25; tick++) {
    mock.timers.tick(TICK_MS);
    await eventually(() => totalPings() === tick * 2, `the pings of tick ${tick}`);
  }
  assert.deepEqual(clients.map((c) => c.pings), Array(SOCKETS).fill(1));
  // Another tick would ping the first slice again, nothing more: nothing else is pending.
  await new Promise((resolve) => setTimeout(resolve, 50));
  assert.equal(totalPings(), SOCKETS);
});

test('a socket that has not answered its ping by its next turn is dropped; the others stay', async () => {
  const silent = await connect({ autoPong: false });
  const polite = await connect();
  await eventually(() => hub.size === 2, 'both sockets adopted');
  const closed = once(silent.ws, 'close');
  for (let tick = 1; tick <= 25; tick++) mock.timers.tick(TICK_MS);
  await eventually(() => silent.pings === 1 && polite.pings === 1, 'the first pings');
  await new Promise((resolve) => setTimeout(resolve, 50)); // the pong travels back
  for (let tick = 1; tick <= 25; tick++) mock.timers.tick(TICK_MS);
  const [code] = (await closed) as [number];
  assert.equal(code, 1006);
  await eventually(() => polite.pings === 2, 'the polite socket pinged again');
  await eventually(() => hub.size === 1, 'the silent socket gone from the hub');
  assert.equal(polite.ws.readyState, WebSocket.OPEN);
});
