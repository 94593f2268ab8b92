/**
 * `/v2/triggers`: set (create, or replace with `id`), list, delete. The body of `set` is
 * validated by the trigger model (`src/live/trigger.ts`), whose messages name the field.
 */
import type { FastifyPluginAsync } from 'fastify';
import { TRIGGER_ACTIONS, TRIGGER_EVENT_TYPES } from '../../live/trigger.js';
import type { TriggerService } from '../../live/triggers.js';
import type { AppContext } from '../app.js';
import { userGuard } from '../guards.js';
import { BEARER, documentOnly, errorResponses } from '../schemas.js';

const triggerView = {
  type: 'object',
  required: ['id', 'event_type', 'condition_key', 'condition_value', 'action', 'action_params', 'enabled', 'cooldown_seconds'],
  properties: {
    id: { type: 'integer' },
    event_type: { type: 'string' },
    condition_key: { type: 'string' },
    condition_value: { type: 'string' },
    action: { type: 'string', enum: ['play_sound', 'tts', 'both'] },
    action_params: {
      type: 'object',
      properties: { sound: { type: 'string' }, text: { type: 'string' }, volume: { type: 'integer' }, per_unit: { type: 'boolean' }, max_units: { type: 'integer' } },
    },
    enabled: { type: 'boolean' },
    cooldown_seconds: { type: 'integer' },
    created_at: { type: 'string' },
    updated_at: { type: 'string' },
  },
} as const;

/** The `set` body as documented; the trigger model (src/live/trigger.ts) checks it, with messages naming the field. */
const triggerInput = {
  type: 'object',
  required: ['event_type', 'action'],
  additionalProperties: false,
  properties: {
    id: { type: 'integer', description: 'replace this trigger instead of creating one' },
    event_type: { type: 'string', enum: [...TRIGGER_EVENT_TYPES] },
    condition_key: { type: 'string', description: 'gift: gift_id, gift_name, min_diamonds; chat: command, equals, contains; like: threshold; others: any' },
    condition_value: { type: ['string', 'number'] },
    action: { type: 'string', enum: [...TRIGGER_ACTIONS] },
    action_params: {
      type: 'object',
      additionalProperties: false,
      properties: {
        sound: { type: 'string', description: 'a stored sound filename' },
        text: { type: 'string', maxLength: 300, description: 'a template such as `{nickname} sent {gift_name}`' },
        volume: { type: 'integer', minimum: 0, maximum: 100, default: 100 },
        per_unit: { type: 'boolean', description: 'gift only: one action per unit instead of once per streak' },
        max_units: { type: 'integer', minimum: 1, maximum: 100, default: 20 },
      },
    },
    enabled: { type: 'boolean', default: true },
    cooldown_seconds: { type: 'integer', minimum: 0, maximum: 86400, default: 0 },
  },
} as const;

/** Registers `/v2/triggers`. */
export function triggerRoutes(triggers: TriggerService): FastifyPluginAsync<{ ctx: AppContext }> {
  return async (app, { ctx }) => {
    app.addHook('preHandler', userGuard(ctx.accounts));

    app.post(
      '/set',
      {
        schema: { summary: 'Create or replace a trigger', tags: ['triggers'], security: BEARER, body: triggerInput, response: { 200: triggerView, ...errorResponses } },
        validatorCompiler: documentOnly,
      },
      async (request) => triggers.set(request.user!.id, request.body),
    );

    const listSchema = {
      summary: 'Your triggers',
      tags: ['triggers'],
      security: BEARER,
      response: { 200: { type: 'object', required: ['triggers'], properties: { triggers: { type: 'array', items: triggerView } } }, ...errorResponses },
    };
    app.get('/list', { schema: listSchema }, async (request) => ({
      triggers: await triggers.list(request.user!.id),
    }));

    app.post<{ Body: { id: number } }>(
      '/delete',
      {
        schema: {
          summary: 'Delete a trigger',
          tags: ['triggers'],
          security: BEARER,
          body: { type: 'object', required: ['id'], additionalProperties: false, properties: { id: { type: 'integer', minimum: 1, maximum: Number.MAX_SAFE_INTEGER } } },
          response: { 200: { type: 'object', required: ['deleted'], properties: { deleted: { type: 'integer' } } }, ...errorResponses },
        },
      },
      async (request) => {
        await triggers.delete(request.user!.id, request.body.id);
        return { deleted: request.body.id };
      },
    );
  };
}
