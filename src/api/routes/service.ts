/**
 * Service endpoints: `/` (the seed shape old clients read), `/health` (liveness),
 * `/ready` (readiness with per-check detail) and `/metrics` (Prometheus).
 */
import type { FastifyPluginAsync } from 'fastify';
import { runChecks } from '../readiness.js';
import type { AppContext } from '../app.js';

const HEALTH_JSON = 'application/health+json';

/** Registers the service endpoints. */
export const serviceRoutes: FastifyPluginAsync<{ ctx: AppContext }> = async (app, { ctx }) => {
  app.get('/', async () => ({
    status: 'ok',
    service: 'ttops',
    env: ctx.config.env,
    server_host: ctx.urls.serverHost,
    tts_base_url: ctx.urls.mediaBaseUrl,
  }));

  app.get('/health', async (_request, reply) => reply.type(HEALTH_JSON).send({ status: 'pass' }));

  app.get('/ready', async (_request, reply) => {
    const result = await runChecks(ctx.readyChecks);
    return reply.code(result.status === 'fail' ? 503 : 200).type(HEALTH_JSON).send(result);
  });

  app.get('/metrics', async (_request, reply) => {
    const text = await ctx.metrics.registry.metrics();
    return reply.type(ctx.metrics.registry.contentType).send(text);
  });
};
