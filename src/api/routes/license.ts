/**
 * Admin license routes: issue and revoke with `Admin-Api-Key`. The same service functions
 * back `ttops license`, so the CLI and the API cannot drift apart.
 */
import type { FastifyPluginAsync } from 'fastify';
import { issueLicenses, revokeLicense } from '../../licenses/service.js';
import type { AppContext } from '../app.js';
import { adminGuard } from '../guards.js';

interface IssueBody {
  plan: string;
  ttl_days: number;
  count?: number;
  note?: string;
}

/** Registers `/v2/license/*`. */
export const licenseRoutes: FastifyPluginAsync<{ ctx: AppContext }> = async (app, { ctx }) => {
  app.addHook('preHandler', adminGuard(ctx.secrets.adminApiKey));
  const actor = (ip: string) => ({ actor: `api:admin@${ip}` });

  app.post<{ Body: IssueBody }>(
    '/issue',
    {
      schema: {
        body: {
          type: 'object',
          required: ['plan', 'ttl_days'],
          properties: {
            plan: { type: 'string', minLength: 1, maxLength: 32 },
            ttl_days: { type: 'integer', minimum: 1, maximum: 3650 },
            count: { type: 'integer', minimum: 1, maximum: 1000 },
            note: { type: 'string', maxLength: 200 },
          },
        },
      },
    },
    async (request) => {
      const { plan, ttl_days, count, note } = request.body;
      const issued = await issueLicenses(ctx.store, { plan, ttlDays: ttl_days, count, note }, actor(request.ip));
      const view = issued.map(({ key, plan: p, expires_at }) => ({ key, plan: p, expires_at }));
      return (count ?? 1) > 1 ? view : view[0];
    },
  );

  app.post<{ Body: { key: string } }>(
    '/revoke',
    { schema: { body: { type: 'object', required: ['key'], properties: { key: { type: 'string', minLength: 1, maxLength: 64 } } } } },
    async (request) => revokeLicense(ctx.store, request.body.key, actor(request.ip)),
  );
};
