/**
 * The OBS overlay in a real browser: Debian's Chromium (headless, driven by playwright-core)
 * opens /overlay on a listening app, a simulated gift makes the page fetch and play the
 * uploaded sound, clips play one after another at the streamer's volumes, a refused token
 * stops the page with its reason, and a server restart is survived without a reload. Media
 * is served from a different origin than the page (localhost vs 127.0.0.1), so the page's
 * Content-Security-Policy is exercised for real.
 */
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { after, before, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { buildApp } from '../../src/api/app.js';
import { ADMIN_KEY, JWT_SECRET, makeStreamer, makeTestApp, type TestApp } from '../helpers/app.js';
import { makeAudioFixtures, multipartBody, type AudioFixtures } from '../helpers/audio.js';
import { sqliteEngine, tempDir, type TestEngine } from '../helpers/engines.js';
import { CHROMIUM, CHROMIUM_ARGS, requireChromium } from '../helpers/chromium.js';

// The overlay plays sounds without a click, as OBS lets it.
const OVERLAY_ARGS = [...CHROMIUM_ARGS, '--autoplay-policy=no-user-gesture-required'];

/** What `window.__overlay` shows (templates/overlay.js). */
interface Played {
  kind: 'sound' | 'tts';
  url: string;
  volume: number;
  text?: string;
  started_at?: number;
  ended_at: number;
  outcome: string;
}
interface OverlayState {
  status: string;
  live: string | null;
  connects: number;
  closes: { code: number; reason: string }[];
  stopped: boolean;
  reason: string | null;
  reconnect_pending: boolean;
  received: number;
  queue: unknown[];
  max_queue: number;
  playing: unknown;
  played: Played[];
  dropped: number;
  max_concurrent: number;
}

let engine: TestEngine;
let t: TestApp;
/** The app currently listening (replaced by the restart test). */
let app: FastifyInstance;
let audio: AudioFixtures;
let profile = '';
let browser: BrowserContext;
let port = 0;
let base = '';
let mediaBase = '';

/** Reads the page's overlay state. */
function overlayState(page: Page): Promise<OverlayState> {
  return page.evaluate(() => (window as unknown as { __overlay: OverlayState }).__overlay);
}

/** Polls the page until `pred` holds on its state (bounded); returns that state. */
async function waitForState(page: Page, pred: (s: OverlayState) => boolean, what: string): Promise<OverlayState> {
  let last: OverlayState | undefined;
  for (let i = 0; i < 300; i++) {
    last = await overlayState(page);
    if (pred(last)) return last;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`the overlay never reached "${what}"; last state: ${JSON.stringify(last)}`);
}

/** A page with its requests and responses recorded. */
async function openOverlay(path: string): Promise<{ page: Page; requests: string[]; responses: Map<string, number>; sockets: string[]; errors: string[] }> {
  const page = await browser.newPage();
  const requests: string[] = [];
  const responses = new Map<string, number>();
  const sockets: string[] = [];
  const errors: string[] = [];
  page.on('request', (r) => requests.push(r.url()));
  page.on('response', (r) => responses.set(r.url(), r.status()));
  page.on('websocket', (ws) => sockets.push(ws.url()));
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.goto(`${base}${path}`);
  return { page, requests, responses, sockets, errors };
}

before(async () => {
  requireChromium();
  audio = makeAudioFixtures();
  engine = await sqliteEngine();
  t = await makeTestApp(engine, { TTS_ENGINE: 'espeak' });
  app = t.app;
  await app.listen({ host: '127.0.0.1', port: 0 });
  port = (app.server.address() as { port: number }).port;
  base = `http://127.0.0.1:${port}`;
  t.urls.bindTo('127.0.0.1', port);
  // Media from another origin than the page, as with MEDIA_BASE_URL on a media vhost.
  mediaBase = `http://localhost:${port}`;
  t.urls.mediaBaseUrl = mediaBase;
  profile = tempDir('ttops-chromium-');
  browser = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: OVERLAY_ARGS });
});
after(async () => {
  await browser?.close();
  if (profile) rmSync(profile, { recursive: true, force: true });
  await app?.close();
  await t?.store.close();
  await engine?.cleanup();
  if (audio) rmSync(audio.dir, { recursive: true, force: true });
});

test('GET /overlay is a static page with a strict CSP that allows this socket and the media origin', async () => {
  const page = await app.inject({ method: 'GET', url: '/overlay' });
  assert.equal(page.statusCode, 200);
  assert.match(String(page.headers['content-type']), /^text\/html/);
  assert.equal(page.headers['cache-control'], 'no-store');
  assert.equal(page.headers['x-frame-options'], 'DENY');
  assert.equal(page.headers['referrer-policy'], 'no-referrer');
  const csp = String(page.headers['content-security-policy']);
  assert.equal(
    csp,
    `default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self' ws://127.0.0.1:${port}; media-src ${mediaBase}; base-uri 'none'; form-action 'none'; frame-ancestors 'none'`,
  );
  assert.ok(page.body.includes('/overlay/overlay.js'));
  const script = await app.inject({ method: 'GET', url: '/overlay/overlay.js' });
  assert.equal(script.statusCode, 200);
  assert.match(String(script.headers['content-type']), /^text\/javascript/);
  const style = await app.inject({ method: 'GET', url: '/overlay/overlay.css' });
  assert.equal(style.statusCode, 200);
  assert.match(String(style.headers['content-type']), /^text\/css/);
});

