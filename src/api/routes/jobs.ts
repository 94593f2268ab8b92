/**
 * Video orders: `POST /v2/jobs` charges and queues in one transaction; `GET` shows a user's
 * own jobs only (someone else's id is simply not found).
 */
import type { FastifyPluginAsync } from 'fastify';
import { NotFoundError } from '../../errors.js';
import { createVideoOrder, jobView, type VideoOrderInput } from '../../jobs/orders.js';
import type { AppContext } from '../app.js';
import { userGuard } from '../guards.js';
import { BEARER, errorResponses, idParams, jobView as jobSchema, rowIdOr404 } from '../schemas.js';

/** Registers `/v2/jobs`. */
export const jobRoutes: FastifyPluginAsync<{ ctx: AppContext }> = async (app, { ctx }) => {
  app.addHook('preHandler', userGuard(ctx.accounts));

  app.post<{ Body: VideoOrderInput }>(
    '/',
    {
      schema: {
        summary: 'Order videos',
        tags: ['jobs'],
        description: 'Charges `count` × the video cost in credits and queues one job per video, in one transaction (402 when short).',
        security: BEARER,
        body: {
          type: 'object',
          required: ['template', 'product_name'],
          properties: {
            template: { type: 'string', minLength: 1, maxLength: 64 },
            product_name: { type: 'string', minLength: 1, maxLength: 200 },
            image_url: { type: 'string', format: 'uri', pattern: '^https?://', maxLength: 2000 },
            wishes: { type: 'string', maxLength: 1000 },
            count: { type: 'integer', minimum: 1, maximum: 5, default: 1 },
          },
        },
        response: {
          201: {
            type: 'object',
            required: ['order_id', 'jobs', 'credits'],
            properties: {
              order_id: { type: 'string', format: 'uuid' },
              jobs: { type: 'array', items: { type: 'object', required: ['id', 'status'], properties: { id: { type: 'integer' }, status: { type: 'string' } } } },
              credits: { type: 'integer', description: 'credits left' },
            },
          },
          ...errorResponses,
        },
      },
    },
    async (request, reply) => reply.code(201).send(await createVideoOrder(ctx.store, request.user!, request.body, ctx.config.videoCostCredits)),
  );

  const getSchema = { summary: 'One of your jobs', tags: ['jobs'], security: BEARER, params: idParams, response: { 200: jobSchema, ...errorResponses } };
  app.get<{ Params: { id: number } }>('/:id', { schema: getSchema }, async (request) => {
    const notFound = () => new NotFoundError('job_not_found', `no job ${request.params.id} of yours`);
    const job = await ctx.store.findJob(rowIdOr404(request.params.id, notFound));
    if (!job || job.userId !== request.user!.id) throw notFound();
    return jobView(job);
  });

  const listSchema = {
    summary: 'Your jobs, newest first',
    tags: ['jobs'],
    security: BEARER,
    querystring: { type: 'object', properties: { limit: { type: 'integer', minimum: 1, maximum: 200, default: 50 } } },
    response: { 200: { type: 'array', items: jobSchema }, ...errorResponses },
  };
  app.get<{ Querystring: { limit?: number } }>('/', { schema: listSchema }, async (request) => {
    const jobs = await ctx.store.listJobs({ userId: request.user!.id, limit: request.query.limit ?? 50 });
    return jobs.map(jobView);
  });
};
