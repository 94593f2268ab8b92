/**
 * Provider callbacks. KIE signs nothing, so a callback is only a hint: it must name a task
 * we submitted, and it just makes that job due now — the worker then asks the provider
 * itself before any money moves. Repeats are harmless.
 */
import type { FastifyPluginAsync } from 'fastify';
import { InvalidInputError, NotFoundError } from '../../errors.js';
import { parseKieCallback } from '../../jobs/providers/kie-record.js';
import type { AppContext } from '../app.js';
import { documentOnly, errorResponses } from '../schemas.js';

/** KIE's callback as documented; the handler reads it itself (src/jobs/providers/kie-record.ts). */
const callbackSchema = {
  summary: 'KIE task callback',
  tags: ['providers'],
  description: 'A hint only (KIE signs nothing): it must name a task we submitted, and makes that job due now; the worker then asks KIE itself. Repeats are harmless.',
  body: {
    type: 'object',
    required: ['data'],
    properties: {
      code: { type: 'integer' },
      msg: { type: 'string' },
      data: {
        type: 'object',
        required: ['taskId'],
        properties: {
          taskId: { type: 'string' },
          state: { type: 'string', enum: ['waiting', 'queuing', 'generating', 'success', 'fail'] },
          resultJson: { type: 'string', description: 'JSON text with `resultUrls` on success' },
          failCode: { type: 'string' },
          failMsg: { type: 'string' },
        },
      },
    },
  },
  response: {
    200: {
      type: 'object',
      required: ['status', 'job_id'],
      properties: { status: { type: 'string', enum: ['accepted', 'ignored'], description: '`ignored` when the job was not waiting' }, job_id: { type: 'integer' } },
    },
    ...errorResponses,
  },
};

/** Registers `/v2/providers/*`. */
export const providerRoutes: FastifyPluginAsync<{ ctx: AppContext }> = async (app, { ctx }) => {
  app.post('/kie/callback', { schema: callbackSchema, validatorCompiler: documentOnly }, async (request) => {
    const record = parseKieCallback(request.body);
    if (typeof record === 'string') throw new InvalidInputError('invalid_callback', `the callback body is not a task record (${record})`);
    const job = await ctx.store.findJobByProviderTask(record.taskId);
    if (!job) throw new NotFoundError('task_not_found', `no job is waiting for task ${record.taskId}`);
    const woken = await ctx.store.wakeJob(job.id);
    return { status: woken ? 'accepted' : 'ignored', job_id: job.id };
  });
};
