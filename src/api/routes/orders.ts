/**
 * The checkout's API: the catalogue, making an order (logged in or not), and an order for its
 * owner. All of it calls the Checkout (src/orders/types.ts); this file only validates,
 * authenticates and shapes answers. A bad or expired token on `POST /v2/orders` is a 401,
 * never a silent anonymous order.
 */
import type { FastifyPluginAsync } from 'fastify';
import { NotFoundError } from '../../errors.js';
import type { Checkout, CreateOrderInput } from '../../orders/types.js';
import { asLang, langFromAcceptLanguage } from '../../web/lang.js';
import type { AppContext } from '../app.js';
import { optionalUserGuard, userGuard } from '../guards.js';
import { createdOrderSchema, ORDER_PROVIDERS, orderViewSchema, productViewSchema } from '../order-schemas.js';
import { BEARER, errorResponses, idParams, rowIdOr404 } from '../schemas.js';

/** What the checkout's routes and pages need: the app's accounts, tokens, config and public URLs, and the Checkout. */
export interface ShopContext extends Pick<AppContext, 'accounts' | 'tokens' | 'config' | 'urls'> {
  checkout: Checkout;
}

/** Optional bearer: OpenAPI's way of saying "a token, or none". */
const OPTIONAL_BEARER = [...BEARER, {}];

/** Registers `GET /v2/products`, `POST /v2/orders`, `GET /v2/orders/:id` (register without a prefix). */
export const orderRoutes: FastifyPluginAsync<{ ctx: ShopContext }> = async (app, { ctx }) => {
  const { checkout } = ctx;

  app.get<{ Querystring: { lang?: string } }>(
    '/v2/products',
    {
      schema: {
        summary: 'The catalogue',
        tags: ['orders'],
        description: 'Enabled credit packs and license plans, in catalogue order. Titles in `?lang=` (ru|en), else Accept-Language, else Russian.',
        querystring: { type: 'object', properties: { lang: { type: 'string', enum: ['ru', 'en'] } } },
        response: { 200: { type: 'object', required: ['products'], properties: { products: { type: 'array', items: productViewSchema } } }, ...errorResponses },
      },
    },
    async (request) => {
      const lang = asLang(request.query.lang) ?? langFromAcceptLanguage(request.headers['accept-language']) ?? 'ru';
      return { products: await checkout.products(lang) };
    },
  );

  app.post<{ Body: CreateOrderInput }>(
    '/v2/orders',
    {
      preHandler: optionalUserGuard(ctx.accounts),
      config: { rateLimit: { max: ctx.config.authRateLimit * 3, timeWindow: 60_000 } },
      schema: {
        summary: 'Make an order',
        tags: ['orders'],
        description:
          'Bearer optional: with a token the order belongs to that account (needed for credit packs); without one it is anonymous ' +
          '(a license key is shown once on the `status_url` page). A bad or expired token is refused (401), not ignored. ' +
          'Send the buyer to `pay_url`; the provider returns them to `status_url`.',
        security: OPTIONAL_BEARER,
        headers: {
          type: 'object',
          properties: {
            'idempotency-key': {
              type: 'string',
              pattern: '^[A-Za-z0-9_.:-]{8,64}$',
              description: 'a random value (a UUID) per purchase: a retry with the same key answers the same order instead of making another',
            },
          },
        },
        body: {
          type: 'object',
          required: ['product_id', 'provider'],
          additionalProperties: false,
          properties: {
            product_id: { type: 'integer', minimum: 1, maximum: Number.MAX_SAFE_INTEGER },
            provider: { type: 'string', enum: [...ORDER_PROVIDERS] },
            promo_code: { type: 'string', minLength: 1, maxLength: 64 },
            ref: { type: 'string', minLength: 1, maxLength: 64, description: 'the inviter’s referral code (`/buy?ref=`)' },
            lang: { type: 'string', enum: ['ru', 'en'], description: 'language of the provider’s page and the return page; Accept-Language by default' },
          },
        },
        response: { 201: createdOrderSchema, ...errorResponses },
      },
    },
    async (request, reply) => {
      const body = request.body;
      const lang = body.lang ?? langFromAcceptLanguage(request.headers['accept-language']) ?? 'ru';
      const input: CreateOrderInput = { product_id: body.product_id, provider: body.provider, lang };
      if (body.promo_code !== undefined) input.promo_code = body.promo_code;
      if (body.ref !== undefined) input.ref = body.ref;
      const idempotencyKey = request.headers['idempotency-key'];
      const created = await checkout.createOrder(input, request.user ? { userId: request.user.id } : {}, typeof idempotencyKey === 'string' ? { idempotencyKey } : {});
      return reply.code(201).send(created);
    },
  );

  app.get<{ Params: { id: number } }>(
    '/v2/orders/:id',
    {
      preHandler: userGuard(ctx.accounts),
      schema: {
        summary: 'One of your orders',
        tags: ['orders'],
        description: 'State and what was delivered. Never shows a license key (the return page behind `status_url` shows it once). Someone else’s order is a 404.',
        security: BEARER,
        params: idParams,
        response: { 200: orderViewSchema, ...errorResponses },
      },
    },
    async (request) => {
      const id = rowIdOr404(request.params.id, () => new NotFoundError('order_not_found', `no order ${request.params.id} of yours`));
      return checkout.orderForOwner(id, request.user!.id);
    },
  );
};
