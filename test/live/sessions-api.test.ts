/**
 * Live sessions in one process, with a stub source the test drives: the first socket starts
 * the streamer's session (lease taken, status sent to the socket), events are recorded as a
 * session with stats, `GET /v2/live/sessions[/:id]` shows them to their streamer only, and
 * simulated events never create sessions. The last socket leaving releases the lease.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { buildApp } from '../../src/api/app.js';
import { PublicUrls } from '../../src/daemon/public-urls.js';
import { ItemQueue, type LiveSource, type SourceItem } from '../../src/live/source.js';
import { NO_USERNAME } from '../../src/live/sessions.js';
import { openStore } from '../../src/store/open.js';
import { ADMIN_KEY, JWT_SECRET, makeStreamer, type TestApp } from '../helpers/app.js';
import { testConfig } from '../helpers/config.js';
import { sqliteEngine, type TestEngine } from '../helpers/engines.js';
import { event } from './helpers.js';
import { connectWs, eventually, nextMessage } from './ws-client.js';

/** A source whose items the test pushes; records which handles were followed. */
function stubSource() {
  const feeds: ItemQueue<SourceItem>[] = [];
  const followed: string[] = [];
  const source: LiveSource = {
    name: 'tiktok',
    async *follow(handle, signal) {
      followed.push(handle);
      const feed = new ItemQueue<SourceItem>();
      feeds.push(feed);
      signal.addEventListener('abort', () => feed.close(), { once: true });
      for (let item = await feed.next(); item; item = await feed.next()) yield item;
    },
  };
  return { source, followed, push: (item: SourceItem) => feeds[feeds.length - 1].push(item), end: () => feeds[feeds.length - 1].close() };
}

let engine: TestEngine;
let t: TestApp;
let base = '';
const stub = stubSource();

before(async () => {
  engine = await sqliteEngine();
  const config = testConfig({ ...engine.env, LIVE_LEASE_SECONDS: '2', LIVE_GRACE_SECONDS: '0', TTS_ENGINE: 'none' });
  const store = await openStore(config);
  await store.migrateUp();
  const urls = new PublicUrls(config);
  const app = await buildApp({ config, store, secrets: { jwtSecret: JWT_SECRET, adminApiKey: ADMIN_KEY }, logger: false, urls, liveSource: async () => ({ source: stub.source }) });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const { port } = app.server.address() as { port: number };
  urls.bindTo('127.0.0.1', port);
  base = `http://127.0.0.1:${port}`;
  t = { app, store, config, urls, close: async () => (await app.close(), await store.close()) };
});
after(async () => {
  await t.close();
  await engine.cleanup();
});

test('a streamer without a TikTok username is told to set one', async () => {
  const s = await makeStreamer(t, 'nohandle');
  const client = await connectWs(base, s.token);
  assert.deepEqual(await nextMessage(client, (m) => m.type === 'status', 'the greeting'), { type: 'status', status: 'offline' });
  assert.deepEqual(await nextMessage(client, (m) => m.detail === NO_USERNAME, 'the username hint'), { type: 'status', status: 'offline', detail: NO_USERNAME });
  await client.close();
});

