/**
 * `/v2/triggers`: set (create, or replace with `id`), list, delete. The body of `set` is
 * validated by the trigger model (`src/live/trigger.ts`), whose messages name the field.
 */
import type { FastifyPluginAsync } from 'fastify';
import type { TriggerService } from '../../live/triggers.js';
import type { AppContext } from '../app.js';
import { userGuard } from '../guards.js';

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

/** Registers `/v2/triggers`. */
export function triggerRoutes(triggers: TriggerService): FastifyPluginAsync<{ ctx: AppContext }> {
  return async (app, { ctx }) => {
    app.addHook('preHandler', userGuard(ctx.accounts));

    app.post('/set', { schema: { body: { type: 'object' }, response: { 200: triggerView } } }, async (request) => triggers.set(request.user!.id, request.body));

    app.get('/list', { schema: { response: { 200: { type: 'object', properties: { triggers: { type: 'array', items: triggerView } } } } } }, async (request) => ({
      triggers: await triggers.list(request.user!.id),
    }));

    app.post<{ Body: { id: number } }>(
      '/delete',
      {
        schema: {
          body: { type: 'object', required: ['id'], additionalProperties: false, properties: { id: { type: 'integer', minimum: 1, maximum: Number.MAX_SAFE_INTEGER } } },
          response: { 200: { type: 'object', properties: { deleted: { type: 'integer' } } } },
        },
      },
      async (request) => {
        await triggers.delete(request.user!.id, request.body.id);
        return { deleted: request.body.id };
      },
    );
  };
}
