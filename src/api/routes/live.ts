/**
 * `POST /v2/live/simulate`: "test my setup". The event runs through the streamer's own
 * triggers and reaches their sockets exactly as a live one would; the response lists the
 * messages it produced.
 */
import type { FastifyPluginAsync } from 'fastify';
import { parseLiveEvent } from '../../live/event.js';
import type { LivePipeline } from '../../live/pipeline.js';
import type { AppContext } from '../app.js';
import { userGuard } from '../guards.js';
import { documentOnly, liveSimulateSchema } from '../schemas.js';

/** Registers `/v2/live`. */
export function liveRoutes(pipeline: LivePipeline): FastifyPluginAsync<{ ctx: AppContext }> {
  return async (app, { ctx }) => {
    app.addHook('preHandler', userGuard(ctx.accounts));
    app.post(
      '/simulate',
      // Documented here, checked by the event parser (its codes and messages are the contract).
      { schema: liveSimulateSchema, validatorCompiler: documentOnly },
      async (request) => ({ messages: await pipeline.process(request.user!, parseLiveEvent(request.body, { strict: true })) }),
    );
  };
}