test('a followed stream is recorded with its stats and shown to its streamer only', async () => {
  const s = await makeStreamer(t, 'streamer1');
  const other = await makeStreamer(t, 'streamer2');
  const patched = await t.app.inject({ method: 'PATCH', url: '/v2/auth/me', headers: s.auth, payload: { tiktok_username: '@ann_live' } });
  assert.equal(patched.statusCode, 200, patched.body);
  // Simulated events are "test my setup": they never make a session.
  const simulated = await t.app.inject({ method: 'POST', url: '/v2/live/simulate', headers: s.auth, payload: { event_type: 'gift', gift_name: 'Rose', diamond_count: 1 } });
  assert.equal(simulated.statusCode, 200);

  const client = await connectWs(base, s.token);
  await eventually(() => stub.followed.includes('ann_live'), 'the source to follow @ann_live');
  const lease = await t.store.findLiveLease(s.userId);
  assert.ok(lease.lease && lease.lease.until > lease.now, 'this process holds the lease');
  stub.push({ kind: 'status', status: 'connecting' });
  stub.push({ kind: 'status', status: 'live' });
  await nextMessage(client, (m) => m.status === 'live', 'live status');

  const feed = [
    event({ event_type: 'viewers', viewer_count: 12 }),
    event({ event_type: 'gift', gift_id: '5655', gift_name: 'Rose', diamond_count: 1, repeat_count: 3, streakable: false, user_id: '7', unique_id: 'fan', nickname: 'Fan' }),
    event({ event_type: 'gift', gift_id: '1', gift_name: 'Lion', diamond_count: 29999, user_id: '8', unique_id: 'whale', nickname: 'Whale' }),
    event({ event_type: 'like', like_count: 30 }),
    event({ event_type: 'follow' }),
    event({ event_type: 'share' }),
    event({ event_type: 'join' }),
    event({ event_type: 'viewers', viewer_count: 30 }),
  ];
  for (const e of feed) stub.push({ kind: 'event', event: e });
  stub.push({ kind: 'event', event: feed[1] }); // a reconnect's duplicate: not counted twice
  // Simulated while live: reaches the socket, but is not part of the stream's stats.
  await t.app.inject({ method: 'POST', url: '/v2/live/simulate', headers: s.auth, payload: { event_type: 'gift', gift_name: 'Rose', diamond_count: 1000 } });
  stub.push({ kind: 'event', event: event({ event_type: 'stream_end' }) });
  stub.push({ kind: 'status', status: 'offline', message: "@ann_live's stream has ended." });
  stub.end();

  const [session] = await eventually(async () => {
    const listed = (await t.app.inject({ method: 'GET', url: '/v2/live/sessions', headers: s.auth })).json().sessions;
    return listed.length === 1 && listed[0].ended_at ? listed : undefined;
  }, 'the ended session');
  assert.deepEqual({ ...session, id: 0, started_at: '', ended_at: '' }, {
    id: 0,
    unique_id: 'ann_live',
    source: 'tiktok',
    started_at: '',
    ended_at: '',
    peak_viewers: 30,
    gifts: 4,
    diamonds: 30002,
    likes: 30,
    follows: 1,
    shares: 1,
    joins: 1,
    top_gifters: [
      { unique_id: 'whale', nickname: 'Whale', diamonds: 29999 },
      { unique_id: 'fan', nickname: 'Fan', diamonds: 3 },
    ],
  });
  const one = await t.app.inject({ method: 'GET', url: `/v2/live/sessions/${session.id}`, headers: s.auth });
  assert.equal(one.statusCode, 200);
  assert.deepEqual(one.json(), session);
  const events = await t.store.listLiveEvents(session.id, 100);
  assert.deepEqual(events.map((e) => e.eventType), ['viewers', 'gift', 'gift', 'like', 'follow', 'share', 'join', 'viewers', 'stream_end'], 'raw events, once each, no simulated one');

  const theirs = await t.app.inject({ method: 'GET', url: `/v2/live/sessions/${session.id}`, headers: other.auth });
  assert.equal(theirs.statusCode, 404);
  assert.equal(theirs.json().error.code, 'live_session_not_found');
  assert.deepEqual((await t.app.inject({ method: 'GET', url: '/v2/live/sessions', headers: other.auth })).json(), { sessions: [] });
  for (const bad of ['/v2/live/sessions?limit=0', '/v2/live/sessions?limit=101', '/v2/live/sessions?limit=x', '/v2/live/sessions/0', '/v2/live/sessions/abc']) {
    const r = await t.app.inject({ method: 'GET', url: bad, headers: s.auth });
    assert.equal(r.statusCode, 400, bad);
    assert.ok(r.json().error.code, bad);
  }
  assert.equal((await t.app.inject({ method: 'GET', url: '/v2/live/sessions/99999999999999999999', headers: s.auth })).statusCode, 404);
  assert.equal((await t.app.inject({ method: 'GET', url: '/v2/live/sessions' })).statusCode, 401);

  // A new socket hears the last status at once.
  const late = await connectWs(base, s.token);
  const greeting = await nextMessage(late, () => true, 'the greeting');
  assert.equal(greeting.type, 'status');
  assert.equal(greeting.status, 'offline');
  await late.close();
  await client.close();
  await eventually(async () => (await t.store.findLiveLease(s.userId)).lease === null, 'the lease released after the last socket left');
});
