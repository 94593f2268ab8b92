/**
 * Schema pieces shared by routes, so every `:id`, every limit and every error body is
 * described the same way — and so `/openapi.json` documents exactly what the routes check
 * and send (response schemas are also what Fastify serialises with: a field missing here
 * is a field the client never sees).
 */
import { NotFoundError } from '../errors.js';
import { LIVE_EVENT_TYPES } from '../live/event.js';
import { isRowId } from '../store/rows.js';

/** `:id` path params: a positive whole number (range is checked by `rowIdOr404`, not here). */
export const idParams = {
  type: 'object',
  required: ['id'],
  properties: { id: { type: 'integer', minimum: 1 } },
} as const;

/** The id itself when a row could have it; otherwise the same 404 a missing row gets. */
export function rowIdOr404(id: number, notFound: () => NotFoundError): number {
  if (!isRowId(id)) throw notFound();
  return id;
}

/** `{error:{code,message}}`, added once with `app.addSchema` so every route can `$ref` it. */
export const errorBodySchema = {
  $id: 'ErrorBody',
  type: 'object',
  description: 'Every refusal and failure: a stable machine code and a sentence saying what to do',
  required: ['error'],
  properties: {
    error: {
      type: 'object',
      required: ['code', 'message'],
      properties: {
        code: { type: 'string', description: 'stable, snake_case (e.g. `token_expired`, `invalid_request`)', example: 'invalid_request' },
        message: { type: 'string', description: 'for people: what went wrong and what to do next' },
      },
    },
  },
} as const;

const ERROR_REF = 'ErrorBody#';

/** The error responses every route can give: 4xx refusals and 5xx failures, both in the ErrorBody shape. */
export const errorResponses = {
  '4xx': { description: 'Refused: `error.code` says why (bad input, auth, not found, rate limited, …)', $ref: ERROR_REF },
  '5xx': { description: 'Server failure or not ready; details are in the server log', $ref: ERROR_REF },
} as const;

/** An error response with its own description (e.g. the 426 of the WebSocket route). */
export function errorResponse(description: string): { description: string; $ref: string } {
  return { description, $ref: ERROR_REF };
}

/** Security requirement of routes behind `Authorization: Bearer <access_token>`. */
export const BEARER = [{ bearerAuth: [] }];

/** Security requirement of the admin routes (`Admin-Api-Key` header). */
export const ADMIN_KEY = [{ adminApiKey: [] }];

/**
 * A route-level validator compiler that accepts any body: for bodies the handler parses
 * itself (multipart streams, provider callbacks, models with their own coded messages),
 * whose schema is there to document them, not to have Fastify check them a second time.
 */
export const documentOnly = () => () => true;

const nullable = (type: string) => ({ type: [type, 'null'] });

/** `GET /v2/auth/me` and `PATCH /v2/auth/me` (field names are the client contract). */
export const meView = {
  type: 'object',
  required: ['id', 'username', 'voice_id', 'tts_enabled', 'gift_sounds_enabled', 'tts_volume', 'gifts_volume', 'tiktok_username', 'plan', 'license_expires_at', 'credits'],
  properties: {
    id: { type: 'integer' },
    username: nullable('string'),
    voice_id: { type: 'string', example: 'ru-RU-SvetlanaNeural' },
    tts_enabled: { type: 'boolean' },
    gift_sounds_enabled: { type: 'boolean' },
    tts_volume: { type: 'integer', minimum: 0, maximum: 100 },
    gifts_volume: { type: 'integer', minimum: 0, maximum: 100 },
    tiktok_username: nullable('string'),
    plan: nullable('string'),
    license_expires_at: { type: ['string', 'null'], format: 'date-time' },
    credits: { type: 'integer' },
  },
} as const;

/** The token response of redeem and login. */
export const authResult = {
  type: 'object',
  required: ['access_token', 'token_type', 'license_expires_at', 'plan'],
  properties: {
    access_token: { type: 'string', description: 'a JWT; send it as `Authorization: Bearer <access_token>`' },
    token_type: { type: 'string', enum: ['bearer'] },
    license_expires_at: { type: 'string', format: 'date-time', description: 'the token expires with the license' },
    plan: nullable('string'),
  },
} as const;

