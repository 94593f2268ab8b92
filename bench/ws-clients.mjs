#!/usr/bin/env node
/**
 * The socket side of bench/ws.mjs, run as its child process (`fork`) so that 1,000 sockets'
 * parsing does not share the sender's event loop. Not a script to run by hand.
 *
 * Each `event` frame carries the time its simulate request was due in its `msg_id`
 * (`<tag>:<seq>:<µs on the monotonic clock>`); the `action` frame that follows it on the
 * same socket is the delivery, and its latency is now − that time. The monotonic clock
 * (process.hrtime) is the same for every process on the box.
 *
 * Parent → child: {cmd:'open', urls, concurrency} · {cmd:'collect', tag} · {cmd:'closeAll'}
 * Child → parent: {ok, ...} replies, one per command, in order.
 */
import WebSocket from 'ws';

if (!process.send) {
  console.log('bench/ws-clients.mjs is a child process of bench/ws.mjs; run `node bench/ws.mjs --help`.');
  process.exit(0);
}

const nowUs = () => Number(process.hrtime.bigint() / 1000n);

/** Latencies (ms) by cell tag, and counts. */
const byTag = new Map();
let sockets = [];
const closes = {};

function bucket(tag) {
  let b = byTag.get(tag);
  if (!b) byTag.set(tag, (b = { lat: [], actions: 0, events: 0 }));
  return b;
}

function onMessage(state, data) {
  const text = data.toString();
  // Cheap dispatch on the type; only event and action frames matter here.
  if (text.startsWith('{"type":"event"')) {
    const m = JSON.parse(text);
    const id = String(m.event?.msg_id ?? '');
    const [tag, , us] = id.split(':');
    state.tag = tag;
    state.dueUs = Number(us);
    bucket(tag).events++;
    return;
  }
  if (text.startsWith('{"type":"action"') && state.tag !== undefined) {
    const b = bucket(state.tag);
    b.actions++;
    b.lat.push((nowUs() - state.dueUs) / 1000);
    state.tag = undefined;
  }
}

function openOne(url) {
  return new Promise((resolve) => {
    const ws = new WebSocket(url, { perMessageDeflate: false });
    const state = { tag: undefined, dueUs: 0 };
    let settled = false;
    const done = (ok) => {
      if (!settled) (settled = true), resolve(ok ? ws : undefined);
    };
    ws.on('message', (data) => onMessage(state, data));
    ws.on('open', () => done(true));
    ws.on('error', () => done(false));
    ws.on('close', (code) => {
      closes[code] = (closes[code] ?? 0) + 1;
      done(false);
    });
  });
}

async function open(urls, concurrency) {
  const opened = [];
  let next = 0;
  const lane = async () => {
    while (next < urls.length) {
      const ws = await openOne(urls[next++]);
      if (ws) opened.push(ws);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, lane));
  sockets.push(...opened);
  return opened.length;
}

function quantile(sorted, q) {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}

function collect(tag) {
  const b = byTag.get(tag) ?? { lat: [], actions: 0, events: 0 };
  byTag.delete(tag);
  const lat = Float64Array.from(b.lat).sort();
  return { deliveries: b.actions, events: b.events, p50_ms: quantile(lat, 0.5), p99_ms: quantile(lat, 0.99), p999_ms: quantile(lat, 0.999), max_ms: lat.length ? lat[lat.length - 1] : null, open: sockets.filter((s) => s.readyState === WebSocket.OPEN).length, closes: { ...closes } };
}

async function closeAll() {
  const all = sockets;
  sockets = [];
  await Promise.all(
    all.map(
      (ws) =>
        new Promise((resolve) => {
          if (ws.readyState === WebSocket.CLOSED) return resolve();
          ws.once('close', resolve);
          ws.terminate();
        }),
    ),
  );
  for (const k of Object.keys(closes)) delete closes[k];
}

process.on('message', async (msg) => {
  try {
    if (msg.cmd === 'open') process.send({ ok: true, opened: await open(msg.urls, msg.concurrency ?? 50) });
    else if (msg.cmd === 'collect') process.send({ ok: true, ...collect(msg.tag) });
    else if (msg.cmd === 'closeAll') {
      await closeAll();
      process.send({ ok: true });
    } else if (msg.cmd === 'exit') process.exit(0);
    else process.send({ ok: false, error: `unknown command ${msg.cmd}` });
  } catch (error) {
    process.send({ ok: false, error: String(error?.stack ?? error) });
  }
});
process.on('disconnect', () => process.exit(0));