let streamer: Awaited<ReturnType<typeof makeStreamer>>;
let roseUrl = '';
let lionUrl = '';
let overlay: Awaited<ReturnType<typeof openOverlay>>;

/** Runs an event through the streamer's triggers, as a live one would. */
async function simulate(payload: object): Promise<void> {
  const res = await app.inject({ method: 'POST', url: '/v2/live/simulate', headers: streamer.auth, payload });
  assert.equal(res.statusCode, 200, res.body);
}
const ROSE = { event_type: 'gift', gift_id: '5655', gift_name: 'Rose', diamond_count: 1, repeat_count: 1, repeat_end: true, streakable: false, nickname: 'Ann', unique_id: 'ann' };
const LION = { event_type: 'gift', gift_id: '6369', gift_name: 'Lion', diamond_count: 29999, repeat_count: 1, repeat_end: true, streakable: false, nickname: 'Bo', unique_id: 'bo' };

test('a simulated Rose makes the overlay fetch the sound and play it at the streamer volume', async () => {
  streamer = await makeStreamer(t, 'overlayfan');
  const volumes = await app.inject({ method: 'PATCH', url: '/v2/auth/me', headers: streamer.auth, payload: { gifts_volume: 50, tts_volume: 60 } });
  assert.equal(volumes.statusCode, 200, volumes.body);
  const upload = async (name: string, bytes: Buffer) => {
    const body = multipartBody('file', name, bytes);
    const res = await app.inject({ method: 'POST', url: '/v2/sounds/upload', headers: { ...streamer.auth, ...body.headers }, payload: body.payload });
    assert.equal(res.statusCode, 201, res.body);
    return res.json() as { filename: string; url: string };
  };
  const rose = await upload('rose.mp3', audio.mp3);
  const lion = await upload('lion.ogg', audio.ogg);
  roseUrl = rose.url;
  lionUrl = lion.url;
  assert.ok(roseUrl.startsWith(`${mediaBase}/static/sounds/`), roseUrl);
  const set = async (payload: object) => {
    const res = await app.inject({ method: 'POST', url: '/v2/triggers/set', headers: streamer.auth, payload });
    assert.equal(res.statusCode, 200, res.body);
  };
  await set({ event_type: 'gift', condition_key: 'gift_name', condition_value: 'Rose', action: 'play_sound', action_params: { sound: rose.filename, volume: 80 } });
  await set({ event_type: 'gift', condition_key: 'gift_name', condition_value: 'Lion', action: 'play_sound', action_params: { sound: lion.filename } });
  await set({ event_type: 'chat', condition_key: 'command', condition_value: '!hello', action: 'tts', action_params: { text: '{nickname} says hello' } });

  overlay = await openOverlay(`/overlay#token=${streamer.token}`);
  await waitForState(overlay.page, (s) => s.status === 'connected' && s.live === 'offline', 'connected, greeted');
  assert.ok(!overlay.requests.some((u) => u.includes(streamer.token.slice(-20)) && !u.includes('/v2/ws')), 'the fragment token never goes out in an HTTP request');
  assert.equal(await overlay.page.locator('#notice').isVisible(), false, 'nothing shows in OBS');

  await simulate(ROSE);
  const state = await waitForState(overlay.page, (s) => s.played.length >= 1, 'one clip played');
  assert.deepEqual(
    { kind: state.played[0].kind, url: state.played[0].url, volume: state.played[0].volume, outcome: state.played[0].outcome },
    { kind: 'sound', url: roseUrl, volume: 0.4, outcome: 'ended' },
  );
  assert.equal(typeof state.played[0].started_at, 'number', 'the audio element reached `playing`');
  assert.ok(overlay.requests.includes(roseUrl), `the page fetched ${roseUrl}; it fetched ${JSON.stringify(overlay.requests)}`);
  assert.ok([200, 206].includes(overlay.responses.get(roseUrl) ?? 0), `the sound answered ${overlay.responses.get(roseUrl)}`);
  assert.deepEqual(overlay.errors, []);
});

