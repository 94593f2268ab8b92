#!/usr/bin/env node
/**
 * The test suite's fake YooKassa API (test/fakes/yookassa-server.ts, from dist/) as its own
 * process for bench/payments.mjs, so answering the webhook's re-fetch costs the fake's CPU,
 * not the load generator's. It keeps every call it saw; a bench run makes a few tens of
 * thousands, which is a few MB.
 *
 *   node bench/peers/fake-yookassa.mjs --shop-id ID --secret-key test_KEY
 *
 * Prints `fake YooKassa listening on http://127.0.0.1:PORT` when ready; the API is under /v3.
 */
import { parseArgs } from 'node:util';
import { startFakeYookassa } from '../../dist/test/fakes/yookassa-server.js';

const { values: flags } = parseArgs({
  options: {
    'shop-id': { type: 'string', default: '100500' },
    'secret-key': { type: 'string', default: 'test_bench_secret_key' },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (flags.help) {
  console.log('usage: node bench/peers/fake-yookassa.mjs [--shop-id ID] [--secret-key KEY]');
  process.exit(0);
}
const fake = await startFakeYookassa({ shopId: flags['shop-id'], secretKey: flags['secret-key'] });
console.log(`fake YooKassa listening on ${fake.url}`);
const stop = () => fake.close().finally(() => process.exit(0));
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
