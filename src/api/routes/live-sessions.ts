/**
 * `GET /v2/live/sessions[/:id]`: a streamer's recorded live sessions with their stats,
 * newest first. Someone else's session id is simply not found.
 */
import type { FastifyPluginAsync } from 'fastify';
import { NotFoundError } from '../../errors.js';
import type { LiveSessionRecord } from '../../store/types.js';
import type { AppContext } from '../app.js';
import { userGuard } from '../guards.js';
import { BEARER, errorResponses, idParams, rowIdOr404 } from '../schemas.js';

const count = { type: 'integer', minimum: 0 } as const;

/** One session as the API shows it. */
export const liveSessionView = {
  type: 'object',
  required: ['id', 'unique_id', 'source', 'started_at', 'ended_at', 'peak_viewers', 'gifts', 'diamonds', 'likes', 'follows', 'shares', 'joins', 'top_gifters'],
  properties: {
    id: { type: 'integer' },
    unique_id: { type: 'string', description: 'the TikTok @handle followed' },
    source: { type: 'string', enum: ['tiktok', 'replay'] },
    started_at: { type: 'string', format: 'date-time' },
    ended_at: { type: ['string', 'null'], format: 'date-time', description: 'null while the stream goes on' },
    peak_viewers: count,
    gifts: count,
    diamonds: count,
    likes: count,
    follows: count,
    shares: count,
    joins: count,
    top_gifters: {
      type: 'array',
      maxItems: 10,
      description: 'the best gifters by diamonds, best first',
      items: {
        type: 'object',
        required: ['unique_id', 'nickname', 'diamonds'],
        properties: { unique_id: { type: 'string' }, nickname: { type: 'string' }, diamonds: count },
      },
    },
  },
} as const;

/** The API shape of a session. */
export function sessionView(s: LiveSessionRecord) {
  return {
    id: s.id,
    unique_id: s.uniqueId,
    source: s.source,
    started_at: s.startedAt,
    ended_at: s.endedAt,
    peak_viewers: s.peakViewers,
    gifts: s.gifts,
    diamonds: s.diamonds,
    likes: s.likes,
    follows: s.follows,
    shares: s.shares,
    joins: s.joins,
    top_gifters: s.topGifters,
  };
}

/** Registers `/v2/live/sessions` (under the `/v2/live` prefix). */
export const liveSessionRoutes: FastifyPluginAsync<{ ctx: AppContext }> = async (app, { ctx }) => {
  app.addHook('preHandler', userGuard(ctx.accounts));

  app.get<{ Querystring: { limit: number } }>(
    '/sessions',
    {
      schema: {
        summary: 'Your recorded live sessions, newest first',
        tags: ['live'],
        security: BEARER,
        querystring: { type: 'object', additionalProperties: false, properties: { limit: { type: 'integer', minimum: 1, maximum: 100, default: 20 } } },
        response: { 200: { type: 'object', required: ['sessions'], properties: { sessions: { type: 'array', items: liveSessionView } } }, ...errorResponses },
      },
    },
    async (request) => ({ sessions: (await ctx.store.listLiveSessions(request.user!.id, request.query.limit)).map(sessionView) }),
  );

  app.get<{ Params: { id: number } }>('/sessions/:id', { schema: { summary: 'One of your live sessions', tags: ['live'], security: BEARER, params: idParams, response: { 200: liveSessionView, ...errorResponses } } }, async (request) => {
    const notFound = () => new NotFoundError('live_session_not_found', `no live session ${request.params.id} of yours — list them with GET /v2/live/sessions`);
    const session = await ctx.store.findLiveSession(request.user!.id, rowIdOr404(request.params.id, notFound));
    if (!session) throw notFound();
    return sessionView(session);
  });
};
