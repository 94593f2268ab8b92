/**
 * Request guards: the admin key (compared in constant time) and bearer tokens. Each is a
 * preHandler that either passes or throws a coded 401/403.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import type { AccountService } from '../accounts/service.js';
import { AuthError } from '../errors.js';
import type { UserRecord } from '../store/types.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by the bearer guard. */
    user?: UserRecord;
  }
}

const digest = (v: string) => createHash('sha256').update(v).digest();

/** A preHandler that requires `Admin-Api-Key` to match. */
export function adminGuard(adminApiKey: string) {
  const expected = digest(adminApiKey);
  return async (request: FastifyRequest) => {
    const given = request.headers['admin-api-key'];
    if (typeof given !== 'string' || given.length === 0) throw new AuthError('admin_key_missing', 'this route needs the Admin-Api-Key header');
    // Hashing first makes both sides 32 bytes, so the comparison leaks nothing, length included.
    if (!timingSafeEqual(digest(given), expected)) throw new AuthError('admin_key_invalid', 'the Admin-Api-Key is wrong');
  };
}

/** The token of an `Authorization: Bearer …` header. */
export function bearerToken(request: FastifyRequest): string {
  const header = request.headers.authorization;
  const match = typeof header === 'string' ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
  if (!match) throw new AuthError('token_missing', 'this route needs an Authorization: Bearer <access_token> header — log in first');
  return match[1];
}

/** A preHandler that authenticates the bearer token and sets `request.user`. */
export function userGuard(accounts: AccountService) {
  return async (request: FastifyRequest) => {
    request.user = await accounts.authenticate(bearerToken(request));
  };
}

/**
 * A preHandler for routes where logging in is optional (`POST /v2/orders`): no Authorization
 * header is an anonymous request; a header with a bad, expired or revoked token is refused
 * exactly as the bearer guard refuses it, never silently downgraded to anonymous.
 */
export function optionalUserGuard(accounts: AccountService) {
  return async (request: FastifyRequest) => {
    if (request.headers.authorization === undefined) return;
    request.user = await accounts.authenticate(bearerToken(request));
  };
}
