/**
 * Admin license routes: issue and revoke with `Admin-Api-Key`. The same service functions
 * back `ttops license`, so the CLI and the API cannot drift apart.
 */
import type { FastifyPluginAsync } from 'fastify';
import { issueLicenses, revokeLicense } from '../../licenses/service.js';
import type { AppContext } from '../app.js';
import { adminGuard } from '../guards.js';
import { ADMIN_KEY, errorResponses, issuedKey, licenseView } from '../schemas.js';

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
        summary: 'Issue license keys',
        tags: ['license'],
        description: 'One key as an object, or `count` > 1 keys as an array. The key itself is shown only here.',
        security: ADMIN_KEY,
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
        response: { 200: { anyOf: [issuedKey, { type: 'array', items: issuedKey }] }, ...errorResponses },
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
    {
      schema: {
        summary: 'Revoke a license key',
        tags: ['license'],
        description: 'By the key itself (any spacing or case) or its numeric id.',
        security: ADMIN_KEY,
        body: { type: 'object', required: ['key'], properties: { key: { type: 'string', minLength: 1, maxLength: 64 } } },
        response: { 200: licenseView, ...errorResponses },
      },
    },
    async (request) => revokeLicense(ctx.store, request.body.key, actor(request.ip)),
  );
};
