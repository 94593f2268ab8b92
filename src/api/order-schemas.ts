/**
 * JSON schemas of the checkout's API shapes (src/orders/types.ts), so `/openapi.json`
 * documents them and Fastify serialises exactly these fields. Money is rubles as a string
 * with two decimals.
 */

const nullable = (type: string) => ({ type: [type, 'null'] });
const rubles = { type: 'string', pattern: '^[0-9]+\\.[0-9]{2}$', example: '290.00', description: 'rubles, two decimals' } as const;
const dateTime = { type: 'string', format: 'date-time' } as const;

/** The providers an order can be paid through. */
export const ORDER_PROVIDERS = ['robokassa', 'yookassa', 'wata'] as const;

/** A catalogue entry. */
export const productViewSchema = {
  type: 'object',
  required: ['id', 'kind', 'code', 'title', 'title_ru', 'title_en', 'price_rub', 'price_stars', 'credits', 'plan', 'ttl_days'],
  properties: {
    id: { type: 'integer' },
    kind: { type: 'string', enum: ['credits', 'license'] },
    code: { type: 'string', example: 'credits-10' },
    title: { type: 'string', description: 'in the requested language' },
    title_ru: { type: 'string' },
    title_en: { type: 'string' },
    price_rub: rubles,
    price_stars: { type: 'integer', description: 'Telegram Stars (in the bot)' },
    credits: { ...nullable('integer'), description: 'credits a pack grants' },
    plan: { ...nullable('string'), description: 'license plan' },
    ttl_days: { ...nullable('integer'), description: 'license length' },
  },
} as const;

/** `POST /v2/orders` answer. */
export const createdOrderSchema = {
  type: 'object',
  required: ['order_id', 'amount', 'pay_url', 'status_url'],
  properties: {
    order_id: { type: 'integer' },
    amount: { ...rubles, description: 'rubles to pay, after any discount' },
    pay_url: { type: 'string', format: 'uri', description: 'send the buyer here to pay' },
    status_url: { type: 'string', format: 'uri', description: 'signed, expiring link to the order: JSON with `Accept: application/json`, the return page otherwise' },
  },
} as const;

/** An order's state and, once paid, what it delivered. */
export const orderViewSchema = {
  type: 'object',
  required: ['order_id', 'status', 'product', 'provider', 'amount', 'list_price', 'promo_code', 'test', 'created_at', 'expires_at', 'paid_at', 'delivered'],
  properties: {
    order_id: { type: 'integer' },
    status: { type: 'string', enum: ['created', 'pending', 'paid', 'failed', 'expired', 'refunded'] },
    product: productViewSchema,
    provider: { type: 'string', enum: [...ORDER_PROVIDERS] },
    amount: rubles,
    list_price: rubles,
    promo_code: nullable('string'),
    test: { type: 'boolean', description: 'paid (or payable) in the provider’s test mode only' },
    created_at: dateTime,
    expires_at: dateTime,
    paid_at: { type: ['string', 'null'], format: 'date-time' },
    delivered: {
      type: ['object', 'null'],
      description: 'null until paid',
      required: ['credits'],
      properties: {
        credits: { type: 'integer', description: 'credits granted' },
        license_key: { type: 'string', description: 'the key itself: only in the one answer that reveals it' },
        license_expires_at: dateTime,
        license_delivery: {
          type: 'string',
          enum: ['ready', 'shown_now', 'shown_before', 'sent_to_telegram'],
          description: '`ready`: issued, not shown yet (the status link shows it once: as JSON at once, on the page after a click); `shown_now`: this answer carries it',
        },
      },
    },
  },
} as const;
