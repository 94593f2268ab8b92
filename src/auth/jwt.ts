/**
 * Access tokens: HS256 JWTs signed with `JWT_SECRET` via jose. The expiry never passes the
 * license expiry, and a `ver` claim lets a license revoke kill tokens already handed out.
 * A web cabinet session is a token of its own scope: it outlives the license (the cabinet
 * is where a buyer whose license lapsed sees it and renews), and the API refuses it.
 */
import { SignJWT, jwtVerify, errors as joseErrors } from 'jose';
import { AuthError } from '../errors.js';

/** What a verified token tells us. */
export interface TokenClaims {
  userId: number;
  version: number;
  expiresAt: Date;
  /** `cabinet` for a web cabinet session; absent for an API access token. */
  scope?: 'cabinet';
}

/** How many verified tokens to remember: a client sends the same token on every request. */
const VERIFIED_CACHE_SIZE = 10_000;

/** Signs and verifies tokens with one secret. */
export class TokenIssuer {
  private readonly key: Uint8Array;
  // The HMAC check is a quarter of a /me request's CPU; a token that verified once verifies
  // again, so remember it (expiry is still checked on every use; revocation is the user row's job).
  private readonly verified = new Map<string, TokenClaims>();

  constructor(secret: string, private readonly ttlDays: number) {
    this.key = new TextEncoder().encode(secret);
  }

  /** A token for the user, valid for the TTL or until the license ends, whichever is first. */
  async issue(userId: number, version: number, licenseExpiresAt: Date, now = new Date()): Promise<{ token: string; expiresAt: Date }> {
    const expiresAt = new Date(Math.min(this.ttlEnd(now), licenseExpiresAt.getTime()));
    return { token: await this.sign({ ver: version }, userId, now, expiresAt), expiresAt };
  }

  /** A web cabinet session for the user, valid for the TTL whatever their license; the API refuses it. */
  async issueCabinet(userId: number, version: number, now = new Date()): Promise<{ token: string; expiresAt: Date }> {
    const expiresAt = new Date(this.ttlEnd(now));
    return { token: await this.sign({ ver: version, scope: 'cabinet' }, userId, now, expiresAt), expiresAt };
  }

  private ttlEnd(now: Date): number {
    return now.getTime() + this.ttlDays * 86_400_000;
  }

  private sign(claims: Record<string, unknown>, userId: number, now: Date, expiresAt: Date): Promise<string> {
    return new SignJWT(claims)
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setSubject(String(userId))
      .setIssuedAt(Math.floor(now.getTime() / 1000))
      .setExpirationTime(Math.floor(expiresAt.getTime() / 1000))
      .sign(this.key);
  }

  /** Verifies signature, algorithm and expiry; throws AuthError with a stable code. */
  async verify(token: string): Promise<TokenClaims> {
    const cached = this.verified.get(token);
    if (cached && cached.expiresAt.getTime() > Date.now()) return cached;
    if (cached) this.verified.delete(token);
    const claims = await this.verifySignature(token);
    if (this.verified.size >= VERIFIED_CACHE_SIZE) this.verified.delete(this.verified.keys().next().value!);
    this.verified.set(token, claims);
    return claims;
  }

  private async verifySignature(token: string): Promise<TokenClaims> {
    try {
      const { payload } = await jwtVerify(token, this.key, { algorithms: ['HS256'] });
      const userId = Number(payload.sub);
      if (!Number.isSafeInteger(userId) || userId <= 0 || typeof payload.exp !== 'number') throw new AuthError('token_invalid', 'the access token is malformed — log in again');
      return { userId, version: typeof payload.ver === 'number' ? payload.ver : 0, expiresAt: new Date(payload.exp * 1000), ...(payload.scope === 'cabinet' ? { scope: 'cabinet' as const } : {}) };
    } catch (error) {
      if (error instanceof AuthError) throw error;
      if (error instanceof joseErrors.JWTExpired) throw new AuthError('token_expired', 'the access token has expired — log in again');
      throw new AuthError('token_invalid', 'the access token is invalid — log in again');
    }
  }
}
