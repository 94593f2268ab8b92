/**
 * The cabinet's session: a cabinet-scoped token (src/auth/jwt.ts), kept in an HttpOnly,
 * SameSite=Lax cookie (Secure on an https site) and checked on every request like a Bearer
 * token (signature, expiry, revocation), so logging out everywhere and revoking a license
 * end cabinet sessions too. It does not need an active license: a buyer whose license lapsed
 * logs in to see it and renew; the API refuses the token. SameSite=Lax keeps the cookie off
 * cross-site POSTs, which is what protects the cabinet's forms from other sites.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AccountService } from '../accounts/service.js';
import type { TokenIssuer } from '../auth/jwt.js';
import { isTtopsError } from '../errors.js';
import type { UserRecord } from '../store/types.js';
import { parseCookies, serializeCookie } from './cookies.js';

/** Name of the session cookie. */
export const SESSION_COOKIE = 'ttops_session';

/** The logged-in user, or undefined; a cookie that no longer checks out is cleared. */
export async function sessionUser(accounts: AccountService, request: FastifyRequest, reply: FastifyReply, secure: boolean): Promise<UserRecord | undefined> {
  const token = parseCookies(request.headers.cookie).get(SESSION_COOKIE);
  if (!token) return undefined;
  try {
    return await accounts.cabinetUser(token);
  } catch (error) {
    if (!isTtopsError(error) || error.status >= 500) throw error;
    clearSession(reply, secure);
    return undefined;
  }
}

/** Sets the session cookie for a fresh access token; it lives as long as the token. */
export async function startSession(tokens: TokenIssuer, reply: FastifyReply, accessToken: string, secure: boolean): Promise<void> {
  const { expiresAt } = await tokens.verify(accessToken);
  reply.header('set-cookie', serializeCookie(SESSION_COOKIE, accessToken, { maxAge: (expiresAt.getTime() - Date.now()) / 1000, secure }));
}

/** Deletes the session cookie. */
export function clearSession(reply: FastifyReply, secure: boolean): void {
  reply.header('set-cookie', serializeCookie(SESSION_COOKIE, '', { maxAge: 0, secure }));
}
