/**
 * The order's status link: `/orders/<id>?exp=<unix s>&sig=<HMAC>`. Whoever holds it sees the
 * order (and, once, the license key it bought) without an account, so it is signed with a
 * key derived from JWT_SECRET and expires. The provider sends the buyer back to it.
 */
import { createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';
import { ConflictError, ForbiddenError, InvalidInputError } from '../errors.js';

/** How long a status link works: long enough to come back from the provider, not forever. */
export const STATUS_LINK_TTL_S = 7 * 24 * 3600;

/** Signs and checks status links; one per process. */
export class StatusLinks {
  private readonly key: Buffer;

  constructor(
    jwtSecret: string,
    /** The public base URL of the API, read at use (`serve` may learn it only once listening). */
    private readonly baseUrl: () => string,
    private readonly now: () => number = Date.now,
  ) {
    this.key = Buffer.from(hkdfSync('sha256', jwtSecret, 'ttops', 'order status link', 32));
  }

  /** The absolute link to order `id`, valid for STATUS_LINK_TTL_S from `from` (epoch ms; now by default). */
  url(id: number, from = this.now()): string {
    const exp = Math.floor(from / 1000) + STATUS_LINK_TTL_S;
    return `${this.baseUrl()}/orders/${id}?exp=${exp}&sig=${this.sign(id, exp)}`;
  }

  /** Throws `link_invalid` (400 damaged, 403 wrong signature), or `link_expired` (410) past its time. */
  check(id: number, exp: number, sig: string): void {
    if (!Number.isSafeInteger(exp) || exp <= 0) throw new InvalidInputError('link_invalid', 'this order link is damaged — open the link from the payment page again');
    const expected = Buffer.from(this.sign(id, exp));
    const given = Buffer.from(sig);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw new ForbiddenError('link_invalid', 'this order link is not valid — open the link from the payment page again');
    if (exp * 1000 < this.now()) throw new ConflictError('link_expired', 'this order link has expired — log in at /account to see your orders', { status: 410 });
  }

  private sign(id: number, exp: number): string {
    return createHmac('sha256', this.key).update(`order:${id}:${exp}`).digest('base64url');
  }
}
