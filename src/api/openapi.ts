/**
 * API documentation from the routes themselves: @fastify/swagger collects every route's
 * request and response schemas into an OpenAPI 3 document, served at `/openapi.json`, and
 * @fastify/swagger-ui serves a browsable page at `/docs` from its own bundled assets (no
 * CDN: boxes may be offline). Register before any route so every route is seen.
 */
import { readFileSync } from 'node:fs';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance, FastifySchema } from 'fastify';
import { packagePath } from '../paths.js';
import { errorBodySchema, errorResponses } from './schemas.js';

/** Where the browsable docs live; its own routes (assets, `/docs/json`) are not API operations. */
export const DOCS_PREFIX = '/docs';

/** Tags in the order the docs page lists them. */
const TAGS = [
  { name: 'service', description: 'Liveness, readiness, metrics, this document' },
  { name: 'auth', description: 'Streamer accounts: redeem a license key, log in, settings' },
  { name: 'license', description: 'Admin: issue and revoke license keys (`Admin-Api-Key`)' },
  { name: 'jobs', description: 'Video orders' },
  { name: 'providers', description: 'Callbacks from generation providers' },
  { name: 'sounds', description: 'A streamer’s uploaded sounds' },
  { name: 'triggers', description: 'What happens on which live event' },
  { name: 'live', description: 'The live socket and event simulation' },
  { name: 'media', description: 'Stored sounds and synthesised speech' },
  { name: 'orders', description: 'The catalogue and card-payment orders' },
  { name: 'payments', description: 'Notifications from card providers (Robokassa, YooKassa, WATA)' },
  { name: 'web', description: 'Server-rendered pages: checkout, an order’s return page, the buyer’s cabinet' },
];

/**
 * Docs for routes whose options another plugin writes (@fastify/static), or — until their
 * files carry them — routes owned elsewhere; a route's own summary always wins.
 */
const ROUTE_DOCS: Record<string, FastifySchema & Record<string, unknown>> = {
  'GET /static/*': {
    summary: 'A stored file (sound or synthesised speech)',
    tags: ['media'],
    description: 'The URLs in sound views and `action`/`tts` socket messages point here (or at the media vhost nginx serves).',
    response: {
      200: { description: 'the file', content: Object.fromEntries(['audio/mpeg', 'audio/ogg', 'audio/wav'].map((type) => [type, { schema: { type: 'string', format: 'binary' } }])) },
      ...errorResponses,
    },
  },
};

interface PackageInfo {
  name: string;
  version: string;
  description: string;
}

function packageInfo(): PackageInfo {
  return JSON.parse(readFileSync(packagePath('package.json'), 'utf8')) as PackageInfo;
}

/** Registers the document generator, `/openapi.json`, the ErrorBody schema and the `/docs` page. */
export async function registerOpenApi(app: FastifyInstance): Promise<void> {
  const pkg = packageInfo();
  app.addSchema(errorBodySchema);
  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: { title: pkg.name, version: pkg.version, description: pkg.description },
      tags: TAGS,
      components: {
        securitySchemes: {
          bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'the `access_token` of login or redeem' },
          adminApiKey: { type: 'apiKey', in: 'header', name: 'Admin-Api-Key', description: 'ADMIN_API_KEY of the server' },
        },
      },
    },
    // Shared schemas keep their own names in components.schemas (ErrorBody, not def-0).
    refResolver: { buildLocalReference: (json, _baseUri, _fragment, i) => (typeof json.$id === 'string' ? json.$id : `def-${i}`) },
    transform: ({ schema, url, route }) => {
      // `/v2/jobs/` (a prefix's root route) is called as `/v2/jobs`; both are registered.
      const path = url.length > 1 ? url.replace(/\/$/, '') : url;
      const methods = Array.isArray(route.method) ? route.method : [route.method];
      const docs = methods.map((m) => ROUTE_DOCS[`${m} ${path}`]).find(Boolean);
      if (!docs || (schema as { summary?: string } | undefined)?.summary) return { schema, url: path };
      const { hide: _hide, ...own } = (schema ?? {}) as Record<string, unknown>;
      return { schema: { ...own, ...docs } as FastifySchema, url: path };
    },
    // HEAD answers every GET; @fastify/static registers it on the same route, which would list it twice.
    transformObject: (documentObject) => {
      const spec = 'openapiObject' in documentObject ? documentObject.openapiObject : documentObject.swaggerObject;
      for (const item of Object.values(spec.paths ?? {})) delete (item as { head?: unknown }).head;
      return spec;
    },
  });
  await app.register(swaggerUi, { routePrefix: DOCS_PREFIX, uiConfig: { deepLinking: true }, staticCSP: false });
  app.get(
    '/openapi.json',
    {
      schema: {
        summary: 'This API’s OpenAPI 3 document',
        tags: ['service'],
        description: `Generated from the routes’ own schemas; \`${DOCS_PREFIX}\` renders it.`,
        response: { 200: { type: 'object', additionalProperties: true, description: 'an OpenAPI 3.0 document' }, ...errorResponses },
      },
    },
    async () => app.swagger(),
  );
}
