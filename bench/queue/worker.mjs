// A worker process for one system. Its handler notes the wall-clock time at handler start
// (performance.timeOrigin + performance.now(), like ttops's `job:start` `at`) and reports
// [k, start − payload.t] to the parent over IPC every 100 ms.
//
//   argv[2] = JSON { system, url, cell, mode: 'noop' | 'latency' | 'sleep' | 'inflight', instance, sleepMs }
import { adapters } from './adapters.mjs';
import { procUsage, sleep, wallNow } from './lib.mjs';

const spec = JSON.parse(process.argv[2]);
let pending = [];
const record = (job) => {
  const at = wallNow();
  pending.push([job.payload.k ?? -1, at - Number(job.payload.t ?? at), at, job.id ?? null]);
};

const handlers = {
  noop: { noop: async () => {} },
  latency: { noop: async (job) => record(job) },
  inflight: { noop: async (job) => record(job) },
  sleep: {
    sleep: async (job) => {
      record(job);
      await sleep(spec.sleepMs ?? 60_000);
    },
  },
}[spec.mode];

const flush = () => {
  if (pending.length === 0 || !process.connected) return;
  process.send({ type: 'starts', items: pending });
  pending = [];
};

const running = await adapters[spec.system].work(spec.url, spec.cell, handlers, { withDefaults: spec.mode === 'inflight', instance: spec.instance ?? 1 });
const flusher = setInterval(flush, 100);
process.send({ type: 'ready', pid: process.pid });

process.on('message', async (m) => {
  if (m?.type === 'usage') {
    process.send({ type: 'usage', ...procUsage(process.pid), busy: running.worker?.busy });
  } else if (m?.type === 'stop') {
    await running.stop();
    clearInterval(flusher);
    flush();
    process.send({ type: 'stopped' });
    process.disconnect();
    setTimeout(() => process.exit(0), 200).unref();
  }
});
process.on('disconnect', () => setTimeout(() => process.exit(0), 5000).unref());