/** A freshly issued key (the only time the key itself is shown). */
export const issuedKey = {
  type: 'object',
  required: ['key', 'plan', 'expires_at'],
  properties: { key: { type: 'string', example: 'TTB-ABCD-EFGH-JKLM' }, plan: { type: 'string' }, expires_at: { type: 'string', format: 'date-time' } },
} as const;

/** A key as the admin sees it afterwards: masked, with its effective status. */
export const licenseView = {
  type: 'object',
  required: ['id', 'key', 'plan', 'ttl_days', 'status', 'note', 'created_at', 'expires_at', 'redeemed_by', 'redeemed_at', 'revoked_at'],
  properties: {
    id: { type: 'integer' },
    key: { type: 'string', description: 'masked: only the last characters are shown' },
    plan: { type: 'string' },
    ttl_days: { type: 'integer' },
    status: { type: 'string', enum: ['active', 'redeemed', 'revoked', 'expired'] },
    note: nullable('string'),
    created_at: { type: 'string', format: 'date-time' },
    expires_at: { type: 'string', format: 'date-time' },
    redeemed_by: nullable('integer'),
    redeemed_at: { type: ['string', 'null'], format: 'date-time' },
    revoked_at: { type: ['string', 'null'], format: 'date-time' },
  },
} as const;

/** The client view of a video job. */
export const jobView = {
  type: 'object',
  required: ['id', 'status', 'attempts', 'result_urls', 'error_code', 'refunded'],
  properties: {
    id: { type: 'integer' },
    status: { type: 'string', enum: ['queued', 'running', 'waiting_provider', 'succeeded', 'failed'] },
    attempts: { type: 'integer' },
    result_urls: { type: 'array', items: { type: 'string' } },
    error_code: nullable('string'),
    refunded: { type: 'boolean' },
  },
} as const;

/** `GET /v2/ws` (doc only: the upgrade happens before any schema could apply). */
export const wsRouteSchema = {
  summary: 'Live socket (WebSocket)',
  tags: ['live'],
  description:
    'Connect with a WebSocket client (`Upgrade: websocket`) and `?token=<access_token>`. The server sends JSON messages ' +
    '(`status`, `event`, `action`, `tts`) and never reads any; the token is checked after the upgrade, so a refusal arrives as a ' +
    'close code (4001 token missing, 4002 invalid, 4003 expired, 4010 license expired, 4008 too slow, 1001 shutting down). ' +
    'A plain GET without the upgrade answers 426. docs/websocket.md describes the protocol.',
  querystring: { type: 'object', properties: { token: { type: 'string', description: 'the access token from login or redeem' } } },
  response: {
    101: { description: 'Switching Protocols: the socket is open', type: 'null' },
    426: errorResponse('Upgrade Required: this is a WebSocket endpoint'),
    ...errorResponses,
  },
} as const;

/** A live event as simulate takes it (the parser in src/live/event.ts is the authority). */
const liveEventBody = {
  type: 'object',
  required: ['event_type'],
  description: 'A normalised live event: flat snake_case, as on the socket and in replay files. Unknown fields are refused.',
  properties: {
    event_type: { type: 'string', enum: [...LIVE_EVENT_TYPES] },
    msg_id: { type: 'string', maxLength: 128 },
    at: { description: 'epoch milliseconds or an ISO time; now by default', type: ['integer', 'string'] },
    user_id: { type: 'string' },
    unique_id: { type: 'string', description: 'the sender’s @handle' },
    nickname: { type: 'string' },
    gift_id: { type: 'string' },
    gift_name: { type: 'string' },
    diamond_count: { type: 'integer' },
    repeat_count: { type: 'integer' },
    repeat_end: { type: 'boolean' },
    streakable: { type: 'boolean' },
    group_id: { type: 'string' },
    comment: { type: 'string', maxLength: 500 },
    like_count: { type: 'integer' },
    total_like_count: { type: 'integer' },
    viewer_count: { type: 'integer' },
  },
} as const;

/** `POST /v2/live/simulate`. */
export const liveSimulateSchema = {
  summary: 'Simulate a live event ("test my setup")',
  tags: ['live'],
  description: 'Runs the event through your own triggers; your sockets receive exactly what a live event would send, and the response lists those messages.',
  security: BEARER,
  body: liveEventBody,
  response: {
    200: {
      type: 'object',
      required: ['messages'],
      properties: { messages: { type: 'array', items: { type: 'object', additionalProperties: true, description: 'a socket message: `event`, `action` or `tts`' } } },
    },
    ...errorResponses,
  },
} as const;
