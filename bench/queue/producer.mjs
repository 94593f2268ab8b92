// Open-loop producer in its own process: one single-job enqueue per tick through the
// system's public API at `rate`/s, at most `maxInFlight` enqueue calls outstanding (a tick
// that finds the limit reached is dropped). Payload { k, t } with t taken just before the call.
//
//   argv[2] = JSON { system, url, cell, rate, warmupMs, durationMs, maxInFlight, kStart }
import { adapters } from './adapters.mjs';
import { sleep, wallNow } from './lib.mjs';

const spec = JSON.parse(process.argv[2]);
const client = await adapters[spec.system].client(spec.url, spec.cell);
process.send({ type: 'ready' });
await new Promise((r) => process.once('message', r)); // 'go'

const sent = []; // [k, t, addMs]
let inFlight = 0;
let dropped = 0;
let errors = 0;
let k = spec.kStart;

/** Runs ticks at `rate` for `ms`; `measure` false sends warm-up jobs (k = -1). */
async function phase(ms, measure) {
  const period = 1000 / spec.rate;
  const start = performance.now();
  const ticks = Math.round(ms / period);
  for (let i = 0; i < ticks; ) {
    const due = start + i * period;
    const now = performance.now();
    if (now < due) {
      await sleep(Math.max(0, due - now - 0.2));
      continue;
    }
    i++;
    if (inFlight >= spec.maxInFlight) {
      if (measure) dropped++;
      continue;
    }
    const key = measure ? k++ : -1;
    const t = wallNow();
    inFlight++;
    client
      .addOne({ k: key, t })
      .then(() => measure && sent.push([key, t, wallNow() - t]))
      .catch((e) => {
        errors++;
        if (errors < 5) console.error(`[producer] ${e.message}`);
      })
      .finally(() => inFlight--);
  }
}

await phase(spec.warmupMs, false);
const t0 = wallNow();
await phase(spec.durationMs, true);
const windowMs = wallNow() - t0;
for (let waited = 0; inFlight > 0 && waited < 15_000; waited += 10) await sleep(10);
await new Promise((r) => process.send({ type: 'done', sent, dropped, errors, windowMs, offered: Math.round((spec.durationMs / 1000) * spec.rate) }, r));
await client.close();
process.disconnect();
