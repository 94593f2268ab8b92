/**
 * `/v2/payments/*`: the card providers' notifications and Robokassa's browser redirects.
 * Register with `{ prefix: '/v2/payments', providers, handle, statusUrl }`.
 *
 * Each notification route reads the RAW body (signatures cover the bytes; a scoped buffer
 * parser for JSON and form bodies, 64 KB at most), lets the provider module authenticate
 * it, hands the verified notice to `handle` (the checkout's one fulfilment transaction),
 * and only then answers the provider's acknowledgement — also for a replay, which `handle`
 * treats as done. A refusal is a 400/403 with nothing recorded; a failure to record is a
 * 503, so the provider sends it again. Providers are exempt from the API rate limit.
 */
import type { FastifyBaseLogger, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { IncomingNotice, PaymentProvider, VerifiedNotice, VerifyResult } from '../../payments/types.js';
import type { ReturnCheck } from '../../payments/robokassa.js';
import type { OrderProvider } from '../../store/order-types.js';
import { sendError } from '../errors.js';
import { errorResponse, errorResponses } from '../schemas.js';

/** What the payment routes need. */
export interface PaymentRoutesOptions {
  /** The enabled providers (see src/payments/registry.ts); an absent one answers 404 `provider_disabled`. */
  providers: ReadonlyMap<OrderProvider, PaymentProvider>;
  /** Records a verified notice (fulfil, fail or nothing); throws when it could not be recorded. */
  handle: (notice: VerifiedNotice) => Promise<void>;
  /** The order's signed status page, where Robokassa's redirects send the buyer. */
  statusUrl: (orderId: number) => string;
  /** Where an unsigned FailURL redirect goes (Robokassa signs only SuccessURL); default `/buy`. */
  unsignedFailUrl?: string;
  log?: Pick<FastifyBaseLogger, 'warn' | 'error'>;
}

/** A provider that can check Robokassa's browser redirects. */
interface ReturnChecker {
  verifyReturn(fields: URLSearchParams): ReturnCheck;
}

const NOTICE_BODY_LIMIT = 64 * 1024;

const noticeSchema = (summary: string, description: string) => ({
  summary,
  description,
  tags: ['payments'],
  response: {
    200: { description: "the provider's acknowledgement (Robokassa: `OK{InvId}`; others: empty), also for a replay", type: 'string' },
    400: errorResponse('refused, nothing recorded: `malformed`, `bad_signature` or `unknown_payment`'),
    403: errorResponse('`forbidden_ip`: the sender is not on the configured allowlist'),
    404: errorResponse('`provider_disabled`: this provider has no credentials on this server'),
    503: errorResponse('`payment_not_recorded` or `provider_unreachable`: not handled now; the provider resends it'),
    ...errorResponses,
  },
});

const redirectSchema = (summary: string) => ({
  summary,
  description: 'A browser redirect from Robokassa, checked with password #1, then 303 to the order status page. It never fulfils an order: only ResultURL does.',
  tags: ['payments'],
  response: {
    303: { description: 'to the order status page', type: 'null' },
    400: errorResponse('`bad_signature` or `malformed`'),
    404: errorResponse('`provider_disabled`'),
    ...errorResponses,
  },
});

/** The routes; encapsulated, so the raw-body parser does not reach other routes. */
export const paymentRoutes: FastifyPluginAsync<PaymentRoutesOptions> = async (app, options) => {
  const { providers, handle, statusUrl } = options;
  app.removeAllContentTypeParsers();
  app.addContentTypeParser(['application/json', 'application/x-www-form-urlencoded'], { parseAs: 'buffer', bodyLimit: NOTICE_BODY_LIMIT }, (_request, body, done) => done(null, body));

  const logOf = (request: FastifyRequest) => options.log ?? request.log;
  const disabled = (reply: FastifyReply, name: string) => sendError(reply, 404, 'provider_disabled', `${name} payments are not enabled on this server — set its credentials to accept them`);

  async function receive(name: OrderProvider, request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
    const provider = providers.get(name);
    if (!provider) return disabled(reply, name);
    const incoming: IncomingNotice = {
      rawBody: Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0),
      contentType: request.headers['content-type'],
      headers: request.headers,
      ip: request.ip,
      query: firstValues(request.query),
    };
    let result: VerifyResult;
    try {
      result = await provider.verify(incoming);
    } catch (error) {
      logOf(request).warn({ err: error, provider: name }, 'payment notice could not be verified now');
      return sendError(reply, 503, 'provider_unreachable', `the ${name} notice could not be checked now — ${name} will send it again`);
    }
    if (!result.ok) {
      logOf(request).warn({ provider: name, reason: result.reason, ip: request.ip, detail: result.message }, 'payment notice refused');
      return sendError(reply, result.reason === 'forbidden_ip' ? 403 : 400, result.reason, result.message);
    }
    try {
      await handle(result.notice);
    } catch (error) {
      logOf(request).error({ err: error, provider: name, orderId: result.notice.orderId, eventKey: result.notice.eventKey }, 'payment notice not recorded');
      return sendError(reply, 503, 'payment_not_recorded', 'the payment could not be recorded now — the provider will send it again');
    }
    const ack = provider.ack(result.notice);
    return reply.code(ack.status).type(ack.contentType).send(ack.body);
  }

  async function browserReturn(kind: 'success' | 'fail', request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
    const provider = providers.get('robokassa') as (PaymentProvider & Partial<ReturnChecker>) | undefined;
    if (!provider?.verifyReturn) return disabled(reply, 'robokassa');
    // The shop's settings choose GET or POST for these redirects.
    const fields = Buffer.isBuffer(request.body) && request.body.length > 0 ? new URLSearchParams(request.body.toString('utf8')) : new URLSearchParams(firstValues(request.query));
    if (kind === 'fail' && !fields.has('SignatureValue')) return reply.redirect(options.unsignedFailUrl ?? '/buy', 303);
    const check = provider.verifyReturn(fields);
    if (!check.ok) return sendError(reply, 400, check.reason, check.message);
    return reply.redirect(statusUrl(check.orderId), 303);
  }

  const notice = { config: { rateLimit: false }, bodyLimit: NOTICE_BODY_LIMIT };
  const robokassaResult = { ...notice, schema: noticeSchema('Robokassa ResultURL notification', 'Robokassa calls this (form POST or GET) when a payment is made. Checked with password #2 over OutSum as received; answered `OK{InvId}`.') };
  app.post('/robokassa/result', robokassaResult, (request, reply) => receive('robokassa', request, reply));
  app.get('/robokassa/result', robokassaResult, (request, reply) => receive('robokassa', request, reply));
  app.post('/yookassa/webhook', { ...notice, schema: noticeSchema('YooKassa HTTP notification', 'Unsigned: after the optional IP allowlist the payment is re-fetched from YooKassa, and only that answer counts.') }, (request, reply) => receive('yookassa', request, reply));
  app.post('/wata/webhook', { ...notice, schema: noticeSchema('WATA webhook', 'Signed: X-Signature is RSA-SHA512 over the raw body with WATA\'s public key.') }, (request, reply) => receive('wata', request, reply));
  for (const kind of ['success', 'fail'] as const) {
    const route = { ...notice, schema: redirectSchema(kind === 'success' ? 'Robokassa SuccessURL (browser)' : 'Robokassa FailURL (browser)') };
    app.get(`/robokassa/${kind}`, route, (request, reply) => browserReturn(kind, request, reply));
    app.post(`/robokassa/${kind}`, route, (request, reply) => browserReturn(kind, request, reply));
  }
};

/** Fastify's parsed query with the first of any repeated value. */
function firstValues(query: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (query && typeof query === 'object') {
    for (const [key, value] of Object.entries(query as Record<string, unknown>)) {
      const first = Array.isArray(value) ? value[0] : value;
      if (typeof first === 'string') out[key] = first;
    }
  }
  return out;
}