test('two gifts and a chat command play one after another, in order, never overlapping', async () => {
  await simulate(ROSE);
  await simulate(LION);
  await simulate({ event_type: 'chat', comment: '!hello there', nickname: 'Ann' });
  const state = await waitForState(overlay.page, (s) => s.played.length >= 4 && !s.playing && s.queue.length === 0, 'three more clips played');
  const clips = state.played.slice(1);
  assert.deepEqual(
    clips.map((c) => [c.kind, c.url === roseUrl ? 'rose' : c.url === lionUrl ? 'lion' : 'speech', c.volume, c.outcome]),
    [
      ['sound', 'rose', 0.4, 'ended'],
      ['sound', 'lion', 0.5, 'ended'],
      ['tts', 'speech', 0.6, 'ended'],
    ],
  );
  assert.equal(clips[2].text, 'Ann says hello');
  assert.ok(clips[2].url.startsWith(`${mediaBase}/static/tts/`), clips[2].url);
  for (let i = 1; i < clips.length; i++) assert.ok(clips[i].started_at! >= clips[i - 1].ended_at, `clip ${i} started after clip ${i - 1} ended`);
  assert.equal(state.max_concurrent, 1, 'never two clips at once');
  assert.ok(overlay.requests.includes(lionUrl) && overlay.requests.includes(clips[2].url));
});

test('a forged token shows the reason and stops; no token at all never connects', async () => {
  const forged = await openOverlay('/overlay?token=not.a.jwt');
  const state = await waitForState(forged.page, (s) => s.stopped, 'stopped');
  assert.equal(state.closes.length, 1);
  assert.equal(state.closes[0].code, 4002);
  assert.equal(state.connects, 1);
  assert.equal(state.reconnect_pending, false, 'no reconnect is scheduled');
  assert.equal(forged.sockets.length, 1);
  assert.ok(await forged.page.locator('#notice').isVisible());
  assert.match(await forged.page.locator('#notice').innerText(), /token was refused.*log in again.*4002/s);
  await forged.page.close();

  const bare = await openOverlay('/overlay');
  const none = await waitForState(bare.page, (s) => s.stopped, 'stopped');
  assert.equal(none.connects, 0);
  assert.equal(bare.sockets.length, 0);
  assert.match(await bare.page.locator('#notice').innerText(), /No token: open this page as \/overlay#token=/);
  assert.equal(await bare.page.locator('#badge').isVisible(), false, 'the badge shows only with debug=1');
  await bare.page.close();

  const debug = await openOverlay('/overlay#debug=1');
  await waitForState(debug.page, (s) => s.stopped, 'stopped');
  assert.match(await debug.page.locator('#badge').innerText(), /ttops stopped/);
  await debug.page.close();
});

test('a flood of 80 clips keeps at most 50 waiting and drops the oldest', async () => {
  const flooder = await makeStreamer(t, 'flooder');
  const body = multipartBody('file', 'rose.mp3', audio.mp3);
  const sound = (await app.inject({ method: 'POST', url: '/v2/sounds/upload', headers: { ...flooder.auth, ...body.headers }, payload: body.payload })).json();
  const trigger = await app.inject({
    method: 'POST',
    url: '/v2/triggers/set',
    headers: flooder.auth,
    payload: { event_type: 'gift', condition_key: 'gift_name', condition_value: 'Rose', action: 'play_sound', action_params: { sound: sound.filename, per_unit: true, max_units: 80 } },
  });
  assert.equal(trigger.statusCode, 200, trigger.body);
  const flood = await openOverlay(`/overlay#token=${flooder.token}`);
  await waitForState(flood.page, (s) => s.status === 'connected' && s.live === 'offline', 'connected, greeted');
  // One 80-unit streak with a per-unit trigger: 80 actions in one burst.
  const res = await app.inject({ method: 'POST', url: '/v2/live/simulate', headers: flooder.auth, payload: { ...ROSE, repeat_count: 80 } });
  assert.equal(res.statusCode, 200, res.body);
  assert.equal(res.json().messages.filter((m: { type: string }) => m.type === 'action').length, 80);
  const state = await waitForState(flood.page, (s) => s.received === 80, 'all 80 received');
  assert.equal(state.max_queue, 50, 'the queue filled to its bound and no further');
  assert.equal(state.played.length + (state.playing ? 1 : 0) + state.queue.length + state.dropped, 80, 'every clip is played, playing, waiting or dropped');
  assert.ok(state.dropped > 0);
  await flood.page.close();
});

test('after a server restart the overlay reconnects by itself and plays again', async () => {
  const before = await overlayState(overlay.page);
  await app.close();
  const dropped = await waitForState(overlay.page, (s) => s.closes.length > before.closes.length, 'socket closed');
  // A shutdown says 1001 (docs/websocket.md): not a refusal, so the page carries on.
  assert.equal(dropped.closes.at(-1)!.code, 1001);
  assert.equal(dropped.stopped, false);

  app = await buildApp({ config: t.config, store: t.store, secrets: { jwtSecret: JWT_SECRET, adminApiKey: ADMIN_KEY }, logger: false, urls: t.urls });
  await app.listen({ host: '127.0.0.1', port });
  const back = await waitForState(overlay.page, (s) => s.status === 'connected' && s.connects > before.connects, 'reconnected');
  assert.equal(back.stopped, false);

  await simulate(ROSE);
  const after = await waitForState(overlay.page, (s) => s.played.length > back.played.length, 'played after the restart');
  assert.deepEqual([after.played.at(-1)!.url, after.played.at(-1)!.outcome], [roseUrl, 'ended']);
  await overlay.page.close();
});
