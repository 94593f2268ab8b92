/**
 * Service endpoints: `/` (the seed shape old clients read), `/health` (liveness),
 * `/ready` (readiness with per-check detail) and `/metrics` (Prometheus).
 */
import type { FastifyPluginAsync } from 'fastify';
import { runChecks } from '../readiness.js';
import type { AppContext } from '../app.js';
import { errorResponses } from '../schemas.js';

const HEALTH_JSON = 'application/health+json';

const readiness = {
  type: 'object',
  required: ['status', 'checks'],
  properties: {
    status: { type: 'string', enum: ['pass', 'warn', 'fail'], description: 'the worst of the checks' },
    checks: {
      type: 'object',
      description: 'by check name (store, migrations, workers, …)',
      additionalProperties: {
        type: 'object',
        required: ['status'],
        properties: { status: { type: 'string', enum: ['pass', 'warn', 'fail'] }, output: { type: 'string' }, observedValue: { description: 'what the check saw' } },
      },
    },
  },
} as const;

/** A success response in `application/health+json` (errors stay plain JSON). */
function healthJson(description: string, schema: object) {
  return { description, content: { [HEALTH_JSON]: { schema } } };
}

/** Registers the service endpoints. */
export const serviceRoutes: FastifyPluginAsync<{ ctx: AppContext }> = async (app, { ctx }) => {
  app.get(
    '/',
    {
      schema: {
        summary: 'Service identity and public URLs',
        tags: ['service'],
        response: {
          200: {
            type: 'object',
            required: ['status', 'service', 'env', 'server_host', 'tts_base_url'],
            properties: {
              status: { type: 'string', enum: ['ok'] },
              service: { type: 'string', enum: ['ttops'] },
              env: { type: 'string', enum: ['dev', 'prod'] },
              server_host: { type: 'string', description: 'public URL of this API' },
              tts_base_url: { type: 'string', description: 'public base of `static/` (sounds, speech)' },
            },
          },
          ...errorResponses,
        },
      },
    },
    async () => ({
      status: 'ok',
      service: 'ttops',
      env: ctx.config.env,
      server_host: ctx.urls.serverHost,
      tts_base_url: ctx.urls.mediaBaseUrl,
    }),
  );

  app.get(
    '/health',
    {
      schema: {
        summary: 'Liveness: the process answers',
        tags: ['service'],
        response: { 200: healthJson('alive', { type: 'object', required: ['status'], properties: { status: { type: 'string', enum: ['pass'] } } }), ...errorResponses },
      },
    },
    async (_request, reply) => reply.type(HEALTH_JSON).send({ status: 'pass' }),
  );

  app.get(
    '/ready',
    {
      schema: {
        summary: 'Readiness: store, migrations, workers',
        tags: ['service'],
        description: '200 while every check passes or only warns (no worker yet); 503 when one fails.',
        response: { 200: healthJson('ready', readiness), 503: healthJson('not ready: a check failed', readiness), ...errorResponses },
      },
    },
    async (_request, reply) => {
      const result = await runChecks(ctx.readyChecks);
      return reply.code(result.status === 'fail' ? 503 : 200).type(HEALTH_JSON).send(result);
    },
  );

  app.get(
    '/metrics',
    {
      schema: {
        summary: 'Prometheus metrics',
        tags: ['service'],
        description: 'The text exposition format; templates/monitoring/ has alert rules and a Grafana dashboard for these names.',
        response: { 200: { description: 'Prometheus text format', content: { [ctx.metrics.registry.contentType]: { schema: { type: 'string' } } } }, ...errorResponses },
      },
    },
    async (_request, reply) => {
      const text = await ctx.metrics.registry.metrics();
      return reply.type(ctx.metrics.registry.contentType).send(text);
    },
  );
};
