/**
 * Account routes: redeem a license, log in, read and change settings. Redeem and login
 * are rate limited per IP; field names are the contract existing clients use.
 */
import type { FastifyPluginAsync } from 'fastify';
import { meView } from '../../accounts/service.js';
import type { UserSettingsPatch } from '../../store/types.js';
import type { AppContext } from '../app.js';
import { userGuard } from '../guards.js';
import { authResult, BEARER, errorResponses, meView as meSchema } from '../schemas.js';

const credentials = {
  username: { type: 'string', minLength: 1, maxLength: 64 },
  password: { type: 'string', minLength: 1, maxLength: 256 },
};

interface PatchBody {
  voice_id?: string;
  tts_enabled?: boolean;
  gift_sounds_enabled?: boolean;
  tts_volume?: number;
  gifts_volume?: number;
  tiktok_username?: string | null;
}

/** Registers `/v2/auth/*`. */
export const authRoutes: FastifyPluginAsync<{ ctx: AppContext }> = async (app, { ctx }) => {
  const limited = { rateLimit: { max: ctx.config.authRateLimit, timeWindow: 60_000 } };
  const requireUser = userGuard(ctx.accounts);

  app.post<{ Body: { username: string; password: string; license_key: string } }>(
    '/redeem-license',
    {
      config: limited,
      schema: {
        summary: 'Redeem a license key',
        tags: ['auth'],
        description: 'Creates the account, or extends the existing one whose password matches; returns a token. Rate limited per IP.',
        body: {
          type: 'object',
          required: ['username', 'password', 'license_key'],
          properties: { ...credentials, license_key: { type: 'string', minLength: 1, maxLength: 64 } },
        },
        response: { 200: authResult, ...errorResponses },
      },
    },
    async (request) => ctx.accounts.redeem(request.body, `api:redeem@${request.ip}`),
  );

  app.post<{ Body: { username: string; password: string } }>(
    '/login',
    {
      config: limited,
      schema: {
        summary: 'Log in',
        tags: ['auth'],
        description: 'Rate limited per IP.',
        body: { type: 'object', required: ['username', 'password'], properties: credentials },
        response: { 200: authResult, ...errorResponses },
      },
    },
    async (request) => ctx.accounts.login(request.body),
  );

  app.get(
    '/me',
    { preHandler: requireUser, schema: { summary: 'Your account and settings', tags: ['auth'], security: BEARER, response: { 200: meSchema, ...errorResponses } } },
    async (request) => meView(request.user!),
  );

  app.patch<{ Body: PatchBody }>(
    '/me',
    {
      preHandler: requireUser,
      schema: {
        summary: 'Change settings',
        tags: ['auth'],
        description: 'Any subset of the fields; returns the new view.',
        security: BEARER,
        response: { 200: meSchema, ...errorResponses },
        body: {
          type: 'object',
          minProperties: 1,
          properties: {
            voice_id: { type: 'string', pattern: '^[A-Za-z]{2,3}-[A-Za-z]{2,4}-[A-Za-z0-9]{1,48}$' },
            tts_enabled: { type: 'boolean' },
            gift_sounds_enabled: { type: 'boolean' },
            tts_volume: { type: 'integer', minimum: 0, maximum: 100 },
            gifts_volume: { type: 'integer', minimum: 0, maximum: 100 },
            tiktok_username: { type: ['string', 'null'], pattern: '^@?[A-Za-z0-9_.]{0,24}$' },
          },
        },
      },
    },
    async (request) => {
      const b = request.body;
      const tiktok = b.tiktok_username === undefined ? undefined : b.tiktok_username?.replace(/^@/, '') || null;
      const patch: UserSettingsPatch = {
        voiceId: b.voice_id,
        ttsEnabled: b.tts_enabled,
        giftSoundsEnabled: b.gift_sounds_enabled,
        ttsVolume: b.tts_volume,
        giftsVolume: b.gifts_volume,
        tiktokUsername: tiktok,
      };
      return ctx.accounts.updateSettings(request.user!, patch);
    },
  );
};
