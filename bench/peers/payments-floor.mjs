#!/usr/bin/env node
/**
 * The floor for bench/payments.mjs: a bare Fastify route that takes the same Robokassa ResultURL
 * form, checks the same signature (md5 over OutSum:InvId:Password2:Shp_…), and pays the order in
 * ONE statement (a CTE: lock the order, insert the payment unique per InvId, mark the order paid,
 * write the purchase ledger row and the balance), then answers `OK{InvId}`. No audit log, no
 * license key, no bot message, no referral, no logging or metrics: what this box does with the
 * least work a correct fulfilment can be.
 *
 *   DATABASE_URL=… ROBOKASSA_PASSWORD_2=… node bench/peers/payments-floor.mjs --port 8002
 *
 * Prints `payments floor listening on http://127.0.0.1:PORT` when ready.
 */
import { createHash } from 'node:crypto';
import { parseArgs } from 'node:util';
import Fastify from 'fastify';
import pg from 'pg';

const { values: flags } = parseArgs({ options: { port: { type: 'string', default: '0' }, pool: { type: 'string', default: '10' } } });
const password2 = process.env.ROBOKASSA_PASSWORD_2;
const hash = process.env.ROBOKASSA_HASH ?? 'md5';
if (!process.env.DATABASE_URL || !password2) throw new Error('set DATABASE_URL and ROBOKASSA_PASSWORD_2');
const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: Number(flags.pool) });

const FULFIL = `WITH o AS (
    SELECT id, user_id, product_id, credits FROM orders WHERE id = $1 AND provider = 'robokassa' AND amount = $2 AND NOT test FOR UPDATE
  ), p AS (
    INSERT INTO payments (provider, provider_payment_id, order_id, user_id, product_id, amount, currency, credits, status, paid_at, fulfilled_at)
    SELECT 'robokassa', $3, id, user_id, product_id, $4, 'RUB', credits, 'paid', now(), now() FROM o
    ON CONFLICT (provider, provider_payment_id) DO NOTHING RETURNING id, order_id, user_id, credits
  ), paid AS (
    UPDATE orders SET status = 'paid', paid_at = now(), updated_at = now(), payment_id = p.id FROM p WHERE orders.id = p.order_id RETURNING orders.id
  ), l AS (
    INSERT INTO credit_ledger (user_id, delta, kind, reason, payment_id) SELECT user_id, credits, 'purchase', 'robokassa', id FROM p WHERE credits > 0 RETURNING user_id, delta
  ), b AS (
    UPDATE users SET credits = credits + l.delta, updated_at = now() FROM l WHERE users.id = l.user_id RETURNING users.id
  )
  SELECT (SELECT count(*) FROM o) AS found, (SELECT count(*) FROM paid) AS paid, (SELECT count(*) FROM b) AS credited`;

const app = Fastify({ logger: false });
app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_request, body, done) => done(null, body));
app.post('/v2/payments/robokassa/result', async (request, reply) => {
  const fields = new URLSearchParams(request.body);
  const outSum = fields.get('OutSum');
  const invId = fields.get('InvId');
  const signature = fields.get('SignatureValue') ?? '';
  const shp = [...fields].filter(([k]) => /^shp_/i.test(k)).map(([k, v]) => `${k}=${v}`).sort();
  const expected = createHash(hash).update([outSum, invId, password2, ...shp].join(':')).digest('hex');
  if (!outSum || !invId || signature.toLowerCase() !== expected) return reply.code(400).send('bad signature');
  const [rubles, decimals = ''] = outSum.split('.');
  const kopecks = Number(rubles) * 100 + Number(decimals.padEnd(2, '0').slice(0, 2));
  const { rows } = await pool.query(FULFIL, [Number(invId), kopecks, invId, outSum]);
  // A replay finds the order (already paid) and inserts nothing: acknowledged all the same.
  if (Number(rows[0].found) === 0) return reply.code(400).send('no such order');
  return reply.type('text/plain; charset=utf-8').send(`OK${invId}`);
});
const address = await app.listen({ host: '127.0.0.1', port: Number(flags.port) });
console.log(`payments floor listening on ${address}`);
const stop = () => app.close().then(() => pool.end()).finally(() => process.exit(0));
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
