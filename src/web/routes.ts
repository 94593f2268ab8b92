/**
 * The server-rendered pages: `/buy` (checkout form), `/orders/:id` (the return page behind an
 * order's signed status link; JSON with `Accept: application/json`), and `/account` (the
 * buyer's cabinet with its login and logout). Plain forms and links, no script, so they work
 * with JavaScript off. Everything goes through the Checkout interface; this file only reads
 * forms, picks the language and renders.
 *
 * Refusals on these routes are pages too (this plugin's own error handler), or the API's
 * error JSON when the client asked for JSON; 5xx go on to the app's handler.
 */
import type { FastifyError, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { ForbiddenError, isTtopsError, NotFoundError, type TtopsError } from '../errors.js';
import type { CreateOrderInput } from '../orders/types.js';
import { sendError } from '../api/errors.js';
import type { ShopContext } from '../api/routes/orders.js';
import { ORDER_PROVIDERS, orderViewSchema } from '../api/order-schemas.js';
import { errorResponses, idParams } from '../api/schemas.js';
import { isRowId } from '../store/rows.js';
import type { OrderProvider } from '../store/order-types.js';
import { prefersJson } from './accept.js';
import { parseCookies, serializeCookie } from './cookies.js';
import { safeHref } from './html.js';
import { LANG_COOKIE, asLang, pickLang, type Lang } from './lang.js';
import type { Html } from './html.js';
import { renderPage, withLang } from './layout.js';
import { renderCabinet, renderLogin } from './pages/account.js';
import { renderBuy, type BuyForm } from './pages/buy.js';
import { renderError } from './pages/error.js';
import { isWaiting, renderOrder, WAITING_REFRESH_SECONDS } from './pages/order.js';
import { sendPage } from './security.js';
import { clearSession, sessionUser, startSession } from './session.js';
import { errorText, textsFor } from './texts.js';

/** The largest form the pages accept (a few short fields). */
const FORM_LIMIT = 16 * 1024;

/** A urlencoded form as field → first value (a repeated field cannot smuggle an array in). */
export function parseForm(body: string): Record<string, string> {
  const fields = new Map<string, string>();
  for (const [key, value] of new URLSearchParams(body)) if (!fields.has(key)) fields.set(key, value);
  // fromEntries defines own properties, so a field named __proto__ stays a field.
  return Object.fromEntries(fields);
}

/** A page response, documented for /openapi.json. */
function pageSchema(summary: string, description: string, extra: Record<string, unknown> = {}) {
  return {
    summary,
    tags: ['web'],
    description,
    ...extra,
    response: { 200: { description: 'the page', content: { 'text/html': { schema: { type: 'string' } } } }, ...errorResponses },
  };
}

/** A redirect answer, documented. */
function redirectSchema(summary: string, description: string, extra: Record<string, unknown> = {}) {
  return {
    summary,
    tags: ['web'],
    description,
    ...extra,
    response: {
      200: { description: 'the form again, with what was refused', content: { 'text/html': { schema: { type: 'string' } } } },
      303: { description: 'See Other: where the browser goes next (`Location`)', content: { 'text/html': { schema: { type: 'string' } } } },
      ...errorResponses,
    },
  };
}

const formFields = (fields: Record<string, number>) => ({
  type: 'object',
  properties: Object.fromEntries(Object.entries(fields).map(([name, max]) => [name, { type: 'string', maxLength: max }])),
});
const FORM = { consumes: ['application/x-www-form-urlencoded'] };
const langQuery = { lang: { type: 'string', maxLength: 16, description: '`ru` or `en`; remembered in a cookie' } };

/** The status a refusal gets on a page, or undefined for a failure the app's handler owns. */
function clientStatus(error: FastifyError | TtopsError): number | undefined {
  if (isTtopsError(error)) return error.status < 500 ? error.status : undefined;
  if ((error as FastifyError).validation) return 400;
  if (error instanceof SyntaxError) return 400;
  const status = (error as FastifyError).statusCode;
  return status !== undefined && status >= 400 && status < 500 ? status : undefined;
}

/** Registers the pages (register without a prefix). */
export const webRoutes: FastifyPluginAsync<{ ctx: ShopContext }> = async (app, { ctx }) => {
  const { checkout } = ctx;
  const secure = new URL(ctx.config.serverHost).protocol === 'https:';

  // Forms post urlencoded; only these routes read that content type.
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: FORM_LIMIT }, (_request, body, done) => {
    done(null, parseForm(body as string));
  });

  /** The page's language: explicit choice, cookie, Accept-Language, Russian. */
  const langOf = (request: FastifyRequest, explicit?: unknown): Lang =>
    pickLang(explicit ?? (request.query as { lang?: unknown } | undefined)?.lang, parseCookies(request.headers.cookie).get(LANG_COOKIE), request.headers['accept-language']);

  /** Remembers an explicit `?lang=` in the cookie, so the next page is in it too. */
  const rememberLang = (request: FastifyRequest, reply: FastifyReply): void => {
    const chosen = asLang((request.query as { lang?: unknown } | undefined)?.lang);
    if (chosen && parseCookies(request.headers.cookie).get(LANG_COOKIE) !== chosen) {
      reply.header('set-cookie', serializeCookie(LANG_COOKIE, chosen, { maxAge: 365 * 86_400, secure }));
    }
  };

  const page = (reply: FastifyReply, status: number, lang: Lang, title: string, url: string, body: Html, extra: { refreshSeconds?: number; formLeavesSite?: boolean } = {}) =>
    sendPage(reply, status, renderPage({ lang, title, body, switchHref: withLang(url, textsFor(lang).switchLang), refreshSeconds: extra.refreshSeconds }), { formLeavesSite: extra.formLeavesSite });

  app.setErrorHandler((error: FastifyError, request, reply) => {
    const status = clientStatus(error);
    if (status === undefined) throw error; // the app's handler logs it and answers 5xx
    const code = isTtopsError(error) ? error.code : status === 429 ? 'rate_limited' : 'invalid_request';
    if (prefersJson(request.headers.accept)) return sendError(reply, status, code, error.message);
    const lang = langOf(request);
    return page(reply, status, lang, textsFor(lang).errorTitle, request.url, renderError(lang, code, error.message));
  });

  // ---- /buy ----

  /** Renders the checkout form (first visit, or again after a refusal). */
  const buyPage = async (request: FastifyRequest, reply: FastifyReply, status: number, lang: Lang, form: BuyForm, error?: string) => {
    const user = await sessionUser(ctx.accounts, request, reply, secure);
    const body = renderBuy({ lang, products: await checkout.products(lang), providers: checkout.providers(), form, username: user?.username ?? null, error });
    return page(reply, status, lang, textsFor(lang).buyTitle, '/buy' + (form.ref ? `?ref=${encodeURIComponent(form.ref)}` : ''), body, { formLeavesSite: true });
  };

  app.get<{ Querystring: { ref?: string; product?: string; lang?: string } }>(
    '/buy',
    {
      schema: pageSchema('Checkout page', 'Products, payment methods, an optional promo code; `?ref=` carries an inviter’s referral code into the order.', {
        querystring: { type: 'object', properties: { ref: { type: 'string', maxLength: 64 }, product: { type: 'string', maxLength: 20, description: 'preselected product id' }, ...langQuery } },
      }),
    },
    async (request, reply) => {
      rememberLang(request, reply);
      const form: BuyForm = { product_id: request.query.product ?? '', provider: '', promo_code: '', ref: request.query.ref ?? '' };
      return buyPage(request, reply, 200, langOf(request), form);
    },
  );

  app.post<{ Body: Partial<BuyForm> & { lang?: string } }>(
    '/buy',
    {
      schema: redirectSchema('Place an order from the checkout form', 'Makes the order (for the logged-in buyer, if any) and redirects to the provider’s payment page; a refusal shows the form again with the reason.', {
        ...FORM,
        body: formFields({ product_id: 20, provider: 20, promo_code: 64, ref: 64, lang: 16 }),
      }),
    },
    async (request, reply) => {
      const body = request.body ?? {};
      const lang = langOf(request, body.lang);
      const form: BuyForm = { product_id: body.product_id ?? '', provider: body.provider ?? '', promo_code: (body.promo_code ?? '').trim(), ref: (body.ref ?? '').trim() };
      const productId = /^[0-9]{1,15}$/.test(form.product_id) ? Number(form.product_id) : 0;
      if (!isRowId(productId) || !(ORDER_PROVIDERS as readonly string[]).includes(form.provider)) {
        return buyPage(request, reply, 400, lang, form, errorText(lang, 'form_incomplete', 'choose a product and a payment method'));
      }
      const user = await sessionUser(ctx.accounts, request, reply, secure);
      const input: CreateOrderInput = { product_id: productId, provider: form.provider as OrderProvider, lang };
      if (form.promo_code) input.promo_code = form.promo_code;
      if (form.ref) input.ref = form.ref;
      try {
        const created = await checkout.createOrder(input, user ? { userId: user.id } : {});
        const target = safeHref(created.pay_url);
        if (target === '#') throw new Error(`the checkout returned a pay_url that is not http(s): ${created.pay_url.slice(0, 80)}`);
        return reply.code(303).header('location', target).header('referrer-policy', 'no-referrer').send();
      } catch (error) {
        if (!isTtopsError(error)) throw error;
        return buyPage(request, reply, error.status, lang, form, errorText(lang, error.code, error.message));
      }
    },
  );

  // ---- the return page ----

  type OrderLink = { Params: { id: number }; Querystring: { exp?: number; sig?: string; lang?: string } };
  const orderLinkQuery = { type: 'object', properties: { exp: { type: 'integer', description: 'link expiry (signed)' }, sig: { type: 'string', maxLength: 512, description: 'link signature' }, ...langQuery } };

  /** The order behind the request's signed link, as the page or as JSON. */
  const orderPage = async (request: FastifyRequest<OrderLink>, reply: FastifyReply, reveal: boolean) => {
    const { id } = request.params;
    const { exp, sig } = request.query;
    if (!isRowId(id)) throw new NotFoundError('order_not_found', `no order ${id}`);
    if (exp === undefined || sig === undefined || !Number.isSafeInteger(exp)) throw new ForbiddenError('link_invalid', 'this order link is incomplete — open the whole link');
    const json = prefersJson(request.headers.accept);
    // JSON is a client's deliberate call and gets the key at once; a page view waits for the buyer's click.
    const order = await checkout.orderByLink(id, exp, sig, { reveal: reveal || json });
    if (json) return reply.header('cache-control', 'no-store').header('referrer-policy', 'no-referrer').type('application/json; charset=utf-8').send(order);
    rememberLang(request, reply);
    const lang = langOf(request);
    const selfHref = `/orders/${id}?exp=${exp}&sig=${encodeURIComponent(sig)}${request.query.lang ? `&lang=${lang}` : ''}`;
    return page(reply, 200, lang, textsFor(lang).orderTitle(order.order_id), selfHref, renderOrder(lang, order, selfHref), {
      refreshSeconds: isWaiting(order) ? WAITING_REFRESH_SECONDS : undefined,
    });
  };
  const orderResponse = {
    200: {
      description: 'the order',
      content: { 'application/json': { schema: orderViewSchema }, 'text/html': { schema: { type: 'string' } } },
    },
    ...errorResponses,
  };

  app.get<OrderLink>(
    '/orders/:id',
    {
      // A HEAD (link checkers, previews) must not even look.
      exposeHeadRoute: false,
      schema: {
        summary: 'An order behind its signed status link',
        tags: ['web'],
        description:
          'The `status_url` of an order. With `Accept: application/json` the order as JSON, and the first such answer after a license is issued carries the key. ' +
          'Otherwise the return page, which never shows the key by itself (a link preview or scanner may fetch it first): it offers a button that POSTs to the same link. ' +
          'A bad link is 403 `link_invalid`, an old one 410 `link_expired`.',
        params: idParams,
        querystring: orderLinkQuery,
        response: orderResponse,
      },
    },
    (request, reply) => orderPage(request, reply, false),
  );

  app.post<OrderLink>(
    '/orders/:id',
    {
      schema: {
        summary: 'Show the license key of an order, once',
        tags: ['web'],
        description: 'The return page’s «show the key» button: the same signed link, POSTed. The first answer after the license is issued carries the key; later ones say it was shown.',
        params: idParams,
        querystring: orderLinkQuery,
        response: orderResponse,
      },
    },
    (request, reply) => orderPage(request, reply, true),
  );

  // ---- the cabinet ----

  app.get<{ Querystring: { lang?: string } }>(
    '/account',
    { schema: pageSchema('Buyer’s cabinet', 'The login form, or (with the session cookie) credits, license, referral link, orders and payments.', { querystring: { type: 'object', properties: langQuery } }) },
    async (request, reply) => {
      rememberLang(request, reply);
      const lang = langOf(request);
      const t = textsFor(lang);
      const user = await sessionUser(ctx.accounts, request, reply, secure);
      if (!user) return page(reply, 200, lang, t.loginTitle, '/account', renderLogin(lang, ''));
      const view = await checkout.cabinet(user.id);
      const links = new Map(view.orders.map((o) => [o.order_id, checkout.statusUrl(o.order_id)]));
      const referralUrl = `${ctx.urls.serverHost}/buy?ref=${encodeURIComponent(view.referral_code)}`;
      return page(reply, 200, lang, t.accountTitle, '/account', renderCabinet(lang, view, links, referralUrl));
    },
  );

  app.post<{ Body: { username?: string; password?: string; lang?: string } }>(
    '/account/login',
    {
      config: { rateLimit: { max: ctx.config.authRateLimit, timeWindow: 60_000 } },
      schema: redirectSchema('Log in to the cabinet', 'Checks the username and password like `POST /v2/auth/login` (an expired license may log in here, to see it and renew), sets the HttpOnly session cookie and redirects to `/account`; a refusal shows the form again (401). Rate limited per IP.', {
        ...FORM,
        body: formFields({ username: 64, password: 256, lang: 16 }),
      }),
    },
    async (request, reply) => {
      const body = request.body ?? {};
      const lang = langOf(request, body.lang);
      const username = (body.username ?? '').trim();
      const password = body.password ?? '';
      const refuse = (status: number, code: string, message: string) =>
        page(reply, status, lang, textsFor(lang).loginTitle, '/account', renderLogin(lang, username, errorText(lang, code, message)));
      if (!username || !password) return refuse(400, 'login_incomplete', 'enter your username and password');
      try {
        await startSession(ctx.tokens, reply, await ctx.accounts.cabinetLogin({ username, password }), secure);
        return reply.code(303).header('location', '/account').send();
      } catch (error) {
        if (!isTtopsError(error) || error.status >= 500) throw error;
        return refuse(error.status, error.code, error.message);
      }
    },
  );

  app.post(
    '/account/logout',
    { schema: redirectSchema('Log out of the cabinet', 'Clears the session cookie and redirects to `/account`.') },
    async (_request, reply) => {
      clearSession(reply, secure);
      return reply.code(303).header('location', '/account').send();
    },
  );
};
