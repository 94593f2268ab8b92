/**
 * Provider callbacks. KIE signs nothing, so a callback is only a hint: it must name a task
 * we submitted, and it just makes that job due now — the worker then asks the provider
 * itself before any money moves. Repeats are harmless.
 */
import type { FastifyPluginAsync } from 'fastify';
import { InvalidInputError, NotFoundError } from '../../errors.js';
import { parseKieCallback } from '../../jobs/providers/kie-record.js';
import type { AppContext } from '../app.js';

/** Registers `/v2/providers/*`. */
export const providerRoutes: FastifyPluginAsync<{ ctx: AppContext }> = async (app, { ctx }) => {
  app.post('/kie/callback', async (request) => {
    const record = parseKieCallback(request.body);
    if (typeof record === 'string') throw new InvalidInputError('invalid_callback', `the callback body is not a task record (${record})`);
    const job = await ctx.store.findJobByProviderTask(record.taskId);
    if (!job) throw new NotFoundError('task_not_found', `no job is waiting for task ${record.taskId}`);
    const woken = await ctx.store.wakeJob(job.id);
    return { status: woken ? 'accepted' : 'ignored', job_id: job.id };
  });
};
