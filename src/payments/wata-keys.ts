/**
 * WATA's webhook public key, fetched from `GET {api}/public-key` and cached per API URL
 * (sandbox and production keys differ). After a failed verification the key may be
 * fetched again once — it may have rotated — but not more often than `minRefetchMs`, so a
 * stream of forged webhooks cannot turn into a stream of requests to WATA.
 */
import { createPublicKey, type KeyObject } from 'node:crypto';
import { FailureError } from '../errors.js';
import { asObject, callHttp } from '../jobs/providers/http.js';
import { UnreachableError } from '../errors.js';

interface CachedKey {
  key?: KeyObject;
  fetchedAt: number;
  inflight?: Promise<KeyObject>;
}

/** A cache of WATA public keys by API URL. */
export class WataKeyCache {
  private readonly entries = new Map<string, CachedKey>();

  constructor(
    private readonly minRefetchMs = 10_000,
    private readonly timeoutMs = 10_000,
  ) {}

  /** The cached key, fetched on first use. */
  async current(apiUrl: string): Promise<KeyObject> {
    const entry = this.entries.get(apiUrl);
    if (entry?.key) return entry.key;
    return this.fetch(apiUrl);
  }

  /**
   * A fresh key after `stale` failed to verify, or undefined when the last fetch was too
   * recent or WATA still serves the same key.
   */
  async refreshed(apiUrl: string, stale: KeyObject): Promise<KeyObject | undefined> {
    const entry = this.entries.get(apiUrl);
    if (entry?.key && entry.key !== stale) return entry.key; // another request already refetched
    if (entry && !entry.inflight && Date.now() - entry.fetchedAt < this.minRefetchMs) return undefined;
    const key = await this.fetch(apiUrl);
    return key.equals(stale) ? undefined : key;
  }

  private fetch(apiUrl: string): Promise<KeyObject> {
    const entry = this.entries.get(apiUrl) ?? { fetchedAt: 0 };
    this.entries.set(apiUrl, entry);
    entry.inflight ??= this.download(apiUrl)
      .then((key) => {
        entry.key = key;
        return key;
      })
      .finally(() => {
        entry.fetchedAt = Date.now();
        entry.inflight = undefined;
      });
    return entry.inflight;
  }

  private async download(apiUrl: string): Promise<KeyObject> {
    const outcome = await callHttp({ url: `${apiUrl}/public-key`, method: 'GET', timeoutMs: this.timeoutMs });
    if (!outcome.ok) throw new UnreachableError('provider_unreachable', `WATA's public key could not be fetched (${String(outcome.error)}) — WATA will resend the webhook`);
    const pem = asObject(outcome.answer.json)?.value;
    if (outcome.answer.status !== 200 || typeof pem !== 'string') throw new FailureError('provider_malformed', `WATA's public-key answer (HTTP ${outcome.answer.status}) has no PEM value — check WATA_API_URL`);
    try {
      return createPublicKey(pem);
    } catch (error) {
      throw new FailureError('provider_malformed', 'WATA served a public key that is not a valid PEM — check WATA_API_URL', { cause: error });
    }
  }
}

/** The process's cache: every WATA provider instance for one API URL shares one key. */
export const sharedWataKeys = new WataKeyCache();
