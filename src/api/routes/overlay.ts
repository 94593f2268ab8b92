/**
 * `GET /overlay`: the OBS browser-source page that plays a streamer's sounds and TTS. A static
 * page (templates/overlay.html + overlay.js + overlay.css, read once at startup) that opens the
 * live socket itself. The token goes in the URL fragment (`/overlay#token=…`), which browsers
 * never send, so it never reaches server or proxy logs; `?token=` also works, for OBS setups
 * that drop fragments, but then it travels in the request line (our logger redacts queries,
 * an nginx access log may not).
 * The Content-Security-Policy lets the page load only its own script and style, talk only to
 * this host's socket, and play media only from MEDIA_BASE_URL's origin (read per request: it
 * can follow the port `serve` bound).
 */
import { readFileSync } from 'node:fs';
import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import { packagePath } from '../../paths.js';
import type { AppContext } from '../app.js';
import { errorResponses } from '../schemas.js';

/** The page's files, read once (they ship in the package's templates/). */
interface OverlayFiles {
  html: string;
  js: string;
  css: string;
}

/** Reads the overlay's files from the package. */
function loadOverlayFiles(): OverlayFiles {
  const read = (name: string) => readFileSync(packagePath('templates', name), 'utf8');
  return { html: read('overlay.html'), js: read('overlay.js'), css: read('overlay.css') };
}

/** `http://h` → `ws://h`, `https://h` → `wss://h`: the socket origin a page on `origin` uses. */
function socketOrigin(origin: string): string {
  return origin.replace(/^http/, 'ws');
}

/**
 * The page's Content-Security-Policy. `'self'` in connect-src covers ws(s) to the page's own
 * host in CSP Level 3 browsers; the public server origin is listed too for older ones.
 * frame-ancestors 'none': OBS's browser source loads the page top-level, never in a frame.
 */
export function overlayCsp(urls: { serverHost: string; mediaBaseUrl: string }): string {
  const server = new URL(urls.serverHost).origin;
  const media = new URL(urls.mediaBaseUrl).origin;
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    `connect-src 'self' ${socketOrigin(server)}`,
    `media-src ${media}`,
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}

/** Headers every overlay file carries: no caching (a new release serves its new script at once), no framing, no sniffing, no referrer (a `?token=` must not leak into media requests' logs). */
function secureHeaders(reply: FastifyReply): FastifyReply {
  return reply
    .header('cache-control', 'no-store')
    .header('x-frame-options', 'DENY')
    .header('x-content-type-options', 'nosniff')
    .header('referrer-policy', 'no-referrer');
}

/** A static text response, described for the API docs. */
function textSchema(description: string, contentType: string, querystring?: object) {
  return {
    summary: description,
    tags: ['live'],
    ...(querystring ? { querystring } : {}),
    response: { 200: { description, content: { [contentType]: { schema: { type: 'string' } } } }, ...errorResponses },
  };
}

/** Registers `/overlay` and its script and style. */
export const overlayRoutes: FastifyPluginAsync<{ ctx: AppContext }> = async (app, { ctx }) => {
  const files = loadOverlayFiles();
  const pageQuery = {
    type: 'object',
    properties: {
      token: { type: 'string', description: 'access_token, for OBS setups that drop the URL fragment; prefer `#token=` (never sent to the server, so never logged)' },
      debug: { type: 'string', description: '1 shows a small status badge' },
    },
  } as const;

  app.get(
    '/overlay',
    { schema: textSchema('The OBS overlay page: open it as /overlay#token=<access_token> in a browser source', 'text/html', pageQuery) },
    async (_request, reply) => secureHeaders(reply).header('content-security-policy', overlayCsp(ctx.urls)).type('text/html; charset=utf-8').send(files.html),
  );
  app.get('/overlay/overlay.js', { schema: textSchema("The overlay page's script", 'text/javascript') }, async (_request, reply) =>
    secureHeaders(reply).type('text/javascript; charset=utf-8').send(files.js),
  );
  app.get('/overlay/overlay.css', { schema: textSchema("The overlay page's style", 'text/css') }, async (_request, reply) =>
    secureHeaders(reply).type('text/css; charset=utf-8').send(files.css),
  );
};
