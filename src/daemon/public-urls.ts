/**
 * The public base URLs of the API and of `static/` media. They are configuration, except
 * when they derive from the listen address and `serve` was asked for port 0: then they are
 * known only once it listens. Holding them here (read at each use) keeps the configuration
 * itself immutable.
 */
import type { Config } from '../config/load.js';

/** Where clients reach this server and its media. */
export class PublicUrls {
  serverHost: string;
  mediaBaseUrl: string;

  constructor(private readonly config: Pick<Config, 'serverHost' | 'mediaBaseUrl' | 'values'>) {
    this.serverHost = config.serverHost;
    this.mediaBaseUrl = config.mediaBaseUrl;
  }

  /** Follows the address `serve` actually bound, where the URLs were derived from it. */
  bindTo(host: string, port: number): void {
    if (this.config.values.SERVER_HOST !== undefined) return;
    this.serverHost = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
    if (this.config.values.MEDIA_BASE_URL === undefined) this.mediaBaseUrl = this.serverHost;
  }
}
